"""Executors in process: grouping, setup once per worker, errors, pickled trainers, seed waves, the grid.

The Ray executor runs the same code paths in worker processes; its tests live in tests/scale.
"""

from __future__ import annotations

import json
import pickle
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import torch
from gradiend_toy import ToyTrainer

from gradiend import TrainingArguments, hookimpl
from gradiend.executors import (
    Executor,
    LocalExecutor,
    RayExecutor,
    executor_for,
    make_executor,
    split_groups,
)
from gradiend.executors.local import LocalPool
from gradiend.run_identity import RunIdentityError
from gradiend.testing import quick_arguments
from gradiend.training.orchestration import finished_seeds


class Doubling:
    """Setup for map tests: counts how often it ran."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return 2


def times(factor: int, item: int) -> int:
    if item < 0:
        raise ValueError(f"item must be >= 0, got {item}")
    return factor * item


class RecordingPool(LocalPool[Any, Any, Any]):
    """A local pool that records the size of every batch it maps."""

    def __init__(self, setup: Any, work: Any, batches: list[int]) -> None:
        super().__init__(setup, work, None)
        self._batches = batches

    def map(self, items: Sequence[Any], *, group_size: int | None = None) -> list[Any]:
        self._batches.append(len(items))
        return super().map(items, group_size=group_size)


class InProcessWorkers(LocalExecutor):
    """Claims ``n`` workers but runs in process: grouping and waves without another process."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n
        self.batches: list[int] = []

    @property
    def workers(self) -> int:
        return self.n

    def pool(self, setup: Any, work: Any) -> RecordingPool:
        return RecordingPool(setup, work, self.batches)


class CapRows:
    """A picklable hook plugin: training data is capped at 10 rows per class."""

    @hookimpl
    def gradiend_create_training_data(self, trainer: Any, split: str, max_size: int | None) -> pd.DataFrame:
        return trainer.create_training_data(split=split, max_size=10)


# --- the contract ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "workers", "group_size", "expected"),
    [
        (5, 2, None, [[0, 1], [2, 3, 4]]),
        (2, 4, None, [[0], [1]]),
        (5, 1, 2, [[0, 1], [2, 3], [4]]),
        (0, 3, None, []),
    ],
)
def test_split_groups_covers_every_item_once_in_order(
    count: int, workers: int, group_size: int | None, expected: list[list[int]]
) -> None:
    assert split_groups(count, workers, group_size) == expected


@pytest.mark.parametrize(("workers", "group_size"), [(0, None), (2, 0)])
def test_split_groups_rejects_bad_sizes(workers: int, group_size: int | None) -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        split_groups(3, workers, group_size)


def test_local_map_runs_setup_once_and_keeps_order() -> None:
    setup = Doubling()
    executor = LocalExecutor()
    with executor.pool(setup, times) as pool:
        assert pool.map([3, 1, 2], group_size=1) == [6, 2, 4]
        assert pool.map([5]) == [10]
        assert len(pool.placements) == 4
        assert len(pool.nodes) == 1
    assert setup.calls == 1, "setup runs once per worker, not per item or per map"
    assert [p.items for p in executor.placements] == [(0,), (1,), (2,), (0,)]
    assert executor.map_with_setup(Doubling(), times, []) == []


def test_an_error_in_the_work_is_raised_as_is() -> None:
    with pytest.raises(ValueError, match="item must be >= 0, got -1"):
        LocalExecutor().map_with_setup(Doubling(), times, [1, -1, 2])


def test_executor_selection_by_name_arguments_or_instance() -> None:
    assert isinstance(executor_for(TrainingArguments()), LocalExecutor)
    ray_executor = executor_for(TrainingArguments(executor="ray", ray_address="auto"))
    assert isinstance(ray_executor, RayExecutor) and ray_executor.address == "auto"
    own = InProcessWorkers(3)
    assert executor_for(TrainingArguments(executor="ray"), own) is own
    assert isinstance(executor_for(TrainingArguments(executor="ray"), "local"), LocalExecutor)
    with pytest.raises(ValueError, match=r"executor must be one of \['local', 'ray'\], got 'dask'"):
        make_executor("dask")
    with pytest.raises(TypeError, match="executor must be an Executor"):
        executor_for(TrainingArguments(), 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_workers must be >= 1"):
        RayExecutor(num_workers=0)


def test_an_executor_is_abstract() -> None:
    with pytest.raises(TypeError):
        Executor()  # type: ignore[abstract]


# --- trainers travel to workers pickled ---------------------------------------------------------------


def test_a_pickled_trainer_encodes_identically_and_keeps_its_plugins(trained_toy: ToyTrainer) -> None:
    plain = pickle.loads(pickle.dumps(trained_toy))
    plugin = CapRows()
    trained_toy.register_plugin(plugin, name="cap")
    try:
        copy = pickle.loads(pickle.dumps(trained_toy))
        rows = copy.hook.gradiend_create_training_data(trainer=copy, split="train", max_size=None)
        capped = trained_toy.create_training_data(split="train", max_size=10)
        assert rows.equals(capped), "the registered plugin travels with the trainer"
        assert len(copy.create_training_data(split="train")) > len(rows)
    finally:
        trained_toy.unregister_plugin(plugin)
    original = trained_toy.get_encodings(split="test", use_cache=False)
    shipped = plain.get_encodings(split="test", use_cache=False)
    assert shipped["encoded"].tolist() == pytest.approx(original["encoded"].tolist(), abs=1e-6)
    torch.testing.assert_close(
        plain.get_model().gradiend.state_dict(), trained_toy.get_model().gradiend.state_dict()
    )


# --- seeds in waves -----------------------------------------------------------------------------------


def _report(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "seeds" / "seed_report.json").read_text())


