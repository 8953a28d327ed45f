"""Resumable step checkpoints (``save_strategy="steps"`` every ``save_steps``, or ``"epoch"``).

A step checkpoint holds everything the loop needs to continue exactly where it stopped: the GRADIEND
weights, the optimizer state, the best weights so far, the step, the epoch and the statistics. It lives
in ``<output_dir>_checkpoints/checkpoint-<step>`` (written atomically). A rerun of the same run (same
identity and seed) continues from the latest one, so a run killed mid-training and rerun saves the same
bytes as an uninterrupted run. With ``save_only_best=True`` (the default) the step checkpoints are
deleted once the final model is saved; with ``False`` they stay.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import torch

from gradiend.arguments import TrainingArguments
from gradiend.run_identity import RunIdentityError, identity_differences, mismatch_message
from gradiend.training.state import Evaluation, TrainingState
from gradiend.utils.atomic import atomic_directory, atomic_write_json

logger = logging.getLogger(__name__)

_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")
STATE_FILE = "trainer_state.json"
TENSORS_FILE = "training_state.pt"


def checkpoints_dir(output_dir: str | Path) -> Path:
    """Where the step checkpoints of a run saving to ``output_dir`` go."""
    out = Path(output_dir)
    return out.parent / f"{out.name}_checkpoints"


def _evaluation_dict(evaluation: Evaluation) -> dict[str, Any]:
    metrics = {
        k: evaluation.metrics.get(k) for k in ("correlation", "accuracy", "n_samples", "mean_by_class")
    }
    return {**evaluation.to_dict(), "metrics": json.loads(json.dumps(metrics, default=float))}


def _evaluation(value: dict[str, Any]) -> Evaluation:
    return Evaluation(
        step=int(value["step"]),
        correlation=float(value["correlation"]),
        mean_by_class=dict(value["mean_by_class"]),
        metrics=dict(value["metrics"]),
    )


class StepCheckpointer:
    """Saves and restores the loop's state for one seed's run.

    Args:
        args: the run's arguments (``save_strategy``, ``save_steps``, ``save_only_best``,
            ``overwrite_output_dir``).
        output_dir: where the seed's final model goes.
        seed: the seed of the run.
        identity: the run identity (``RunIdentity.to_dict()``) a checkpoint must match to be resumed.
        batches_per_epoch: batches in one epoch (the ``"epoch"`` strategy saves at each boundary).
    """

    def __init__(
        self,
        args: TrainingArguments,
        output_dir: str | Path,
        seed: int,
        identity: dict[str, Any] | None,
        batches_per_epoch: int,
    ) -> None:
        self.args = args
        self.directory = checkpoints_dir(output_dir)
        self.seed = seed
        self.identity = identity
        self.batches_per_epoch = max(1, batches_per_epoch)

    def due(self, state: TrainingState) -> bool:
        """Whether a checkpoint is saved after this step (never after the last one)."""
        if state.step >= state.max_steps or state.should_stop:
            return False
        if self.args.save_strategy == "steps":
            return state.step % self.args.save_steps == 0
        return self.args.save_strategy == "epoch" and state.step % self.batches_per_epoch == 0

    def save(self, state: TrainingState, optimizer: torch.optim.Optimizer) -> Path:
        """Write ``checkpoint-<step>`` atomically and delete the older ones."""
        target = self.directory / f"checkpoint-{state.step}"
        gradiend = state.model_with_gradiend.gradiend
        tensors = {
            "gradiend": {k: v.detach().cpu().clone() for k, v in gradiend.state_dict().items()},
            "optimizer": optimizer.state_dict(),
            "best_state": state.best_state,
        }
        best_index = next((i for i, e in enumerate(state.evaluations) if e is state.best), None)
        meta = {
            "seed": self.seed,
            "run_identity": self.identity,
            "step": state.step,
            "epoch": state.epoch,
            "should_evaluate": state.should_evaluate,
            "losses": state.losses,
            "evaluations": [_evaluation_dict(e) for e in state.evaluations],
            "best_index": best_index,
            "norms": state.norms,
            "timings": state.timings,
        }
        with atomic_directory(target) as staging:
            torch.save(tensors, staging / TENSORS_FILE)
            atomic_write_json(staging / STATE_FILE, meta)
        for older in self._checkpoints():
            if older != target:
                shutil.rmtree(older)
        return target

    def _checkpoints(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        found = [p for p in self.directory.iterdir() if p.is_dir() and _CHECKPOINT.match(p.name)]
        return sorted(found, key=lambda p: int(p.name.split("-")[1]))

    def restore(self, state: TrainingState, optimizer: torch.optim.Optimizer) -> bool:
        """Continue from the latest checkpoint of this run; False when there is none.

        Raises:
            RunIdentityError: the checkpoint belongs to another run (without ``overwrite_output_dir``;
                with it, the checkpoints are deleted and training starts over).
        """
        checkpoints = self._checkpoints()
        if not checkpoints:
            return False
        latest = checkpoints[-1]
        meta = json.loads((latest / STATE_FILE).read_text(encoding="utf-8"))
        differences = []
        if self.identity is not None:
            differences = identity_differences(
                meta.get("run_identity"), _identity(self.identity), for_seed=True
            )
        if meta.get("seed") != self.seed:
            differences.append(f"seed (stored {meta.get('seed')}, now {self.seed})")
        if differences:
            if not self.args.overwrite_output_dir:
                raise RunIdentityError(mismatch_message(latest, differences))
            shutil.rmtree(self.directory)
            return False
        tensors = torch.load(latest / TENSORS_FILE, map_location="cpu", weights_only=True)
        gradiend = state.model_with_gradiend.gradiend
        gradiend.load_state_dict(tensors["gradiend"])
        optimizer.load_state_dict(tensors["optimizer"])
        state.best_state = tensors["best_state"]
        state.step, state.epoch = int(meta["step"]), int(meta["epoch"])
        state.should_evaluate = bool(meta["should_evaluate"])
        state.losses = [float(v) for v in meta["losses"]]
        state.evaluations = [_evaluation(e) for e in meta["evaluations"]]
        index = meta.get("best_index")
        state.best = state.evaluations[index] if index is not None else None
        state.norms = list(meta["norms"])
        state.timings = dict(meta["timings"])
        logger.warning(
            "resuming seed %d from the step checkpoint %s (step %d)", self.seed, latest, state.step
        )
        return True

    def finish(self) -> None:
        """After the final save: delete the step checkpoints unless ``save_only_best=False``."""
        if self.args.save_only_best and self.directory.is_dir():
            shutil.rmtree(self.directory)


def _identity(values: dict[str, Any]) -> Any:
    from gradiend.run_identity import RunIdentity

    return RunIdentity(
        modality=values["modality"],
        target_classes=tuple(values["target_classes"]),
        base_model=values["base_model"],
        base_model_name=values.get("base_model_name", ""),
        data=values["data"],
        arguments=dict(values["arguments"]),
        format_version=values["format_version"],
    )


__all__ = ["StepCheckpointer", "checkpoints_dir"]
