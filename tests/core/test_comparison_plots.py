"""Comparison heatmaps and Venn diagrams: files written, ordering, labels, highlighting, 2 to 30 GRADIENDs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from gradiend.plotting.comparison import plot_topk_overlap_heatmap, plot_topk_overlap_venn
from gradiend.plotting.heatmap import cluster_order, color_limits, plot_comparison_heatmap


class _TopK:
    """A stand-in with base-space top-k indices (as the published gallery uses)."""

    def __init__(self, weights: list[int]) -> None:
        self.weights = weights

    def get_topk_weights(self, part: str = "decoder-weight", topk: int | float = 100) -> list[int]:
        return self.weights[: int(topk)]


def _payload() -> dict:
    return {
        "matrix": [[1.0, 0.7, 0.3], [0.7, 1.0, -0.2], [0.3, -0.2, 1.0]],
        "model_ids": ["a", "b", "c"],
        "measure": "cosine_signed",
    }


def test_png_pdf_and_html(tmp_path: Path) -> None:
    for suffix in (".png", ".pdf", ".html"):
        out = plot_comparison_heatmap(
            _payload(), output_path=tmp_path / f"h{suffix}", title="t", highlight_diagonal=True
        )
        assert Path(out["output_path"]).stat().st_size > 1000
    assert "plotly" in (tmp_path / "h.html").read_text()
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")


def test_signed_data_gets_a_symmetric_scale() -> None:
    assert color_limits(np.array([-0.2, 0.9]), None, None) == (-0.9, 0.9, True)
    assert color_limits(np.array([0.1, 0.9]), None, None)[:2] == (0.1, 0.9)


def test_explicit_and_cluster_order(tmp_path: Path) -> None:
    out = plot_comparison_heatmap(_payload(), order=["c", "a", "b"])
    assert out["model_ids"] == ["c", "a", "b"]
    assert out["matrix"][0] == [1.0, 0.3, -0.2]
    # two blocks of similar rows, interleaved: clustering puts each block together
    ids = [f"m{i}" for i in range(6)]
    block = np.array([[1.0 if (i % 2) == (j % 2) else 0.0 for j in range(6)] for i in range(6)])
    order = cluster_order(pd.DataFrame(block, index=ids, columns=ids))
    parities = [int(o[1:]) % 2 for o in order]
    assert parities in ([0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0])
    with pytest.raises(ValueError, match="order must list every row id"):
        plot_comparison_heatmap(_payload(), order=["a", "x", "b"])


def test_thirty_gradiends_stay_readable(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    ids = [f"gradiend_{i:02d}" for i in range(30)]
    frame = pd.DataFrame(rng.uniform(0, 1, (30, 30)), index=ids, columns=ids)
    out = plot_comparison_heatmap(frame, output_path=tmp_path / "big.png", order="cluster")
    assert sorted(out["model_ids"]) == ids
    width, height = Image.open(out["output_path"]).size
    assert width >= 1000 and height >= 1000  # the figure grows with the matrix


def test_rectangular_grouped_row_metric_and_dispersion(tmp_path: Path) -> None:
    rect = {
        "matrix": [[0.7, -0.6, 0.1], [0.0, 0.6, -0.5]],
        "model_ids": ["g1", "g2"],
        "column_ids": ["x", "y", "z"],
    }
    out = plot_comparison_heatmap(
        rect, row_metric={"g1": 0.9, "g2": 0.8}, row_metric_label="corr", output_path=tmp_path / "r.png"
    )
    assert out["column_ids"] == ["x", "y", "z"]
    grouped = plot_comparison_heatmap(_payload(), pretty_groups={"G": ["c", "b"]})
    assert grouped["model_ids"] == ["c", "b", "a"]
    disp = dict(_payload(), cell_stats=[[{"std": 0.1}] * 3] * 3, global_n=3)
    plot_comparison_heatmap(
        disp, dispersion_display="stacked", seed_annotation=True, output_path=tmp_path / "d.png"
    )
    with pytest.raises(ValueError, match="row_metric names unknown"):
        plot_comparison_heatmap(rect, row_metric={"nope": 1.0})
    with pytest.raises(ValueError, match="output_path must end"):
        plot_comparison_heatmap(rect, output_path=tmp_path / "r.jpg")


def test_topk_heatmap_and_venn(tmp_path: Path) -> None:
    models = {"A": _TopK([1, 2, 3, 4, 5, 6]), "B": _TopK([3, 4, 5, 6, 7, 8]), "C": _TopK([5, 6, 7, 8, 9, 10])}
    heat = plot_topk_overlap_heatmap(
        models, topk=6, value="intersection_frac", output_path=tmp_path / "t.png"
    )
    assert heat["matrix"][0][1] == pytest.approx(4 / 6) and heat["matrix"][0][2] == pytest.approx(2 / 6)
    venn = plot_topk_overlap_venn(models, topk=6, output_path=tmp_path / "v.png")
    assert venn["intersection"] == [5, 6] and len(venn["union"]) == 10
    assert venn["regions"]["A"] == 2 and venn["regions"]["A & B"] == 2 and venn["regions"]["A & B & C"] == 2
    assert Path(venn["output_path"]).exists()
    with pytest.raises(ValueError, match="2 or 3 GRADIENDs"):
        plot_topk_overlap_venn({**models, "D": _TopK([1])}, topk=1)