def test_waves_of_two_workers_train_the_seeds_of_the_sequential_run(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(tmp_path / "x", max_seeds=3, min_convergent_seeds=3, max_steps=60, seed=2)
    sequential = make_toy_trainer(args=args.with_overrides(experiment_dir=str(tmp_path / "a")))
    sequential.train()
    two = InProcessWorkers(2)
    parallel = make_toy_trainer(args=args.with_overrides(experiment_dir=str(tmp_path / "b")))
    parallel.train(executor=two)
    assert two.batches == [2, 1], "waves of min(workers, seeds still needed)"
    first, second = _report(tmp_path / "a"), _report(tmp_path / "b")
    assert [s["seed"] for s in second["runs"]] == [s["seed"] for s in first["runs"]] == [2, 3, 4]
    assert second["best_seed"] == first["best_seed"]
    for a, b in zip(first["runs"], second["runs"], strict=True):
        assert b["selection_score"] == pytest.approx(a["selection_score"], abs=1e-6)


def test_a_wave_never_trains_more_seeds_than_still_needed(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(tmp_path, max_seeds=4, min_convergent_seeds=1, max_steps=60)
    three = InProcessWorkers(3)
    make_toy_trainer(args=args).train(executor=three)
    assert three.batches == [1], "one convergent seed is needed, so one seed is trained"
    assert [s["seed"] for s in _report(tmp_path)["runs"]] == [0]


def test_finished_seeds_are_reused_whichever_executor_wrote_them(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(
        tmp_path, max_seeds=2, min_convergent_seeds=2, max_steps=40, saved_seed_runs="all_tried"
    )
    trainer = make_toy_trainer(args=args)
    trainer.train()
    pair = ("a", "b")
    on_ray = args.with_overrides(executor="ray", ray_address="auto")
    trainer.training_args = on_ray
    assert sorted(finished_seeds(tmp_path / "seeds", on_ray, pair, trainer.run_identity())) == [0, 1]
    trainer.training_args = args.with_overrides(learning_rate=1e-2)
    with pytest.raises(RunIdentityError, match="learning_rate"):
        finished_seeds(tmp_path / "seeds", trainer.args, pair, trainer.run_identity())
    shutil.rmtree(tmp_path / "seeds" / "seed_1")
    shutil.rmtree(tmp_path / "model")
    two = InProcessWorkers(2)
    make_toy_trainer(args=args).train(executor=two)
    assert two.batches == [1], "only the missing seed is trained"


# --- the decoder grid in groups ------------------------------------------------------------------------


def test_grid_groups_give_the_grid_of_one_group(trained_toy: ToyTrainer) -> None:
    kwargs: dict[str, Any] = {
        "lrs": [1e-1, 1e-2, 1e-3],
        "feature_factors": [-1.0, 1.0],
        "use_cache": False,
        "decoder_search": "grid",  # the exhaustive grid, split in groups or not
    }
    weights = [p.detach().clone() for p in trained_toy.base_model.parameters()]
    one = trained_toy.evaluate_decoder(**kwargs)
    three = InProcessWorkers(3)
    grouped = trained_toy.evaluate_decoder(executor=three, **kwargs)
    assert three.batches == [3], "base + 6 points in 3 groups"
    assert pd.DataFrame(grouped["grid"]).equals(pd.DataFrame(one["grid"]))
    for name in ("a", "b"):
        assert grouped[name]["id"] == one[name]["id"]
    for before, after in zip(weights, trained_toy.base_model.parameters(), strict=True):
        assert torch.equal(before, after), "every group restores the base model"
