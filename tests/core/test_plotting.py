"""Figures: each plot method writes a PNG of figsize x dpi pixels (or an offline HTML file) and returns it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from gradiend_toy import ToyTrainer
from PIL import Image

from gradiend.plotting.paths import PLOTS_DIRNAME, resolve_output
from gradiend.plotting.style import DEFAULT_DPI, FIGURE_WIDTH, OKABE_ITO, PAIR_COLORS, class_colors
from gradiend.report.offline import find_network_references
from gradiend.testing import quick_arguments


def assert_png(path: str | Path, size: tuple[int, int] | None = None) -> Image.Image:
    """A readable, non-blank PNG (of ``size`` pixels when given)."""
    file = Path(path)
    assert file.is_file() and file.stat().st_size > 0, f"{file} is missing or empty"
    image = Image.open(file)
    assert image.format == "PNG"
    if size is not None:
        assert image.size == size
    pixels = np.asarray(image.convert("L"), dtype=np.float64)
    assert pixels.std() > 5.0, "the figure is blank"
    return image


def expected_size(figsize: tuple[float, float], dpi: int) -> tuple[int, int]:
    return round(figsize[0] * dpi), round(figsize[1] * dpi)


@pytest.fixture(scope="module")
def encoder_results(trained_toy: ToyTrainer) -> dict[str, Any]:
    return trained_toy.evaluate_encoder(return_df=True)


@pytest.fixture(scope="module")
def decoder_results(trained_toy: ToyTrainer) -> dict[str, Any]:
    return trained_toy.evaluate_decoder()


@pytest.fixture(scope="module")
def multi_seed_toy(
    tmp_path_factory: pytest.TempPathFactory, make_toy_trainer: Callable[..., ToyTrainer]
) -> ToyTrainer:
    """Two seeds trained briefly (both kept on disk)."""
    directory = tmp_path_factory.mktemp("toy-seeds")
    args = quick_arguments(
        directory,
        max_seeds=2,
        min_convergent_seeds=2,
        max_steps=40,
        eval_steps=20,
        saved_seed_runs="all_tried",
    )
    trainer = make_toy_trainer(args=args)
    trainer.train()
    return trainer


def test_training_convergence_is_saved_under_the_experiment_dir(trained_toy: ToyTrainer) -> None:
    path = trained_toy.plot_training_convergence(figsize=(6.0, 4.0), dpi=160)
    assert trained_toy.experiment_dir is not None
    assert path == str(Path(trained_toy.experiment_dir) / PLOTS_DIRNAME / "training_convergence.png")
    assert_png(path, (960, 640))


def test_training_convergence_default_size(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    path = trained_toy.plot_training_convergence(output=str(tmp_path / "curve.png"))
    assert path == str(tmp_path / "curve.png")
    assert_png(path, expected_size((FIGURE_WIDTH, 1.0 + 2.2 * 3), DEFAULT_DPI))


def test_encoder_distributions_from_evaluate_encoder_plot(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    output = tmp_path / "encoder.png"
    metrics = trained_toy.evaluate_encoder(
        plot=True, plot_kwargs={"output": str(output), "target_and_neutral_only": True, "figsize": (5.0, 4.0)}
    )
    assert metrics["plot_path"] == str(output)
    assert_png(output, expected_size((5.0, 4.0), DEFAULT_DPI))


def test_encoder_distributions_method(
    trained_toy: ToyTrainer, encoder_results: dict[str, Any], tmp_path: Path
) -> None:
    path = trained_toy.plot_encoder_distributions(
        encoder_results["encoder_df"], output=str(tmp_path), figsize=(7.0, 4.5), dpi=200
    )
    assert path == str(tmp_path / "encoder_distributions.png")
    assert_png(path, (1400, 900))


def test_encoder_scatter_is_offline_html_with_row_descriptions(
    trained_toy: ToyTrainer, encoder_results: dict[str, Any], tmp_path: Path
) -> None:
    frame = encoder_results["encoder_df"]
    path = trained_toy.plot_encoder_scatter(frame, output=str(tmp_path / "scatter.html"))
    text = Path(path).read_text(encoding="utf-8")
    assert "Plotly.newPlot" in text
    assert find_network_references(text) == []
    assert "<script src" not in text
    for description in trained_toy.describe_rows(frame)[:10]:
        assert description in text, "hover text shows each row's description"


def test_decoder_grid_from_evaluate_decoder_plot(trained_toy: ToyTrainer) -> None:
    results = trained_toy.evaluate_decoder(plot=True)
    assert trained_toy.experiment_dir is not None
    assert results["plot_path"] == str(Path(trained_toy.experiment_dir) / PLOTS_DIRNAME / "decoder_grid.png")
    assert_png(results["plot_path"], expected_size((FIGURE_WIDTH + 2.0, 6.4), DEFAULT_DPI))


def test_weaken_grid_gets_its_own_file(trained_toy: ToyTrainer) -> None:
    results = trained_toy.evaluate_decoder(target_class="a", increase_target_probabilities=False, plot=True)
    assert Path(results["plot_path"]).name == "decoder_grid_weaken.png"
    assert_png(results["plot_path"])


def test_decoder_grid_method_marks_the_selection(
    trained_toy: ToyTrainer, decoder_results: dict[str, Any], tmp_path: Path
) -> None:
    path = trained_toy.plot_decoder_grid(decoder_results, output=str(tmp_path / "grid.png"), figsize=(8, 5))
    assert_png(path, expected_size((8, 5), DEFAULT_DPI))


def test_seed_convergence(multi_seed_toy: ToyTrainer, tmp_path: Path) -> None:
    path = multi_seed_toy.plot_seed_convergence(figsize=(6.0, 5.0))
    assert multi_seed_toy.experiment_dir is not None
    assert path == str(Path(multi_seed_toy.experiment_dir) / PLOTS_DIRNAME / "seed_convergence.png")
    assert_png(path, expected_size((6.0, 5.0), DEFAULT_DPI))


def test_seed_convergence_draws_seeds_whose_directory_is_gone(
    multi_seed_toy: ToyTrainer, tmp_path: Path
) -> None:
    assert multi_seed_toy.experiment_dir is not None
    report = json.loads((Path(multi_seed_toy.experiment_dir) / "seeds" / "seed_report.json").read_text())
    report["runs"][1].update(converged=False, output_dir=str(tmp_path / "deleted"))
    path = multi_seed_toy.plot_seed_convergence(report, output=str(tmp_path / "seeds.png"))
    assert_png(path)


def test_seed_convergence_needs_a_multi_seed_run(trained_toy: ToyTrainer) -> None:
    with pytest.raises(FileNotFoundError, match="max_seeds"):
        trained_toy.plot_seed_convergence()


def test_show_true_never_blocks_without_a_display(
    trained_toy: ToyTrainer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    with caplog.at_level(logging.WARNING, logger="gradiend.plotting.output"):
        path = trained_toy.plot_training_convergence(output=str(tmp_path / "shown.png"), show=True)
    assert_png(path)
    assert "cannot display" in caplog.text


def test_without_experiment_dir_figures_go_to_a_temporary_directory(
    trained_toy: ToyTrainer, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(".").model_copy(update={"experiment_dir": None})
    trainer = make_toy_trainer(args=args)
    assert trainer.experiment_dir is None
    path = Path(trainer.plot_training_convergence(model_path=trained_toy.model_path))
    assert path.name == "training_convergence.png"
    assert path.parent.name.startswith("gradiend-plots-")
    assert not Path("plots").exists() or Path("plots").resolve() != path.parent.resolve()
    assert_png(path)


def test_bad_arguments_name_the_problem(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dpi must be an integer >= 150"):
        trained_toy.plot_training_convergence(output=str(tmp_path / "x.png"), dpi=72)
    with pytest.raises(ValueError, match=r"output must be a \.png file"):
        trained_toy.plot_training_convergence(output=str(tmp_path / "x.jpg"))
    with pytest.raises(ValueError, match="figsize"):
        trained_toy.plot_training_convergence(output=str(tmp_path / "x.png"), figsize=(0.0, 3.0))
    with pytest.raises(ValueError, match="encoder_df lacks"):
        trained_toy.plot_encoder_distributions(pd.DataFrame({"encoded": [0.1]}), output=str(tmp_path))
    with pytest.raises(TypeError, match="unexpected argument"):
        trained_toy.plot_encoder_distributions(pd.DataFrame({"encoded": [0.1]}), colour="red")
    with pytest.raises(ValueError, match="plain file name"):
        resolve_output("../escape", experiment_dir=str(tmp_path))


def test_pair_colours_are_okabe_ito_and_stable() -> None:
    colors = class_colors(("b", "a"), ["c", "a", "b", "d"])
    assert (colors["b"], colors["a"]) == PAIR_COLORS
    assert set(colors.values()) <= set(OKABE_ITO.values())
    assert len(set(colors.values())) == 4
