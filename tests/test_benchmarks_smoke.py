"""Smoke tests of the benchmark harness pieces that run in seconds (no model pre-training, no venv).

The full benchmark (``nox -s bench``) builds models and a second virtual environment; these tests only
check the workload builders, the measurement helpers and the report on synthetic results.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "benchmarks" / "runners"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from benchmarks import report, workload  # noqa: E402
from benchmarks.specs import Settings, make_spec  # noqa: E402
from benchmarks.suite import SuiteOptions  # noqa: E402
from harness import LoopClock, PhaseClock  # noqa: E402
from step_profile import StepProfiler  # noqa: E402


def test_template_frame_has_balanced_classes_splits_and_alternatives() -> None:
    frame = workload.template_frame(seed=0)
    counts = frame.groupby(["label_class", "split"]).size().to_dict()
    per_class = {s: 3 * n for s, n in workload.ROWS_PER_PRONOUN.items()}
    assert counts == {(c, s): n for c in ("3PL", "3SG") for s, n in per_class.items()}
    assert frame["masked"].str.count(r"\[MASK\]").eq(1).all()
    assert (frame["alternative_class"] != frame["label_class"]).all()
    assert set(frame.loc[frame["label_class"] == "3PL", "alternative"]) == {"he", "she", "it"}
    assert frame["masked"].is_unique
    filled = frame.apply(lambda r: r["masked"].replace("[MASK]", r["label"]), axis=1)
    assert (filled == frame["text"]).all()


def test_neutral_frame_has_no_pronouns_and_rejects_too_many_rows() -> None:
    texts = workload.neutral_frame(50, seed=1)["text"]
    assert texts.is_unique and len(texts) == 50
    assert not texts.str.contains(r"\b(?:he|she|it|they)\b").any()
    assert texts.str.split().str.len().min() >= 8
    with pytest.raises(ValueError, match="n must be <="):
        workload.neutral_frame(10_000)


def test_write_data_and_spec_point_at_the_same_files(tmp_path: Path) -> None:
    data = workload.write_data(tmp_path)
    spec = make_spec(
        name="m",
        model_dir=tmp_path / "model",
        objective="mlm",
        data=data,
        output_dir=tmp_path / "out",
        settings=Settings(steps=7),
    )
    assert Path(spec["data_csv"]).is_absolute() and Path(spec["data_csv"]).exists()
    assert spec["train"]["max_steps"] == 7 and spec["train"]["batch_size"] == 8
    assert spec["train"]["source"] == "alternative" and spec["train"]["target"] == "diff"
    assert SuiteOptions(models=["bert-26m"], steps=200, steps_26m=40).settings("bert-26m").steps == 40


def test_loop_clock_excludes_evaluation_before_the_last_step() -> None:
    clock = LoopClock()
    weight = nn.Parameter(torch.zeros(3))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    evaluate = clock.timed(lambda: time.sleep(0.05))
    clock.begin()
    for _ in range(3):
        weight.grad = torch.ones(3)
        optimizer.step()
        evaluate()
    clock.end()
    summary = clock.summary()
    assert summary["steps"] == 3
    assert 0.09 < summary["excluded_eval_seconds"] < 0.5  # two evaluations before the last step
    assert summary["loop_seconds"] < 0.05


class _Flattener:
    """Stands in for a library's gradient-flattening method."""

    def flat(self, grads: tuple[torch.Tensor, ...]) -> torch.Tensor:
        return torch.cat([g.flatten() for g in grads])


