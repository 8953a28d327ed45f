"""The HTML report of a suite: member table, comparison heatmaps, links to every member's own report.

``suite.report()`` evaluates the members (or takes given results), writes each member's report, saves
the member table and the comparison payloads to ``suite_summary.json`` in the suite directory and
renders ``suite_report.html`` from that file; ``gradiend report SUITE_DIR`` renders it again later.
"""

from __future__ import annotations

import html
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gradiend.plotting.heatmap import plot_comparison_heatmap
from gradiend.report.markup import figure_html, note, table
from gradiend.report.offline import find_network_references
from gradiend.report.template import page
from gradiend.utils.atomic import atomic_write_json, atomic_write_text

logger = logging.getLogger(__name__)

SUITE_SUMMARY = "suite_summary.json"
"""The file a suite directory is recognised by."""

SUITE_REPORT = "suite_report.html"
"""Default file name of the suite report inside the suite directory."""

COMPARISONS: tuple[tuple[str, str], ...] = (
    (
        "cross_encoding",
        "Cross-encoding: correlation of each GRADIEND (row) with each member's labels (column)",
    ),
    ("similarity", "Decoder-direction similarity (|cosine| of the decoder weights)"),
    ("topk_overlap", "Top-k overlap of the most important weights (fraction of the smaller set)"),
)
"""The comparisons a suite report shows, with their captions."""


