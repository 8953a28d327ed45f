"""save_strategy / save_steps / save_only_best do what they say, and bad numbers are refused up front."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from gradiend_toy import ToyTrainer
from pydantic import ValidationError
from tqdm import tqdm

from gradiend import TrainingArguments, TrainingCallback
from gradiend.model.checkpoint import load_training_stats
from gradiend.testing import quick_arguments
from gradiend.training.state import TrainingState

KILLED = 77

# Forked children must not inherit a lock held by tqdm's monitor thread: run without that thread.
tqdm.monitor_interval = 0


class StepCounter(TrainingCallback):
    """Counts the optimisation steps a run performs."""

    def __init__(self) -> None:
        self.steps = 0

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        self.steps += 1


class DieAt(TrainingCallback):
    """Ends the process without any cleanup (as SIGKILL does) after ``step``."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        if state.step == self.step:
            os._exit(KILLED)


def _train(directory: Path, callbacks: list[TrainingCallback] | None = None, **overrides: Any) -> ToyTrainer:
    values: dict[str, Any] = {"max_steps": 30, "eval_steps": 5}
    values.update(overrides)
    trainer = ToyTrainer(target_classes=["a", "b"], args=quick_arguments(directory, **values))
    trainer.train(callbacks=callbacks)
    return trainer


def _weights(directory: Path) -> bytes:
    return (directory / "model" / "model.safetensors").read_bytes()


def test_step_checkpoints_resume_a_killed_run_to_the_same_bytes(tmp_path: Path) -> None:
    _train(tmp_path / "best")
    steps = {"save_strategy": "steps", "save_steps": 10}
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child never returns
        try:
            _train(tmp_path / "killed", callbacks=[DieAt(25)], **steps)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == KILLED
    assert [p.name for p in (tmp_path / "killed" / "model_checkpoints").iterdir()] == ["checkpoint-20"]
    counter = StepCounter()
    _train(tmp_path / "killed", callbacks=[counter], **steps)
    assert counter.steps == 10, "the rerun continues from step 20"
    assert _weights(tmp_path / "killed") == _weights(tmp_path / "best"), "checkpointing changes nothing"
    assert not (tmp_path / "killed" / "model_checkpoints").exists(), "save_only_best deletes them after"
    stats = load_training_stats(tmp_path / "killed" / "model")
    assert stats is not None and len(stats["losses"]) == 30


def test_save_only_best_false_keeps_the_latest_step_and_epoch_checkpoints(tmp_path: Path) -> None:
    _train(tmp_path / "steps", save_strategy="steps", save_steps=10, save_only_best=False)
    assert [p.name for p in (tmp_path / "steps" / "model_checkpoints").iterdir()] == ["checkpoint-20"]
    trainer = _train(tmp_path / "epoch", save_strategy="epoch", save_only_best=False, max_steps=-1)
    stats = load_training_stats(trainer.model_path)
    assert stats is not None
    per_epoch = stats["steps"] // trainer.args.num_train_epochs
    saved = [p.name for p in (tmp_path / "epoch" / "model_checkpoints").iterdir()]
    assert saved == [f"checkpoint-{per_epoch * (trainer.args.num_train_epochs - 1)}"]


def test_save_strategy_no_saves_the_last_step_not_the_best(tmp_path: Path) -> None:
    best = _train(tmp_path / "best", learning_rate=5e-2)
    last = _train(tmp_path / "no", learning_rate=5e-2, save_strategy="no")
    best_stats, last_stats = load_training_stats(best.model_path), load_training_stats(last.model_path)
    assert best_stats is not None and last_stats is not None
    assert last_stats["best_step"] == 30, "the saved weights are described by the last evaluation"
    if best_stats["best_step"] != 30:
        assert _weights(tmp_path / "no") != _weights(tmp_path / "best")
    else:
        assert _weights(tmp_path / "no") == _weights(tmp_path / "best")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("learning_rate", float("inf"), "finite"),
        ("learning_rate", float("nan"), "finite"),
        ("weight_decay", float("nan"), "finite"),
        ("train_batch_size", True, "integer"),
        ("save_steps", 2.0, "integer"),
        ("decoder_eval_lrs", [0.1, 0.0], "learning rate of 0"),
        ("save_strategy", "sometimes", "best"),
    ],
)
def test_numbers_that_cannot_work_are_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as error:
        TrainingArguments(**{field: value})
    assert field in str(error.value)