def test_step_profiler_splits_a_step_into_phases() -> None:
    base, encoder, decoder = nn.Linear(8, 8), nn.Linear(64, 1), nn.Linear(1, 64)
    optimizer = torch.optim.AdamW([*encoder.parameters(), *decoder.parameters()])
    profiler = StepProfiler(base, encoder, clock=time.perf_counter).install()
    flatten = profiler.wrap_flatten
    holder = _Flattener()
    flatten(holder, "flat")
    for _ in range(4):
        loss = base(torch.randn(2, 8)).sum()
        source = holder.flat(torch.autograd.grad(loss, list(base.parameters())))[:64]
        optimizer.zero_grad()
        gradiend_loss = nn.functional.mse_loss(decoder(torch.tanh(encoder(source))), source)
        gradiend_loss.backward()
        optimizer.step()
    profiler.remove()
    summary = profiler.summary()
    assert summary["steps"] == 3
    means = summary["mean_seconds"]
    phases = (
        "base_forward",
        "base_backward",
        "flatten",
        "gradiend_forward",
        "gradiend_backward",
        "optimizer_step",
    )
    assert all(means[p] > 0 for p in phases)
    assert means["total"] >= sum(means[p] for p in phases)
    assert torch.autograd.grad.__module__ == "torch.autograd"  # unwrapped again


def test_phase_clock_records_time_and_memory() -> None:
    clock = PhaseClock()
    with clock.phase("work"):
        block = bytearray(32 * 1024 * 1024)
        block[::4096] = b"x" * len(block[::4096])
    clock.close()
    assert clock.phases["work"]["seconds"] > 0
    assert clock.phases["work"]["peak_rss_mib"] > 32


def _result(steps_per_cpu: float, grads_per_cpu: float, dec_cpu: float, mem: float, corr: float) -> dict:
    return {
        "input_dim": 1000,
        "train": {"steps_per_cpu_second": steps_per_cpu, "steps_per_second": steps_per_cpu},
        "encoder": {
            "gradients_per_cpu_second": grads_per_cpu,
            "gradients_per_second": grads_per_cpu,
            "correlation": corr,
        },
        "decoder": {"cpu_seconds": dec_cpu, "seconds": dec_cpu},
        "memory": {"peak_above_baseline_mib": mem},
        "wall_seconds": 10.0,
    }


def test_report_renders_ratios_and_marks_targets() -> None:
    entry = {
        "manifest": {"parameters": 3_500_000},
        "settings": {"steps": 200},
        "ours": _result(4.0, 50.0, 1.0, 50.0, 0.99),
        "published": _result(1.0, 5.0, 4.0, 100.0, -0.98),
    }
    collected = {
        "models": {"bert-3.5m": entry},
        "meta": {
            "date": "today",
            "command": "run",
            "cores": 2,
            "cpu": "cpu",
            "threads_per_run": 1,
            "load": {},
            "seconds": 60.0,
            "python": "3.11",
            "versions": {"torch": "2"},
        },
    }
    markdown = report.render(collected)
    assert "4.00 / 1.00 (**4.00x**)" in markdown
    assert "- [x] bert-3.5m training loop: 4.00x" in markdown
    assert "- [x] bert-3.5m peak memory above baseline: 0.50x" in markdown
    assert "- [x] bert-3.5m published converged" in markdown
    assert "adaptive default vs exhaustive grid" not in markdown  # no exhaustive run recorded


def test_report_compares_the_adaptive_search_with_the_grid() -> None:
    ours = _result(4.0, 50.0, 1.0, 50.0, 0.99)
    ours["decoder"].update(grid_points=5, full_points=3)
    ours["decoder"]["exhaustive"] = {
        "cpu_seconds": 3.0,
        "grid_points": 8,
        "selected_grid_adaptive": {"3SG": ["ff=+1_lr=0.1", "ff=+1_lr=0.01"]},
        "same_selection": False,
    }
    ours["input_dim"] = 2**20
    memory = report.memory_per_weight_table({"bert-3.5m": {"ours": ours}}, {})
    assert memory[2] == "| bert-3.5m | 1048576 | 50.0 | — |"  # 50 MiB over 2**20 weights
    lines = report.decoder_search_table({"bert-3.5m": {"ours": ours}})
    assert lines[2].startswith("| bert-3.5m | 1.00 | 5 (3) | 3.00 | 8 | 3.00x | NO: ")


