"""The page skeleton of the HTML report: one file, inline CSS, no external resource of any kind."""

from __future__ import annotations

import html

BUNDLE_ATTRIBUTE = "data-gradiend-bundle"
"""Marks the inlined third-party bundle (plotly.js) among the page's scripts."""

CSS = """
:root { --fg: #1b1b1b; --muted: #5b5f66; --accent: #0072B2; --border: #d7d9dc; --panel: #f6f7f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
header { background: #0b3d5c; color: #fff; padding: 1.1rem 2rem; }
header h1 { margin: 0; font-size: 1.5rem; }
header p { margin: .2rem 0 0; opacity: .85; }
nav { position: sticky; top: 0; z-index: 10; background: var(--panel); border-bottom: 1px solid var(--border);
  padding: .45rem 2rem; font-size: .9rem; }
nav a { color: var(--accent); text-decoration: none; margin-right: 1rem; white-space: nowrap; }
main { max-width: 1150px; margin: 0 auto; padding: .5rem 2rem 3rem; }
section { border-top: 1px solid var(--border); margin-top: 1.6rem; padding-top: .4rem; }
h2 { font-size: 1.25rem; margin: .6rem 0; }
h3 { font-size: 1.05rem; margin: 1rem 0 .4rem; }
table { border-collapse: collapse; font-size: .9rem; margin: .4rem 0 1rem; }
th, td { border-bottom: 1px solid var(--border); padding: .25rem .7rem; text-align: left;
  vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--border); }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .25rem; }
.note { color: var(--muted); font-style: italic; }
.plot { border: 1px solid var(--border); margin: 1rem 0; }
.grid2 { display: flex; flex-wrap: wrap; gap: 2rem; }
details > summary { cursor: pointer; color: var(--accent); }
code { background: var(--panel); padding: 0 .25rem; border-radius: 3px; }
footer { color: var(--muted); font-size: .8rem; text-align: center; padding: 1rem; }
"""

ERROR_RECORDER = """
(function () {
  var count = 0;
  window.addEventListener("error", function (event) {
    count += 1;
    document.documentElement.setAttribute("data-js-errors", String(count));
    document.documentElement.setAttribute("data-js-last-error", String(event.message || "error"));
  });
})();
"""
"""Records script errors on the page (attribute ``data-js-errors`` of ``<html>``), for headless checks."""


def page(title: str, subtitle: str, nav: list[tuple[str, str]], body: str, bundle: str | None) -> str:
    """The complete HTML page; ``bundle`` is plotly.js to inline (None: no interactive figure)."""
    links = "".join(f'<a href="#{html.escape(anchor)}">{html.escape(text)}</a>' for anchor, text in nav)
    bundle_script = (
        f'<script type="text/javascript" {BUNDLE_ATTRIBUTE}="plotly.js">{bundle}</script>' if bundle else ""
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{CSS}</style>\n"
        f"<script>{ERROR_RECORDER}</script>\n"
        f"{bundle_script}\n"
        "</head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(subtitle)}</p></header>\n"
        f"<nav>{links}</nav>\n"
        f"<main>\n{body}\n</main>\n"
        "<footer>Written by gradiend. Self-contained: opens offline, loads nothing from the network."
        "</footer>\n"
        "</body>\n</html>\n"
    )


__all__ = ["BUNDLE_ATTRIBUTE", "CSS", "ERROR_RECORDER", "page"]
