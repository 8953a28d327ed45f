"""Small HTML builders for the report: escaped tables, figures as data URIs, notes."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from gradiend.plotting.output import png_bytes
from gradiend.plotting.style import DEFAULT_DPI
from gradiend.report.offline import png_data_uri


def fmt(value: Any) -> str:
    """A value as short, escaped text: floats to 4 significant digits, None as a dash, JSON otherwise."""
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, (int, str)):
        return html.escape(str(value))
    return html.escape(json.dumps(value, default=str))


def _cell(value: Any) -> str:
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f'<td class="num">{fmt(value)}</td>' if numeric else f"<td>{fmt(value)}</td>"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table; every cell is escaped, numbers are right-aligned."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def key_value_table(values: Mapping[str, Any]) -> str:
    """A two-column table of names and values."""
    return table(["", "value"], [(name, value) for name, value in values.items()])


def figure_html(figure: Figure, caption: str, alt: str, dpi: int = DEFAULT_DPI) -> str:
    """A matplotlib figure embedded as a PNG data URI, with its caption."""
    uri = png_data_uri(png_bytes(figure, dpi))
    return (
        f'<figure><img src="{uri}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def note(text: str) -> str:
    """A muted paragraph (e.g. why a part of the report is missing)."""
    return f'<p class="note">{html.escape(text)}</p>'


def paragraph(text: str) -> str:
    """An escaped paragraph."""
    return f"<p>{html.escape(text)}</p>"


def heading(text: str) -> str:
    """An escaped third-level heading."""
    return f"<h3>{html.escape(text)}</h3>"


def details(summary: str, content: str) -> str:
    """A collapsed block."""
    return f"<details><summary>{html.escape(summary)}</summary>{content}</details>"


__all__ = ["details", "figure_html", "fmt", "heading", "key_value_table", "note", "paragraph", "table"]
