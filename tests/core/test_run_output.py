"""Run output: per-seed lines and summaries in the gradiend logger, warnings, progress bars, demo table."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradiend_toy import ToyTrainer, make_toy_data

import gradiend.logging as gradiend_logging
from gradiend import TrainingArguments
from gradiend.demo import format_summary
from gradiend.testing import quick_arguments
from gradiend.utils.progress import progress_enabled

BAR_TEXT = "GRADIEND training"


@pytest.fixture(autouse=True)
def _library_level() -> Iterator[None]:
    """Every test starts and ends with the library's default level (INFO)."""
    gradiend_logging.set_verbosity_info()
    yield
    gradiend_logging.set_verbosity_info()


def _toy(directory: Path, **overrides: object) -> ToyTrainer:
    return ToyTrainer(
        data=make_toy_data(n_per_class=60),
        target_classes=["a", "b"],
        args=quick_arguments(directory, **overrides),
    )


def test_lines_are_visible_by_default_in_a_fresh_process(tmp_path: Path) -> None:
    """No logging set-up at all: stderr shows the seed line, the summary and the progress bar."""
    script = textwrap.dedent(
        f"""
        from gradiend_toy import ToyTrainer, make_toy_data
        from gradiend.testing import quick_arguments
        trainer = ToyTrainer(data=make_toy_data(n_per_class=60), target_classes=["a", "b"],
                             args=quick_arguments({str(tmp_path)!r}, max_steps=100))
        trainer.train()
        stats = trainer.get_training_stats()
        print(stats["best_step"], abs(stats["best_correlation"]))
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("TQDM_DISABLE", "GRADIEND_VERBOSITY")}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300, check=True
    )
    best_step, correlation = result.stdout.split()
    seed_lines = [line for line in result.stderr.splitlines() if line.startswith("[gradiend] seed 0:")]
    assert seed_lines == [
        f"[gradiend] seed 0: best step {best_step}, correlation {float(correlation):.4f}, converged"
    ]
    summary = [line for line in result.stderr.splitlines() if "training finished" in line]
    assert len(summary) == 1
    assert (
        f"selected seed 0 (best step {best_step}, correlation {float(correlation):.4f}, converged)"
        in summary[0]
    )
    assert f"model saved to {tmp_path / 'model'}" in summary[0]
    assert BAR_TEXT in result.stderr, "progress bars are on by default"


def test_disable_tqdm_writes_no_progress_bar(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    _toy(tmp_path / "on", max_steps=20, eval_steps=10).train()
    shown = capfd.readouterr().err
    assert BAR_TEXT in shown, "control: without disable_tqdm the bar is drawn on stderr"

    _toy(tmp_path / "off", max_steps=20, eval_steps=10, disable_tqdm=True).train()
    hidden = capfd.readouterr().err
    assert BAR_TEXT not in hidden and "it/s" not in hidden and "\r" not in hidden
    assert "[gradiend] seed 0:" in hidden, "log lines still appear"


def test_tqdm_disable_environment_variable_is_honoured(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TQDM_DISABLE", "1")
    trainer = _toy(tmp_path, max_steps=20, eval_steps=10)
    trainer.train()
    trainer.evaluate_encoder()
    trainer.evaluate_decoder(target_class="b", lrs=[0.1, 0.01])
    assert "it/s" not in capfd.readouterr().err
    assert progress_enabled() is False
    monkeypatch.setenv("TQDM_DISABLE", "maybe")
    with pytest.raises(ValueError, match="TQDM_DISABLE"):
        progress_enabled()


def test_non_converging_run_warns_with_its_values(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    trainer = _toy(tmp_path, max_steps=10, eval_steps=5, learning_rate=1e-9, convergent_score_threshold=0.999)
    with caplog.at_level(logging.INFO, logger="gradiend"):
        trainer.train()
    stats = trainer.get_training_stats()
    assert stats is not None
    correlation = abs(stats["best_correlation"])
    assert correlation < 0.999
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "did not converge" in r.message]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert f"|correlation| {correlation:.4f}" in text
    assert f"final loss {stats['final_loss']}" in text
    assert "threshold 0.999" in text
    assert "Try:" in text and "learning_rate" in text
    assert (
        f"seed 0: best step {stats['best_step']}, correlation {correlation:.4f}, did not converge"
        in caplog.text
    )


def test_log_level_argument_sets_the_library_level(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        _toy(tmp_path, max_steps=10, eval_steps=5, log_level="warning").train()
    assert gradiend_logging.get_verbosity() == logging.WARNING
    assert not [r for r in caplog.records if r.name.startswith("gradiend") and r.levelno < logging.WARNING]
    with pytest.raises(ValueError, match="log_level"):
        TrainingArguments(log_level="loud")


def test_verbosity_helpers() -> None:
    gradiend_logging.set_verbosity_error()
    assert gradiend_logging.get_verbosity() == logging.ERROR
    gradiend_logging.set_verbosity("debug")
    assert gradiend_logging.get_verbosity() == logging.DEBUG
    with pytest.raises(ValueError, match="verbosity must be one of"):
        gradiend_logging.set_verbosity("chatty")
    import gradiend

    assert gradiend.logging is gradiend_logging


def test_evaluations_log_held_out_correlation_and_selected_rewrite(
    trained_toy: ToyTrainer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gradiend"):
        metrics = trained_toy.evaluate_encoder(split="test")
        decoder = trained_toy.evaluate_decoder(target_class="b")
    assert (
        f"encoder on the test split ({metrics['n_samples']} rows): correlation {metrics['correlation']:+.4f}"
        in (caplog.text)
    )
    entry = decoder["b"]
    expected = (
        f"selected rewrite for 'b': feature_factor {entry['feature_factor']:+g}, learning_rate "
        f"{entry['learning_rate']:g}; value {entry['base_value']:.4f} -> {entry['value']:.4f}; "
        f"utility {entry['lms'] / entry['base_lms']:.3f} x base"
    )
    assert expected in caplog.text


def test_demo_prints_a_table_and_writes_the_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gradiend_toy.demo import main

    assert main(str(tmp_path)) == 0
    printed = capsys.readouterr().out
    report = json.loads((tmp_path / "demo_report.json").read_text(encoding="utf-8"))
    assert not printed.lstrip().startswith("{"), "a table, not raw JSON"
    assert f"held-out correlation   {report['held_out_correlation']:+.3f}" in printed
    probability = report["probabilities"][0]
    assert f"{probability['before']:.3f} -> {probability['after']:.3f}" in printed
    assert probability["after"] > probability["before"]
    assert f"{report['utility_ratio']:.3f} x base" in printed
    assert str(tmp_path / "demo_report.json") in printed


def test_summary_table_formats_the_standard_keys() -> None:
    table = format_summary(
        {
            "title": "demo",
            "held_out_correlation": 0.98765,
            "selected_rewrite": {"target_class": "she", "feature_factor": -1.0, "learning_rate": 0.01},
            "utility_ratio": 0.9931,
            "probabilities": [
                {"label": 'P(" she") after "The man said that"', "before": 0.07, "after": 0.39}
            ],
            "seconds": 401.2,
            "other": {"not": "shown"},
        }
    )
    lines = table.splitlines()
    assert lines[0] == "demo"
    assert "feature_factor -1, learning_rate 0.01 (strengthens 'she')" in table
    assert "0.070 -> 0.390" in table and "0.993 x base" in table and "6 m 41 s" in table
    assert "not" not in table.split("\n", 1)[1]


def test_multi_seed_run_logs_one_line_per_seed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    trainer = _toy(tmp_path, max_steps=60, eval_steps=30, max_seeds=2, min_convergent_seeds=2)
    with caplog.at_level(logging.INFO, logger="gradiend"):
        trainer.train()
    messages = [r.getMessage() for r in caplog.records]
    lines = [m for m in messages if m.startswith("seed ")]
    assert [line.split(":")[0] for line in lines] == ["seed 0", "seed 1"]
    assert all("validation correlation" in line for line in lines)
    converged = sum(line.endswith(", converged") for line in lines)
    (outcome,) = [m for m in messages if "seeds converged" in m]
    assert outcome.startswith(f"{converged} of 2 seeds converged (min_convergent_seeds=2); selected seed ")
    selected = int(outcome.rsplit(" ", 1)[1])
    stats = trainer.get_training_stats()
    assert stats is not None and stats["seed"] == selected
    (summary,) = [m for m in messages if "training finished" in m]
    assert f"selected seed {selected} (best step {stats['best_step']}, correlation" in summary
    assert f"validation correlation {stats['eval_correlation']:+.4f}" in summary
    assert f"model saved to {tmp_path / 'model'}" in summary
