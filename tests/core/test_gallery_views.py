"""The published visualization gallery's suite-era plots on its synthetic data, plus a real decoder grid.

The data builders follow the published ``plot_visualization_gallery.py`` example; the plot calls are as
published, imported from ``gradiend`` (the published ``gradiend.visualizer`` path is not part of this branch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from gradiend import (
    plot_comparison_heatmap,
    plot_encoder_by_target,
    plot_encoder_strip_by_split,
    plot_probability_shifts,
)
from gradiend.plotting.encoder_views import outlier_mask
from gradiend.plotting.shifts import records_from_plotting_data


def _make_decoder_plot_data() -> tuple[dict, dict]:
    lrs = [0.0, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    grid: dict = {
        "base": {
            "probs_by_dataset": {
                "positive": {"positive": 0.70, "negative": 0.30},
                "negative": {"positive": 0.28, "negative": 0.72},
            },
            "lms": {"lms": 0.56},
        }
    }
    for lr in lrs[1:]:
        gain = min(0.22, math.log10(lr * 10000 + 1) * 0.055)
        grid[(-1.0, lr)] = {
            "id": {"feature_factor": -1.0, "learning_rate": lr},
            "probs_by_dataset": {
                "positive": {"positive": 0.70 + gain, "negative": 0.30 - gain},
                "negative": {"positive": 0.28 + gain * 0.35, "negative": 0.72 - gain * 0.35},
            },
            "lms": {"lms": 0.56 - gain * 0.45},
        }
    decoder_results = {
        "positive": {"learning_rate": 0.1, "feature_factor": -1.0, "value": 0.89},
        "negative": {"learning_rate": 0.1, "feature_factor": -1.0, "value": 0.40},
        "grid": {},
    }
    return decoder_results, {"plotting_data": grid}


@pytest.fixture
def encoder_frame(make_encoder_frame: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    tokens = {"positive": ["good", "nice", "helpful", "calm"], "negative": ["bad", "awful", "harsh", "cold"]}
    return make_encoder_frame(
        tokens, 4, 8, "The review was [MASK] ({token}, {split}, #{rep}).", "Neutral held-out sentence {rep}."
    )


def test_encoder_by_target_styles_and_interactive(tmp_path: Path, encoder_frame: pd.DataFrame) -> None:
    encoder_df = encoder_frame
    for style in ("strip", "box", "violin"):
        out = plot_encoder_by_target(
            encoder_df=encoder_df,
            plot_style=style,
            output=str(tmp_path / f"by_target_{style}.png"),
            legend_loc="lower left",
            show=False,
            title=f"Encoder by target ({style})",
        )
        assert out is not None and Image.open(out).size[0] > 800
    html = plot_encoder_by_target(
        encoder_df=encoder_df,
        plot_style="strip",
        interactive=True,
        output=str(tmp_path / "by_target.html"),
        show=False,
        title="Interactive encoder by target",
    )
    assert html is not None and "good" in Path(html).read_text()
    with pytest.raises(ValueError, match="plot_style"):
        plot_encoder_by_target(encoder_df=encoder_df, plot_style="bars")


def test_encoder_strip_by_split_labels_outliers(tmp_path: Path, encoder_frame: pd.DataFrame) -> None:
    out = plot_encoder_strip_by_split(
        encoder_df=encoder_frame,
        output=str(tmp_path / "strip.png"),
        label_points="outliers+sample",
        label_sample_per_group=2,
        show=False,
        title="Encoder strip by split",
    )
    assert out is not None and Path(out).exists()
    values = pd.Series([0.0, 0.1, 0.05, 0.08, 3.0])
    assert outlier_mask(values).tolist() == [False, False, False, False, True]


def test_probability_shifts_from_published_plotting_data(tmp_path: Path) -> None:
    decoder_results, plotting_data = _make_decoder_plot_data()
    records = records_from_plotting_data(plotting_data)
    assert records[0]["id"] == "base" and records[0]["prob__positive__positive"] == 0.70
    out = plot_probability_shifts(
        decoder_results=decoder_results,
        plotting_data=plotting_data,
        class_ids=["positive", "negative"],
        target_class="positive",
        output=str(tmp_path / "shifts.png"),
        show=False,
    )
    assert out is not None and Path(out).exists()


def test_probability_shifts_of_a_real_decoder_grid(trained_toy, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results = trained_toy.evaluate_decoder(lrs=[1e-3, 1e-2, 1e-1])
    out = plot_probability_shifts(
        trained_toy, decoder_results=results, target_class="a", output=tmp_path / "s.png"
    )
    assert out is not None and Path(out).exists()


def test_gallery_comparison_heatmaps(tmp_path: Path) -> None:
    data = {
        "matrix": [
            [1.00, 0.72, 0.35, 0.28],
            [0.72, 1.00, 0.31, 0.26],
            [0.35, 0.31, 1.00, 0.81],
            [0.28, 0.26, 0.81, 1.00],
        ],
        "model_ids": ["sent_pos_neg", "sent_pos_neu", "gender_sg_pl", "gender_masc_fem"],
        "measure": "cosine",
    }
    out = plot_comparison_heatmap(
        data,
        pretty_groups={
            "Sentiment": ["sent_pos_neg", "sent_pos_neu"],
            "Morphology": ["gender_sg_pl", "gender_masc_fem"],
        },
        output_path=str(tmp_path / "grouped.png"),
        show=False,
        title="Grouped comparison heatmap",
    )
    assert out["model_ids"] == ["sent_pos_neg", "sent_pos_neu", "gender_sg_pl", "gender_masc_fem"]
    layerwise = {
        "measure": "layerwise_similarity",
        "model_ids": ["mean"],
        "column_ids": [str(i) for i in range(12)],
        "matrix": [[0.18, 0.21, 0.26, 0.35, 0.48, 0.61, 0.72, 0.76, 0.69, 0.55, 0.42, 0.31]],
    }
    out = plot_comparison_heatmap(
        layerwise, output_path=str(tmp_path / "layers.png"), show=False, vmin=0.0, vmax=1.0
    )
    assert Path(out["output_path"]).exists()
