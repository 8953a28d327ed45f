"""Figures from plain data: the figure functions need no trainer, and one helper saves every figure."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gradiend_toy import ToyTrainer
from PIL import Image

import gradiend.visualizer as visualizer
from gradiend.plotting import (
    decoder_grid_name,
    encoder_scatter_figure,
    save_figure,
    save_plot,
    training_convergence_figure,
)
from gradiend.plotting.paths import PLOT_NAMES, PLOTS_DIRNAME
from gradiend.report.offline import find_network_references
from gradiend.trainer.plotting_mixin import PlottingMixin
from gradiend.utils.result_records import checked_encoder_frame


def training_stats() -> dict[str, object]:
    """A training.json as training writes it: losses, evaluations, the pair and the best step."""
    steps = [10, 20, 30]
    return {
        "pair": ["a", "b"],
        "losses": [1.0 / (1 + i) for i in range(30)],
        "evaluations": [
            {"step": s, "correlation": 0.3 * k, "mean_by_class": {"a": 0.3 * k, "b": -0.3 * k}}
            for k, s in enumerate(steps, start=1)
        ],
        "best_step": 30,
    }


def encoder_frame() -> pd.DataFrame:
    """Encoder rows of both classes and a neutral class."""
    rng = np.random.default_rng(0)
    classes = ["a"] * 5 + ["b"] * 5 + ["x"] * 4
    encoded = list(rng.uniform(0.5, 1.0, 5)) + list(rng.uniform(-1.0, -0.5, 5)) + list(rng.normal(0, 0.1, 4))
    types = ["training"] * 10 + ["neutral_dataset"] * 4
    return pd.DataFrame({"encoded": encoded, "feature_class": classes, "type": types})


def test_a_figure_from_training_stats_is_saved_under_its_stable_name(tmp_path: Path) -> None:
    figure = training_convergence_figure(training_stats(), figsize=(4.0, 3.0))
    path = save_plot(figure, PLOT_NAMES["training_convergence"], experiment_dir=tmp_path, dpi=150)
    assert path == str(tmp_path / PLOTS_DIRNAME / "training_convergence.png")
    assert Image.open(path).size == (600, 450)


def test_a_plotly_figure_is_saved_as_offline_html(tmp_path: Path) -> None:
    frame = encoder_frame()
    descriptions = [f"row number {i}" for i in range(len(frame))]
    figure = encoder_scatter_figure(frame, ("a", "b"), descriptions)
    path = save_plot(figure, PLOT_NAMES["encoder_scatter"], experiment_dir=tmp_path)
    assert path == str(tmp_path / PLOTS_DIRNAME / "encoder_scatter.html")
    text = Path(path).read_text(encoding="utf-8")
    assert "row number 13" in text
    assert find_network_references(text) == []


def test_save_figure_writes_the_format_of_the_suffix(tmp_path: Path) -> None:
    figure = training_convergence_figure(training_stats())
    pdf = save_figure(figure, tmp_path / "curve.pdf")
    assert Path(pdf).read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"\.png"):
        save_figure(figure, tmp_path / "curve.html")
    scatter = encoder_scatter_figure(encoder_frame(), ("a", "b"), ["r"] * 14)
    with pytest.raises(ValueError, match=r"\.html"):
        save_figure(scatter, tmp_path / "scatter.png")
    assert not (tmp_path / "curve.html").exists() and not (tmp_path / "scatter.png").exists()


@pytest.mark.parametrize(
    ("results", "name"),
    [
        ({"a": {"strengthen": True}, "b_weaken": {"strengthen": False}}, "decoder_grid"),
        ({"a_weaken": {"strengthen": False}, "grid": []}, "decoder_grid_weaken"),
        ({"grid": []}, "decoder_grid"),
    ],
)
def test_decoder_grid_file_name_follows_the_results(results: dict[str, object], name: str) -> None:
    assert decoder_grid_name(results) == name


def test_encoder_frames_are_checked_with_a_clear_error() -> None:
    columns = ("encoded", "type")
    with pytest.raises(TypeError, match="encoder_df must be a pandas DataFrame, got list"):
        checked_encoder_frame([1.0], columns, "plot")
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['type'\]"):
        checked_encoder_frame(pd.DataFrame({"encoded": [1.0]}), columns, "plot")
    with pytest.raises(ValueError, match="no encoded rows to plot"):
        checked_encoder_frame(pd.DataFrame(columns=list(columns)), columns, "plot")


@pytest.mark.parametrize(
    "name", ["plot_training_convergence", "plot_encoder_distributions", "plot_encoder_scatter"]
)
def test_visualizer_trainer_plots_are_the_methods(name: str) -> None:
    function = getattr(visualizer, name)
    method = getattr(PlottingMixin, name)
    parameters = list(inspect.signature(function).parameters.values())
    expected = list(inspect.signature(method).parameters.values())
    assert parameters[0].name == "trainer"
    assert parameters[1:] == expected[1:]
    assert function.__doc__ == method.__doc__
    with pytest.raises(TypeError, match=f"{name} needs a gradiend Trainer"):
        function(object())


def test_visualizer_function_draws_the_trainers_figure(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    path = visualizer.plot_training_convergence(trained_toy, output=str(tmp_path), figsize=(5.0, 4.0))
    assert path == str(tmp_path / "training_convergence.png")
    assert Image.open(path).size == (750, 600)