def is_suite_directory(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` holds a suite summary."""
    return (Path(path) / SUITE_SUMMARY).is_file()


def suite_directory(suite: Any) -> Path:
    """The suite's folder: the common parent of its members' experiment directories."""
    dirs = [t.experiment_dir for t in suite.values()]
    if any(d is None for d in dirs):
        raise ValueError(
            "a suite report needs args.experiment_dir on every member (where the reports are written)"
        )
    return Path(os.path.commonpath([str(Path(d).resolve()) for d in dirs]))


def _payload_json(data: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("measure", "model_ids", "column_ids", "matrix", "part", "topk", "metric", "split")
    return {k: data[k] for k in keep if k in data}


def write_suite_summary(
    suite: Any,
    *,
    encoder_results: Mapping[str, Mapping[str, Any]],
    member_reports: Mapping[str, str],
    comparisons: Mapping[str, Mapping[str, Any]],
    decoder_results: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """Save the member table, the members' report paths and the comparison payloads; returns the file."""
    directory = suite_directory(suite)
    table_frame = suite.member_table(encoder_results=encoder_results, decoder_results=decoder_results)
    summary = {
        "suite": type(suite).__name__,
        "run_id": getattr(suite, "run_id", None),
        "labels": dict(getattr(suite, "label_mapping", {}) or {}),
        "members": json.loads(table_frame.to_json(orient="records")),
        "member_reports": {k: os.path.relpath(v, directory) for k, v in member_reports.items()},
        "comparisons": {k: _payload_json(v) for k, v in comparisons.items()},
    }
    return atomic_write_json(directory / SUITE_SUMMARY, summary)


def _member_section(summary: Mapping[str, Any]) -> str:
    members = summary.get("members") or []
    if not members:
        return note("The suite summary lists no members.")
    reports = summary.get("member_reports") or {}
    columns = [c for c in members[0] if c not in ("model_path",)]
    rows = []
    for member in members:
        rows.append([member.get(c) for c in columns])
    body = table(columns, rows)
    links = "".join(
        f'<li><a href="{html.escape(path)}">{html.escape(str(member))}</a></li>'
        for member, path in reports.items()
    )
    return body + (
        f"<h3>Member reports</h3><ul>{links}</ul>" if links else note("No member reports were written.")
    )


def _comparison_section(summary: Mapping[str, Any]) -> str:
    comparisons = summary.get("comparisons") or {}
    labels = summary.get("labels") or {}
    parts = []
    for key, caption in COMPARISONS:
        data = comparisons.get(key)
        if not data:
            continue
        _, figure, _ = plot_comparison_heatmap(
            data,
            return_fig_ax=True,
            highlight_diagonal=key == "cross_encoding",
            row_label_mapping=labels,
            column_label_mapping=labels,
            title=str(data.get("measure", key)),
        )
        parts.append(figure_html(figure, caption, caption))
    return "\n".join(parts) or note("No comparison was computed for this suite.")


def render_suite_report(directory: str | os.PathLike[str]) -> str:
    """The suite report page of a suite directory."""
    path = Path(directory) / SUITE_SUMMARY
    if not path.is_file():
        raise FileNotFoundError(f"{directory} holds no {SUITE_SUMMARY}: write it with suite.report()")
    summary = json.loads(path.read_text(encoding="utf-8"))
    sections = [
        ("members", "Members", _member_section(summary)),
        ("comparison", "Comparison", _comparison_section(summary)),
    ]
    body = "\n".join(f'<section id="{a}"><h2>{html.escape(t)}</h2>\n{h}\n</section>' for a, t, h in sections)
    title = f"{summary.get('suite', 'Suite')} report"
    subtitle = f"{len(summary.get('members') or [])} GRADIENDs \u2014 {Path(directory).resolve()}"
    return page(title, subtitle, [(a, t) for a, t, _ in sections], body, None)


def write_suite_report(
    directory: str | os.PathLike[str], output: str | os.PathLike[str] | None = None
) -> str:
    """Write the suite report of ``directory`` (default ``SUITE_DIR/suite_report.html``); returns its path.

    The page is self-contained except for its relative links to the members' own report files.

    Raises:
        RuntimeError: the page would refer to anything else outside itself.
    """
    text = render_suite_report(directory)
    summary = json.loads((Path(directory) / SUITE_SUMMARY).read_text(encoding="utf-8"))
    member_links = {f"<a href={path[:120]!r}>" for path in (summary.get("member_reports") or {}).values()}
    references = [r for r in find_network_references(text) if r not in member_links]
    if references:
        raise RuntimeError(f"the suite report of {directory} would refer to the network: {references[:5]}")
    target = Path(output) if output is not None else Path(directory) / SUITE_REPORT
    atomic_write_text(target, text)
    logger.info("wrote the suite report of %s to %s", directory, target)
    return str(target)


def suite_comparisons(
    suite: Any, *, split: str, max_size: int | None, topk: int | float
) -> dict[str, dict[str, Any]]:
    """The payloads the report shows (cross-encoding only when every member has two target classes)."""
    out: dict[str, dict[str, Any]] = {}
    if len(suite) < 2:
        return out
    out["cross_encoding"] = suite.compute_cross_encoding_matrix(
        metric="correlation", split=split, max_size=max_size
    )
    out["similarity"] = suite.compute_similarity_matrix(measure="cosine", part="decoder-weight")
    out["topk_overlap"] = suite.compute_similarity_matrix(measure="topk_overlap", topk=topk)
    return out


def report_suite(
    suite: Any,
    output: str | None = None,
    *,
    split: str = "test",
    max_size: int | None = None,
    topk: int | float = 0.01,
    member_reports: bool = True,
    decoder_results: Mapping[str, Mapping[str, Any]] | None = None,
    evaluate_decoder: bool = True,
) -> str:
    """Evaluate, write the members' reports and the suite report; returns the suite report's path.

    Args:
        suite: a trained suite or collection.
        output: the suite report file (default ``SUITE_DIR/suite_report.html``).
        split: the held-out split of the encoder evaluations and the cross-encoding.
        max_size: rows per class (and member) to encode.
        topk: weights per GRADIEND in the top-k overlap heatmap (an int or a fraction).
        member_reports: also write every member's own report (linked from the suite report).
        decoder_results: ``{member: evaluate_decoder() results}`` for the member table and reports.
        evaluate_decoder: evaluate the decoder of members without given results for their reports.
    """
    encoder = suite.evaluate_encoder(split=split, max_size=max_size, return_df=True)
    reports: dict[str, str] = {}
    if member_reports:
        for child_id, trainer in suite.items():
            suite.get_model(child_id)
            reports[child_id] = trainer.report(
                encoder_results=encoder[child_id],
                decoder_results=(decoder_results or {}).get(child_id),
                evaluate=evaluate_decoder,
                split=split,
                max_size=max_size,
            )
    comparisons = suite_comparisons(suite, split=split, max_size=max_size, topk=topk)
    path = write_suite_summary(
        suite,
        encoder_results=encoder,
        member_reports=reports,
        comparisons=comparisons,
        decoder_results=decoder_results,
    )
    return write_suite_report(path.parent, output)


__all__ = [
    "COMPARISONS",
    "SUITE_REPORT",
    "SUITE_SUMMARY",
    "is_suite_directory",
    "render_suite_report",
    "report_suite",
    "suite_comparisons",
    "suite_directory",
    "write_suite_report",
    "write_suite_summary",
]
