"""Fault injection: killed writers, damaged files, a concurrent writer, changed inputs, escaping paths.

Each probe ends in a clear error or a correct result, and no file that existed before is lost. A kill
is simulated faithfully: a forked child trains with ``os.rename``/``os.replace`` patched to end the
process with ``os._exit`` (no ``finally``, no cleanup: what SIGKILL does) at the N-th call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from gradiend_toy import ToyTrainer
from tqdm import tqdm

from gradiend import TrainingCallback
from gradiend.model.checkpoint import CheckpointError
from gradiend.run_identity import RunIdentityError
from gradiend.testing import quick_arguments
from gradiend.training.state import TrainingState
from gradiend.utils.run_lock import LOCK_FILE, RunLockedError
from gradiend.utils.safe_paths import REWRITE_MARKER

KILLED = 77

# Forked children must not inherit a lock held by tqdm's monitor thread: run without that thread.
tqdm.monitor_interval = 0


class CountRuns(TrainingCallback):
    """Counts seed trainings."""

    def __init__(self) -> None:
        self.runs = 0

    def on_train_begin(self, state: TrainingState) -> None:
        self.runs += 1


def _args(directory: Path, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "max_seeds": 2, "min_convergent_seeds": 2, "max_steps": 30, "eval_steps": 15,
        "saved_seed_runs": "all_tried",
    }  # fmt: skip
    values.update(overrides)
    return quick_arguments(directory, **values)


def _train(directory: Path, callbacks: list[TrainingCallback] | None = None, **overrides: Any) -> ToyTrainer:
    trainer = ToyTrainer(target_classes=["a", "b"], args=_args(directory, **overrides))
    trainer.train(callbacks=callbacks)
    return trainer


def _killed_run(directory: Path, call: int) -> bool:
    """Train in a forked child that dies at its ``call``-th rename/replace; True when it died there."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        code = 0
        try:
            count = 0
            originals = {name: getattr(os, name) for name in ("rename", "replace")}

            def patched(name: str) -> Any:
                def step(*args: Any, **kwargs: Any) -> Any:
                    nonlocal count
                    count += 1
                    if count == call:
                        os._exit(KILLED)
                    return originals[name](*args, **kwargs)

                return step

            for name in originals:
                setattr(os, name, patched(name))
            _train(directory)
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, KILLED), f"the child failed (exit {code}) before the kill point {call}"
    return code == KILLED


def _files(root: Path) -> dict[str, bytes]:
    """Bytes of every weight and config file of the run (paths relative to root)."""
    wanted = {"model.safetensors", "config.json"}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.name in wanted}


def _leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob(".*") if p.name != "base_model_identity.json")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """An uninterrupted run (``final``) and its state before the second run (``before``: seed_1 gone)."""
    root = tmp_path_factory.mktemp("reference")
    _train(root / "final")
    before = root / "before"
    shutil.copytree(root / "final", before)
    shutil.rmtree(before / "seeds" / "seed_1")
    _train(root / "final")  # the second run: trains seed_1 again and swaps model/
    yield before, root / "final"


def test_a_run_killed_at_any_write_and_rerun_gives_the_same_bytes(
    reference: tuple[Path, Path], tmp_path: Path
) -> None:
    before, final = reference
    expected = _files(final)
    call = 1
    while True:
        directory = tmp_path / f"kill-{call}"
        shutil.copytree(before, directory)
        if not _killed_run(directory, call):
            break  # the run ended before this call: every write step was a kill point
        _train(directory)
        assert _files(directory) == expected, f"killed at write step {call}: the rerun differs"
        assert _leftovers(directory) == [], f"killed at write step {call}: left-overs remain"
        shutil.rmtree(directory)
        call += 1
    assert call > 6, "the second run writes seed files, swaps model/ and writes the report"


