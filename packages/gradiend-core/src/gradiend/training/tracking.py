"""Experiment tracking callbacks named as in transformers: ``report_to=["tensorboard", "mlflow"]``.

Each seed of a run is one tracked run (named ``seed_<n>``). Both trackers log the arguments when
training begins, the training loss every ``logging_steps`` steps (tag ``train/loss``), the encoder's
correlation and mean encoding per class at every evaluation (``eval/correlation``,
``eval/mean_<class>``), and the final statistics of the saved model (``final/best_correlation``,
``final/best_step``, ``final/final_loss``, ``final/steps``, ``final/total_time``) once it is saved.

The run root is ``experiment_dir``, or ``<output_dir>_tracking`` beside the model when there is none.

- ``"tensorboard"`` writes event files under ``logging_dir`` (default ``<run root>/runs``), one
  sub-directory per seed. Needs ``pip install "gradiend-core[tensorboard]"``.
- ``"mlflow"`` logs to the tracking URI in ``MLFLOW_TRACKING_URI`` when set, else to a local store, the
  SQLite file ``<run root>/mlflow.db`` (MLflow's own local default: its older ``./mlruns`` file store is
  in maintenance mode and refused by MLflow 3 unless ``MLFLOW_ALLOW_FILE_STORE=true``), in the
  experiment ``MLFLOW_EXPERIMENT_NAME`` (default ``"gradiend"``). Needs
  ``pip install "gradiend-core[mlflow]"`` (mlflow-skinny with SQLAlchemy and Alembic).
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gradiend.arguments import TrainingArguments
from gradiend.model.checkpoint import load_training_stats
from gradiend.training.callbacks import TrainingCallback
from gradiend.training.state import Evaluation, TrainingState

TRACKERS: dict[str, tuple[str, str]] = {
    "tensorboard": ("tensorboard", "tensorboard"),
    "mlflow": ("mlflow", "mlflow"),
}
"""report_to name -> (module that must be importable, extra of gradiend-core that installs it)."""

FINAL_METRICS: tuple[str, ...] = ("best_correlation", "best_step", "final_loss", "steps", "total_time")
"""Numbers of training.json logged as ``final/<name>`` when the model is saved."""

DEFAULT_MLFLOW_EXPERIMENT = "gradiend"
MLFLOW_DB_FILE = "mlflow.db"


def check_trackers(report_to: Sequence[str] | None) -> None:
    """Raise ImportError naming the extra to install when a tracker's package is missing."""
    for name in report_to or []:
        if name not in TRACKERS:
            raise ValueError(f"report_to holds {name!r}; valid: {sorted(TRACKERS)} or 'none'")
        module, extra = TRACKERS[name]
        if importlib.util.find_spec(module) is None:
            raise ImportError(
                f"report_to={name!r} needs the {module!r} package, which is not installed: "
                f'pip install "gradiend-core[{extra}]"'
            )


def run_root(args: TrainingArguments, output_dir: str | Path) -> Path:
    """Where trackers write: ``experiment_dir``, else ``<output_dir>_tracking`` beside the model.

    Never inside the model directory itself, which is replaced as a whole when the model is saved.
    """
    if args.experiment_dir:
        return Path(args.experiment_dir)
    out = Path(output_dir)
    return out.parent / f"{out.name}_tracking"


def final_metrics(stats: dict[str, Any]) -> dict[str, float]:
    """The numeric :data:`FINAL_METRICS` of a training.json dict (missing or ``None`` ones left out)."""
    return {
        f"final/{name}": float(stats[name])
        for name in FINAL_METRICS
        if isinstance(stats.get(name), (int, float)) and not isinstance(stats.get(name), bool)
    }


def evaluation_metrics(evaluation: Evaluation) -> dict[str, float]:
    """``eval/correlation`` and ``eval/mean_<class>`` of one evaluation."""
    values = {"eval/correlation": evaluation.correlation}
    values.update({f"eval/mean_{name}": mean for name, mean in evaluation.mean_by_class.items()})
    return values


