"""The report sections built from ``run_summary.json``: encoder, decoder and the modality's examples."""

from __future__ import annotations

import html
from typing import Any

from gradiend.definition import ReportSection
from gradiend.report.markup import details, figure_html, heading, key_value_table, note, table
from gradiend.report.sections import ENCODER_METRIC_NAMES, SELECTION_COLUMNS, guarded_figure
from gradiend.run_files import RunFiles

SCATTER_DIV_ID = "encoder-scatter"
"""The id of the interactive scatter's element in the report."""

NOT_EVALUATED = "Not evaluated: run trainer.report() (it evaluates the model) to include it."


def encoder_section(run: RunFiles) -> tuple[ReportSection, bool]:
    """Encoder metrics, the distribution figure and the interactive scatter; and whether plotly is used."""
    encoder = (run.summary or {}).get("encoder")
    if not encoder:
        return ReportSection("Encoder", note(NOT_EVALUATED)), False
    from gradiend.plotting.encoder import encoder_distributions_figure
    from gradiend.report.summary import rows_frame

    metrics = encoder.get("metrics") or {}
    body = key_value_table(
        {"split": encoder.get("split"), **{n: metrics.get(n) for n in ENCODER_METRIC_NAMES if n in metrics}}
    )
    means, stds = metrics.get("mean_by_class") or {}, metrics.get("std_by_class") or {}
    body += heading("Encoding per class (training rows)")
    body += table(["class", "mean h", "std h"], [(c, means[c], stds.get(c)) for c in means])
    if metrics.get("mean_by_type"):
        body += table(["row type", "mean h"], list(metrics["mean_by_type"].items()))
    frame = rows_frame(encoder["rows"])
    body += guarded_figure(
        lambda: figure_html(
            encoder_distributions_figure(frame, run.pair),
            "Encoded value h of every evaluated row per group (violin: density; diamond: mean); dotted "
            "lines: the +-0.5 decision boundaries.",
            "encoder distributions",
        ),
        "encoder distributions",
    )
    scatter = guarded_figure(lambda: _scatter(frame, run.pair), "encoder scatter")
    return ReportSection(
        "Encoder", body + heading("Interactive: hover a point to see its input") + scatter
    ), (SCATTER_DIV_ID in scatter)


def _scatter(frame: Any, pair: tuple[str, str] | None) -> str:
    from gradiend.plotting.scatter import encoder_scatter_figure, scatter_html

    figure = encoder_scatter_figure(frame, pair, list(frame["description"]), max_points=2000)
    return f'<div class="plot">{scatter_html(figure, div_id=SCATTER_DIV_ID, full_html=False)}</div>'


def decoder_section(run: RunFiles) -> ReportSection:
    """The selected rewrite per class and the decoder-grid figure."""
    decoder = (run.summary or {}).get("decoder")
    if not decoder:
        return ReportSection("Decoder", note(NOT_EVALUATED))
    from gradiend.plotting.decoder import decoder_grid_figure

    summaries: dict[str, Any] = decoder.get("summaries") or {}
    rows = [
        (key, _direction(entry), *(entry.get(c) for c in SELECTION_COLUMNS))
        for key, entry in summaries.items()
    ]
    body = heading("Selected rewrite per class: theta + lr * decoder(f)")
    body += table(["key", "direction", *SELECTION_COLUMNS], rows)
    grid = decoder.get("grid") or []
    pair = run.pair
    if pair is None:
        return ReportSection("Decoder", body + note("The feature pair is unknown: no grid figure."))
    body += guarded_figure(
        lambda: figure_html(
            decoder_grid_figure(
                grid, summaries, pair, utility_ratio=float(decoder.get("utility_ratio", 0.99))
            ),
            "Top: change of the target class's probability per learning rate and feature factor; bottom: "
            "utility relative to the base model with the admissibility threshold; stars: selected rewrites.",
            "decoder grid",
        ),
        "decoder grid",
    )
    if grid:
        columns = list(grid[0])
        body += details(
            f"All {len(grid)} grid points", table(columns, [[r.get(c) for c in columns] for r in grid])
        )
    return ReportSection("Decoder", body)


def _direction(entry: dict[str, Any]) -> str:
    if "metric" in entry:
        return f"metric {entry['metric']}"
    return "strengthen" if entry.get("strengthen", True) else "weaken"


def modality_sections(run: RunFiles) -> list[ReportSection]:
    """The modality's own sections (e.g. before/after examples), as saved by ``trainer.report()``."""
    saved = (run.summary or {}).get("modality_sections") or []
    sections = [ReportSection(str(s["title"]), str(s["html"])) for s in saved]
    if sections:
        return sections
    modality = (run.summary or {}).get("modality") or "this modality"
    text = (
        f"The {html.escape(str(modality))} plugin adds no examples to the report."
        if run.summary
        else NOT_EVALUATED
    )
    return [ReportSection("Examples", note(text))]


__all__ = ["NOT_EVALUATED", "SCATTER_DIV_ID", "decoder_section", "encoder_section", "modality_sections"]
