"""The Ray executor on a loopback runtime of this machine: the contract, failures, and equal results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gradiend_toy import ToyTrainer
from scale_checks import (
    GRID_KWARGS,
    assert_same_decoder_results,
    assert_same_training,
    seed_report,
    train_toy,
)
from scale_work import RAY_SKIP_REASON, FailSeed, MarkerSetup, die_once, double_with_origin, token_setup

from gradiend.executors import LocalExecutor, RayExecutor, WorkerLostError
from gradiend.pruning.config import PrePruneConfig
from gradiend.testing import quick_arguments

pytest.importorskip("ray", reason=RAY_SKIP_REASON)

GROUP_TIMEOUT_S = 120.0


def ray_executor(**kwargs: Any) -> RayExecutor:
    """One worker of one CPU unless told otherwise (the runtime has two CPUs)."""
    kwargs.setdefault("num_workers", 1)
    return RayExecutor(timeout_s=GROUP_TIMEOUT_S, **kwargs)


@pytest.fixture(scope="module")
def shared(ray_local: ModuleType) -> Iterator[RayExecutor]:
    """Two warm workers shared by the tests of this module (their actors start once).

    They reserve half a CPU each, so the tests' own one-worker executors still find a free CPU.
    """
    with ray_executor(num_workers=2, num_cpus_per_worker=0.5) as executor:
        yield executor


def _tokens_by_pid(results: list[tuple[int, str, int]]) -> dict[int, set[str]]:
    tokens: dict[int, set[str]] = {}
    for _, token, pid in results:
        tokens.setdefault(pid, set()).add(token)
    return tokens


# --- the contract -----------------------------------------------------------------------------------------


def test_setup_runs_once_per_worker_and_results_keep_their_order(shared: RayExecutor) -> None:
    with shared.pool(token_setup, double_with_origin) as pool:
        first = pool.map(list(range(6)), group_size=1)
        second = pool.map([10, 11])
    assert [value for value, _, _ in first] == [0, 2, 4, 6, 8, 10]
    assert [value for value, _, _ in second] == [20, 22]
    tokens = _tokens_by_pid(first + second)
    assert 1 <= len(tokens) <= 2
    assert all(len(t) == 1 for t in tokens.values()), "one setup per worker, kept between maps"
    assert shared.workers == 2 and not shared.in_process
    again = shared.map_with_setup(token_setup, double_with_origin, [1, 2])
    assert {pid for _, _, pid in again} <= set(tokens), "a later pool reuses the warm workers"
    assert not {token for _, token, _ in again} & set().union(*tokens.values()), "with a new setup"


def test_a_data_error_fails_the_whole_call_with_the_original_error(ray_local: ModuleType) -> None:
    with ray_executor() as executor:
        with pytest.raises(ValueError, match=r"^item must be >= 0, got -3$"):
            executor.map_with_setup(token_setup, double_with_origin, [1, 2, -3, 4], group_size=1)
        again = executor.map_with_setup(token_setup, double_with_origin, [4])
        assert [value for value, _, _ in again] == [8], "the executor is usable after a failed call"


def test_a_worker_that_dies_is_restarted_and_its_group_retried(ray_local: ModuleType, tmp_path: Path) -> None:
    with ray_executor(max_retries=2) as executor:
        values = executor.map_with_setup(MarkerSetup(str(tmp_path)), die_once, [0, 1, 2], group_size=1)
    assert [value for value, _ in values] == [0, 2, 4]
    dead_pid = int((tmp_path / "died").read_text())
    assert values[1][1] != dead_pid, "item 1 ran again in a new worker process"


def test_without_retries_a_lost_worker_fails_the_call(ray_local: ModuleType, tmp_path: Path) -> None:
    with ray_executor(max_retries=0) as executor, pytest.raises(WorkerLostError, match="max_retries=0"):
        executor.map_with_setup(MarkerSetup(str(tmp_path)), die_once, [1], group_size=1)


# --- same inputs, same results --------------------------------------------------------------------------


def test_seeds_and_decoder_grid_on_ray_match_the_local_executor(shared: RayExecutor, tmp_path: Path) -> None:
    local = train_toy(tmp_path / "local", LocalExecutor())
    before = len(shared.placements)
    remote = train_toy(tmp_path / "ray", shared)
    assert len(shared.placements) - before == 2, "one group per seed"
    assert_same_training(local, remote)
    on_local = local.evaluate_decoder(**GRID_KWARGS)
    assert_same_decoder_results(on_local, local.evaluate_decoder(executor=shared, **GRID_KWARGS))


def test_encoder_and_pre_prune_shards_on_ray_match_the_local_executor(
    shared: RayExecutor, tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(tmp_path / "toy", max_steps=60)
    trainer.train()
    local = trainer.evaluate_encoder(return_df=True, use_cache=False, executor=LocalExecutor())
    before = len(shared.placements)
    remote = trainer.evaluate_encoder(return_df=True, use_cache=False, executor=shared)
    assert len(shared.placements) - before == 2, "one shard of rows per worker"
    assert remote["encoder_df"]["encoded"].tolist() == pytest.approx(
        local["encoder_df"]["encoded"].tolist(), abs=1e-5
    )
    assert remote["correlation"] == pytest.approx(local["correlation"], abs=1e-6)

    config = PrePruneConfig(n_samples=8, topk=0.05, batch_size=4)
    kept_local = make_toy_trainer(tmp_path / "l").pre_prune(config, executor=LocalExecutor())
    before = len(shared.placements)
    kept_remote = make_toy_trainer(tmp_path / "r").pre_prune(config, executor=shared)
    assert len(shared.placements) - before == 2, "one shard of sample batches per worker"
    assert kept_remote == kept_local and kept_local.size < ToyTrainer().param_map.size


def test_a_failed_seed_fails_once_keeps_finished_seeds_and_resumes_locally(
    shared: RayExecutor, tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(
        tmp_path, max_seeds=3, min_convergent_seeds=3, max_steps=40, saved_seed_runs="all_tried"
    )
    trainer = make_toy_trainer(args=args)
    with pytest.raises(ValueError, match=r"^bad rows for seed 2 \(raised on purpose\)$"):
        trainer.train(executor=shared, callbacks=[FailSeed(2)])
    seeds_dir = tmp_path / "seeds"
    finished = sorted(p.name for p in seeds_dir.iterdir() if (p / "training_args.json").is_file())
    assert finished == ["seed_0", "seed_1"], "the first wave finished and stays on disk"
    stamps = {name: (seeds_dir / name / "training_args.json").stat().st_mtime_ns for name in finished}
    resumed = make_toy_trainer(args=args)
    resumed.train(executor="local")
    assert [s["seed"] for s in seed_report(tmp_path)["runs"]] == [0, 1, 2]
    for name, stamp in stamps.items():
        assert (seeds_dir / name / "training_args.json").stat().st_mtime_ns == stamp, f"{name} was reused"