def flat_arguments(arguments: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Arguments as ``{"pre_prune_config.topk": "0.01", ...}`` (nested dicts joined with dots)."""
    flat: dict[str, str] = {}
    for key, value in arguments.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flat_arguments(value, f"{name}."))
        else:
            flat[name] = json.dumps(value) if isinstance(value, (list, dict)) else str(value)
    return flat


class TensorBoardCallback(TrainingCallback):
    """Writes the run's arguments, losses, evaluations and final statistics as TensorBoard events.

    Args:
        log_dir: the directory of this run's event files.
    """

    def __init__(self, log_dir: str | Path) -> None:
        check_trackers(["tensorboard"])
        self.log_dir = Path(log_dir)
        self._writer: Any = None

    def on_train_begin(self, state: TrainingState) -> None:
        """Open the event writer and log the arguments as text."""
        from torch.utils.tensorboard import SummaryWriter

        self.close()
        self._writer = SummaryWriter(log_dir=str(self.log_dir))
        self._writer.add_text("arguments", f"```json\n{state.args.to_json()}\n```", 0)

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        """Log ``train/loss`` every ``logging_steps`` steps."""
        if self._writer is not None and state.step % state.args.logging_steps == 0:
            self._writer.add_scalar("train/loss", loss, state.step)

    def on_evaluate(self, state: TrainingState, evaluation: Evaluation) -> None:
        """Log the correlation and the class means of an evaluation."""
        if self._writer is None:
            return
        for tag, value in evaluation_metrics(evaluation).items():
            self._writer.add_scalar(tag, value, evaluation.step)

    def on_save(self, state: TrainingState, path: str) -> None:
        """Log the final statistics of the saved model, then close the writer."""
        if self._writer is None:
            return
        for tag, value in final_metrics(load_training_stats(path) or {}).items():
            self._writer.add_scalar(tag, value, state.step)
        self.close()

    def close(self) -> None:
        """Flush and close the event writer (if open)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None


class MLflowCallback(TrainingCallback):
    """Logs the run to MLflow through its client API (no global active run is touched).

    Args:
        tracking_uri: where runs go (see :func:`default_mlflow_uri`).
        run_name: the MLflow run name (``seed_<n>``).
        experiment_name: the MLflow experiment (default ``MLFLOW_EXPERIMENT_NAME`` or ``"gradiend"``).
    """

    def __init__(self, tracking_uri: str, run_name: str, experiment_name: str | None = None) -> None:
        check_trackers(["mlflow"])
        self.tracking_uri = tracking_uri
        self.run_name = run_name
        self.experiment_name = experiment_name or os.environ.get(
            "MLFLOW_EXPERIMENT_NAME", DEFAULT_MLFLOW_EXPERIMENT
        )
        self.run_id: str | None = None
        self._client: Any = None
        self._pending: list[Any] = []

    def on_train_begin(self, state: TrainingState) -> None:
        """Create the run and log the arguments as parameters."""
        from mlflow.entities import Param
        from mlflow.tracking import MlflowClient

        self._client = MlflowClient(tracking_uri=self.tracking_uri)
        experiment = self._client.get_experiment_by_name(self.experiment_name)
        experiment_id = (
            experiment.experiment_id
            if experiment is not None
            else self._client.create_experiment(self.experiment_name)
        )
        run = self._client.create_run(experiment_id, run_name=self.run_name)
        self.run_id = run.info.run_id
        params = [Param(k, v[:6000]) for k, v in flat_arguments(state.args.to_dict()).items()]
        for start in range(0, len(params), 100):
            self._client.log_batch(self.run_id, params=params[start : start + 100])

    def _add(self, values: dict[str, float], step: int) -> None:
        from mlflow.entities import Metric

        timestamp = _now_ms()
        self._pending.extend(Metric(key, float(value), timestamp, step) for key, value in values.items())
        if len(self._pending) >= 500:
            self._flush()

    def _flush(self) -> None:
        if self._client is not None and self.run_id is not None and self._pending:
            self._client.log_batch(self.run_id, metrics=self._pending)
        self._pending = []

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        """Queue ``train/loss`` every ``logging_steps`` steps (sent in batches)."""
        if self.run_id is not None and state.step % state.args.logging_steps == 0:
            self._add({"train/loss": loss}, state.step)

    def on_evaluate(self, state: TrainingState, evaluation: Evaluation) -> None:
        """Log the correlation and the class means of an evaluation (and the queued losses)."""
        if self.run_id is not None:
            self._add(evaluation_metrics(evaluation), evaluation.step)
            self._flush()

    def on_save(self, state: TrainingState, path: str) -> None:
        """Log the final statistics of the saved model and end the run."""
        if self.run_id is None:
            return
        self._add(final_metrics(load_training_stats(path) or {}), state.step)
        self._flush()
        self._client.set_terminated(self.run_id, status="FINISHED")
        self.run_id = None


def _now_ms() -> int:
    return int(time.time() * 1000)


def default_mlflow_uri(args: TrainingArguments, output_dir: str | Path) -> str:
    """``MLFLOW_TRACKING_URI`` when set, else the local SQLite store ``sqlite:///<run root>/mlflow.db``."""
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    root = run_root(args, output_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{root / MLFLOW_DB_FILE}"


def tracking_callbacks(args: TrainingArguments, output_dir: str | Path, seed: int) -> list[TrainingCallback]:
    """The callbacks ``args.report_to`` asks for, for the run of ``seed`` saved at ``output_dir``."""
    names = args.report_to or []
    check_trackers(names)
    callbacks: list[TrainingCallback] = []
    run_name = f"seed_{seed}"
    if "tensorboard" in names:
        log_dir = Path(args.logging_dir) if args.logging_dir else run_root(args, output_dir) / "runs"
        callbacks.append(TensorBoardCallback(log_dir / run_name))
    if "mlflow" in names:
        callbacks.append(MLflowCallback(default_mlflow_uri(args, output_dir), run_name))
    return callbacks


__all__ = [
    "FINAL_METRICS",
    "TRACKERS",
    "MLflowCallback",
    "TensorBoardCallback",
    "check_trackers",
    "default_mlflow_uri",
    "evaluation_metrics",
    "final_metrics",
    "flat_arguments",
    "run_root",
    "tracking_callbacks",
]
