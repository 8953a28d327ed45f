"""report_to: TensorBoard events and MLflow runs hold the run's own losses, correlations and final metrics."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from gradiend_toy import ToyTrainer, make_toy_data
from mlflow.tracking import MlflowClient
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from gradiend.testing import quick_arguments
from gradiend.training.tracking import check_trackers


@pytest.fixture(scope="module")
def tracked_run(
    tmp_path_factory: pytest.TempPathFactory, make_toy_trainer: Callable[..., ToyTrainer]
) -> tuple[Path, dict]:
    """A 60-step toy run reporting to both trackers; returns its experiment directory and training.json."""
    root = tmp_path_factory.mktemp("tracked")
    args = quick_arguments(root, max_steps=60, eval_steps=20, report_to=["tensorboard", "mlflow"])
    trainer = make_toy_trainer(args=args, data=make_toy_data(n_per_class=60))
    trainer.train()
    stats = trainer.get_training_stats()
    assert stats is not None
    return root, stats


def test_tensorboard_events_hold_the_training_statistics(tracked_run: tuple[Path, dict]) -> None:
    root, stats = tracked_run
    events = EventAccumulator(str(root / "runs" / "seed_0"), size_guidance={"scalars": 0, "tensors": 0})
    events.Reload()
    losses = events.Scalars("train/loss")
    assert [e.step for e in losses] == list(range(1, 61))
    assert [e.value for e in losses] == pytest.approx(stats["losses"], rel=1e-6)  # events store float32
    correlations = events.Scalars("eval/correlation")
    assert [e.step for e in correlations] == [e["step"] for e in stats["evaluations"]] == [0, 20, 40, 60]
    assert [e.value for e in correlations] == pytest.approx(
        [e["correlation"] for e in stats["evaluations"]], rel=1e-6
    )
    for name in ("a", "b"):
        means = [e.value for e in events.Scalars(f"eval/mean_{name}")]
        assert means == pytest.approx([e["mean_by_class"][name] for e in stats["evaluations"]], rel=1e-6)
    final = events.Scalars("final/best_correlation")
    assert [e.value for e in final] == pytest.approx([stats["best_correlation"]], rel=1e-6)
    assert abs(final[0].value) >= 0.9, "the tracked run learned the feature"
    text = events.Tensors("arguments/text_summary")[0].tensor_proto.string_val[0].decode()
    assert json.loads(text.strip("`").removeprefix("json\n"))["max_steps"] == 60


def test_mlflow_file_store_holds_the_training_statistics(tracked_run: tuple[Path, dict]) -> None:
    root, stats = tracked_run
    client = MlflowClient(tracking_uri=f"sqlite:///{root / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("gradiend")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "seed_0" and run.info.status == "FINISHED"
    assert run.data.params["learning_rate"] == "0.001" and run.data.params["max_steps"] == "60"
    history = sorted(client.get_metric_history(run.info.run_id, "train/loss"), key=lambda m: m.step)
    assert [m.step for m in history] == list(range(1, 61))
    assert [m.value for m in history] == stats["losses"]
    correlations = sorted(
        client.get_metric_history(run.info.run_id, "eval/correlation"), key=lambda m: m.step
    )
    assert [(m.step, m.value) for m in correlations] == [
        (e["step"], e["correlation"]) for e in stats["evaluations"]
    ]
    assert run.data.metrics["eval/mean_a"] == stats["evaluations"][-1]["mean_by_class"]["a"]
    assert run.data.metrics["final/best_correlation"] == stats["best_correlation"]
    assert run.data.metrics["final/best_step"] == stats["best_step"]


def test_mlflow_uses_the_tracking_uri_the_user_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    store = (tmp_path / "elsewhere").as_uri()  # MLflow's file store, which MLflow 3 needs an opt-in for
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "my-experiment")
    args = quick_arguments(tmp_path / "run", max_steps=10, eval_steps=5, report_to="mlflow")
    make_toy_trainer(args=args, data=make_toy_data(n_per_class=30)).train()
    assert not (tmp_path / "run" / "mlflow.db").exists()
    assert (tmp_path / "elsewhere").is_dir()
    client = MlflowClient(tracking_uri=store)
    experiment = client.get_experiment_by_name("my-experiment")
    assert experiment is not None
    (run,) = client.search_runs([experiment.experiment_id])
    assert len(client.get_metric_history(run.info.run_id, "train/loss")) == 10


@pytest.mark.parametrize(("name", "module"), [("tensorboard", "tensorboard"), ("mlflow", "mlflow")])
def test_a_missing_tracker_names_the_extra_to_install(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    module: str,
    make_toy_trainer: Callable[..., ToyTrainer],
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # what Python sees when the package is not installed
    with pytest.raises(ImportError, match=rf'pip install "gradiend-core\[{name}\]"'):
        check_trackers([name])
    trainer = make_toy_trainer(tmp_path, report_to=[name])
    with pytest.raises(ImportError, match=rf"gradiend-core\[{name}\]"):
        trainer.train()
    assert trainer._base_model is None, "the error comes before the base model loads"


def test_report_to_accepts_the_hugging_face_forms() -> None:
    assert quick_arguments("x", report_to="none").report_to is None
    assert quick_arguments("x", report_to="tensorboard").report_to == ["tensorboard"]
    with pytest.raises(ValueError, match="report_to"):
        quick_arguments("x", report_to=["wandb"])
