"""Render the self-contained HTML report of a run directory (``gradiend report RUN_DIR``).

The report is one HTML file: figures are PNG data URIs, the interactive scatter's plotly.js is inlined
once, CSS is inline, and :func:`gradiend.report.offline.find_network_references` must find nothing in
it (the write fails otherwise). It is rendered from files alone (see :mod:`gradiend.report.files`), so
``trainer.report()`` and the command line produce the same page.
"""

from __future__ import annotations

import html
import logging
import os
import re
from pathlib import Path

from gradiend.definition import ReportSection
from gradiend.report.evaluation_sections import decoder_section, encoder_section, modality_sections
from gradiend.report.offline import find_network_references
from gradiend.report.sections import (
    arguments_section,
    overview_section,
    seeds_section,
    timings_section,
    training_section,
)
from gradiend.report.template import page
from gradiend.run_files import RunFiles, load_run_files
from gradiend.utils.atomic import atomic_write_text

logger = logging.getLogger(__name__)

REPORT_FILE = "report.html"
"""Default file name of the report inside the run directory."""


def section_id(title: str, taken: set[str]) -> str:
    """A unique anchor id for a section title (``"Before/after examples"`` -> ``"before-after-examples"``)."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def build_sections(run: RunFiles) -> tuple[list[ReportSection], bool]:
    """Every section of the report in order, and whether an interactive (plotly) figure is among them."""
    encoder, interactive = encoder_section(run)
    sections = [
        overview_section(run),
        arguments_section(run),
        training_section(run),
        seeds_section(run),
        encoder,
        decoder_section(run),
        *modality_sections(run),
        timings_section(run),
    ]
    return sections, interactive


def render_report(run: RunFiles) -> str:
    """The report page of a run."""
    sections, interactive = build_sections(run)
    taken: set[str] = set()
    nav, blocks = [], []
    for section in sections:
        anchor = section_id(section.title, taken)
        nav.append((anchor, section.title))
        blocks.append(
            f'<section id="{anchor}"><h2>{html.escape(section.title)}</h2>\n{section.html}\n</section>'
        )
    bundle = None
    if interactive:
        from plotly.offline import get_plotlyjs

        bundle = get_plotlyjs()
    pair = f"{run.pair[0]} vs {run.pair[1]}" if run.pair else "feature pair unknown"
    return page("GRADIEND run report", f"{pair} \u2014 {run.run_dir}", nav, "\n".join(blocks), bundle)


def write_report_for_directory(
    run_dir: str | os.PathLike[str], output: str | os.PathLike[str] | None = None
) -> str:
    """Write the HTML report of ``run_dir`` to ``output`` (default ``RUN_DIR/report.html``); returns its path.

    Raises:
        FileNotFoundError: ``run_dir`` holds no GRADIEND run (the message says what was looked for).
        RuntimeError: the rendered page would refer to the network (names the references).
    """
    run = load_run_files(run_dir)
    target = Path(output) if output is not None else run.run_dir / REPORT_FILE
    if target.is_dir():
        target = target / REPORT_FILE
    text = render_report(run)
    references = find_network_references(text)
    if references:
        raise RuntimeError(f"the report of {run.run_dir} would refer to the network: {references[:5]}")
    atomic_write_text(target, text)
    logger.info("wrote the report of %s to %s", run.run_dir, target)
    return str(target)


__all__ = ["REPORT_FILE", "build_sections", "render_report", "section_id", "write_report_for_directory"]