def test_a_kill_between_the_two_renames_of_the_swap_keeps_the_model(
    reference: tuple[Path, Path], tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    before, _ = reference
    directory = tmp_path / "run"
    shutil.copytree(before, directory)
    renames = [0]
    original = os.rename

    def counting(*args: Any, **kwargs: Any) -> None:
        renames[0] += 1
        original(*args, **kwargs)

    # Count the renames of a full second run, then kill at the last-but-one (model/ moved to backup).
    probe = tmp_path / "probe"
    shutil.copytree(before, probe)
    os.rename = counting  # type: ignore[assignment]
    try:
        _train(probe)
    finally:
        os.rename = original
    pid = os.fork()
    if pid == 0:  # pragma: no cover
        count = 0

        def kill_before_last(*args: Any, **kwargs: Any) -> None:
            nonlocal count
            count += 1
            if count == renames[0]:
                os._exit(KILLED)
            original(*args, **kwargs)

        os.rename = kill_before_last  # type: ignore[assignment]
        try:
            _train(directory)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == KILLED
    assert not (directory / "model").exists(), "the kill fell between the two renames"
    assert [p.name for p in directory.glob(".model.old-*")], "only the backup is left"
    reopened = make_toy_trainer(args=_args(directory))
    assert reopened.get_model().param_map.size > 0, "re-opening restores the model from the backup"
    assert (directory / "model").is_dir() and not list(directory.glob(".model.old-*"))


def test_a_damaged_seed_is_retrained_not_promoted(reference: tuple[Path, Path], tmp_path: Path) -> None:
    _, final = reference
    directory = tmp_path / "run"
    shutil.copytree(final, directory)
    expected = _files(final)
    weights = directory / "seeds" / "seed_1" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0x55  # same length: only the recorded digest can tell
    weights.write_bytes(bytes(data))
    counter = CountRuns()
    _train(directory, callbacks=[counter])
    assert counter.runs == 1, "the damaged seed is trained again, the intact one reused"
    assert _files(directory) == expected
    truncated = directory / "seeds" / "seed_0" / "model.safetensors"
    truncated.write_bytes(truncated.read_bytes()[:100])
    counter = CountRuns()
    _train(directory, callbacks=[counter])
    assert counter.runs == 1 and _files(directory) == expected


def test_a_finished_run_reopens_without_training(
    reference: tuple[Path, Path], make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    _, final = reference
    before = _files(final)
    trainer = make_toy_trainer(args=_args(final))
    model = trainer.get_model()
    assert trainer.model_path == str(final / "model")
    assert abs(trainer.evaluate_encoder(split="test")["correlation"]) > 0.5
    assert model is trainer.get_model() and _files(final) == before, "loaded, nothing trained or written"
    swapped = make_toy_trainer(args=_args(final), target_classes=["b", "a"])
    with pytest.raises(RunIdentityError, match="target_classes"):
        swapped.get_model()


def test_changed_pair_order_or_data_is_refused_and_overwrite_replaces(
    reference: tuple[Path, Path], tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    _, final = reference
    directory = tmp_path / "run"
    shutil.copytree(final, directory)
    before = _files(directory)
    with pytest.raises(RunIdentityError, match="target_classes") as error:
        ToyTrainer(target_classes=["b", "a"], args=_args(directory)).train()
    assert "overwrite_output_dir=True" in str(error.value)
    from gradiend_toy import make_toy_data

    other = make_toy_trainer(args=_args(directory), data=make_toy_data(seed=7))
    with pytest.raises(RunIdentityError, match="data"):
        other.train()
    assert _files(directory) == before, "a refused run changes nothing"
    other.training_args = _args(directory, overwrite_output_dir=True, max_seeds=1, min_convergent_seeds=1)
    other.train()
    assert (
        json.loads((directory / "model" / "config.json").read_text())["metadata"]["run_identity"]["data"]
        == other.run_identity().data
    )


def test_a_second_writer_fails_at_once_and_a_stale_lock_is_taken_over(tmp_path: Path) -> None:
    directory = tmp_path / "run"
    directory.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = {"pid": sleeper.pid, "host": os.uname().nodename, "since": 0}
        (directory / LOCK_FILE).write_text(json.dumps(lock))
        with pytest.raises(RunLockedError, match=f"pid {sleeper.pid}"):
            _train(directory, max_seeds=1, min_convergent_seeds=1)
        assert not (directory / "model").exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    _train(directory, max_seeds=1, min_convergent_seeds=1)  # the dead owner's lock is taken over
    assert (directory / "model" / "model.safetensors").is_file()
    assert not (directory / LOCK_FILE).exists(), "the lock is released after the run"


def test_run_id_cannot_escape_the_experiment_dir(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    for bad in ("../outside", "/etc/gradiend", "a/../../b"):
        with pytest.raises(ValueError, match="run_id"):
            ToyTrainer(target_classes=["a", "b"], args=_args(tmp_path), run_id=bad)
    assert make_toy_trainer(args=_args(tmp_path), run_id="runs/one").experiment_dir


def test_rewrite_refuses_a_folder_that_is_not_a_rewrite(
    reference: tuple[Path, Path], make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    _, final = reference
    trainer = make_toy_trainer(args=_args(final, decoder_eval_lrs=[0.1]))
    before = sorted(p.name for p in final.iterdir())
    with pytest.raises(FileExistsError, match="not written by rewrite_base_model"):
        trainer.rewrite_base_model(output_dir=str(final))
    assert sorted(p.name for p in final.iterdir()) == before, "the experiment directory is untouched"
    target = final / "rewrites" / "a"
    assert trainer.rewrite_base_model(output_dir=str(target)) == str(target)
    assert (target / REWRITE_MARKER).is_file()
    assert trainer.rewrite_base_model(output_dir=str(target)) == str(target), "its own output is replaced"


def test_a_checkpoint_with_nan_weights_or_a_corrupt_config_is_named(
    reference: tuple[Path, Path], tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    _, final = reference
    trainer = make_toy_trainer(args=_args(tmp_path / "other"))
    broken = tmp_path / "nan"
    model = trainer.load_model(str(final / "model"))
    with torch.no_grad():
        model.gradiend.encoder.weight[0, 0] = float("nan")
    model.save_pretrained(broken)
    with pytest.raises(CheckpointError, match="NaN or infinite"):
        trainer.load_model(str(broken))
    corrupt = tmp_path / "corrupt"
    shutil.copytree(final, corrupt)
    (corrupt / "model" / "config.json").write_text('{"format": "gradi')
    with pytest.raises(CheckpointError, match=r"config\.json is not valid JSON"):
        make_toy_trainer(args=_args(corrupt)).train()


def test_a_corrupt_seed_report_is_named(
    reference: tuple[Path, Path], tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    _, final = reference
    directory = tmp_path / "run"
    shutil.copytree(final, directory)
    (directory / "seeds" / "seed_report.json").write_text('{"seeds": [')
    trainer = make_toy_trainer(args=_args(directory))
    with pytest.raises(CheckpointError, match=r"seed_report\.json is not valid JSON"):
        trainer.plot_seed_convergence(output=str(tmp_path / "seeds.png"))