def test_a_runner_does_not_report_its_parent_peak_memory() -> None:
    """ru_maxrss survives fork/exec: a small child of this (torch-sized) process reports its own peak."""
    import subprocess

    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); from harness import PhaseClock, memory_summary;"
        "clock = PhaseClock()\nwith clock.phase('work'): time.sleep(0.05)\n"
        "print(clock.inherited_maxrss, memory_summary(0, clock)['peak_rss_mib'] * 2**20); clock.close()"
    )
    runners = str(ROOT / "benchmarks" / "runners")
    out = subprocess.run([sys.executable, "-c", code, runners], capture_output=True, text=True, check=True)
    inherited, peak = (float(v) for v in out.stdout.split())
    assert 0 < peak < inherited, (peak, inherited)


def test_convergence_reads_its_run_files(tmp_path: Path) -> None:
    import json

    from benchmarks import convergence

    for label in ("bert-3.5m-seed0-ours", "bert-3.5m-seed0-published", "bert-3.5m-seed1-ours"):
        (tmp_path / f"{label}.spec.json").write_text("{}")
    for label, corr in (("bert-3.5m-seed0-ours", 0.999), ("bert-3.5m-seed1-ours", -0.3)):
        result = {"encoder": {"correlation": corr}, "train": {"best_validation_correlation": 0.9}}
        (tmp_path / f"{label}.result.json").write_text(json.dumps(result))
    results = convergence.collect(tmp_path)
    assert results["bert-3.5m"]["0"]["ours"]["test_correlation"] == 0.999
    assert "error" in results["bert-3.5m"]["0"]["published"]
    text = convergence.report(results, ["--seeds", "0-1"], {"start": [1.0] * 3, "end": [2.0] * 3}, 1.5)
    assert "| bert-3.5m | ours | 1 / 2 | 0: 0.999, 1: 0.300 |" in text
    assert "| bert-3.5m | published | 0 / 0 (1 without a result) |  |" in text
    assert "`benchmarks/convergence.py --seeds 0-1` (1.5 min)" in text


def test_convergence_seeds_and_table(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from benchmarks import convergence
    from benchmarks.execute import runner_env

    assert convergence.parse_seeds("0-2,7") == [0, 1, 2, 7]
    with pytest.raises(argparse.ArgumentTypeError, match="--seeds"):
        convergence.parse_seeds("zero")
    results = {
        "bert-0.14m": {
            "0": {"ours": {"test_correlation": -0.99}, "published": {"test_correlation": 0.2}},
            "1": {"ours": {"test_correlation": 0.6}, "published": {"error": "exit code 1"}},
        }
    }
    rows = convergence.summary_rows(results, ["ours", "published"])
    assert rows[2] == "| bert-0.14m | ours | 2 / 2 | 0: 0.990, 1: 0.600 |"
    assert rows[3] == "| bert-0.14m | published | 0 / 1 (1 without a result) | 0: 0.200 |"
    # the published runner never sees this project's sources on PYTHONPATH
    monkeypatch.setenv("PYTHONPATH", "/somewhere/src")
    assert "PYTHONPATH" not in runner_env(1, "published")
    assert runner_env(1, "ours")["PYTHONPATH"] == "/somewhere/src"


def test_step_profiler_times_a_fused_gradiend_step() -> None:
    from gradiend.model.gradiend import GradiendModel

    torch.manual_seed(0)
    base = nn.Linear(8, 8)
    gradiend = GradiendModel(72)
    optimizer = torch.optim.AdamW(gradiend.parameters(), lr=1e-3)
    profiler = StepProfiler(base, None).install()
    profiler.wrap_fused(GradiendModel, "fused_mse_backward_")
    assert gradiend.supports_fused_mse()  # no hook on the GRADIEND's modules
    for _ in range(4):
        loss = base(torch.randn(2, 8)).sum()
        source = torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, list(base.parameters()))])
        gradiend.fused_mse_backward_(source, source)
        optimizer.step()
    profiler.remove()
    means = profiler.summary()["mean_seconds"]
    assert means["gradiend_backward"] > 0 and means["base_backward"] > 0 and means["optimizer_step"] > 0
    assert means["gradiend_forward"] == 0
    assert GradiendModel.fused_mse_backward_.__qualname__ == "GradiendModel.fused_mse_backward_"  # unwrapped
