"""Keep the HTML report self-contained: find network references, inline local images as data URIs.

What counts as a network reference (what :func:`find_network_references` reports): any attribute
through which a browser loads or links a resource (``src``, ``href``, ``srcset``, ``poster``,
``data``, ``action``, ``formaction``, ``background``, ``xlink:href``, ``manifest``, ``ping``) unless
its value is an in-page anchor (``#...``) or a ``data:`` URI; ``url(...)`` other than ``data:`` or an
anchor, and ``@import``, in a ``<style>`` element or a ``style`` attribute; ``<base href>``; and a
``<meta http-equiv="refresh">``. URL strings inside text and inside scripts are not requests and are
not reported: the inlined plotly.js bundle contains URL strings for features the report never uses
(map tiles, geo topojson), and the report's own scripts only draw figures (the tests check that they
call no network API).
"""

from __future__ import annotations

import base64
import mimetypes
import re
from html.parser import HTMLParser
from pathlib import Path

RESOURCE_ATTRIBUTES: frozenset[str] = frozenset(
    {"src", "href", "srcset", "poster", "data", "action", "formaction", "background", "xlink:href"}
    | {"manifest", "ping"}
)
"""Attributes through which a page loads or links a resource."""

IMAGE_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
"""Image files that :func:`inline_local_images` embeds."""

_CSS_URL = re.compile(r"url\(\s*['\"]?\s*(?!data:|#)([^'\")\s]+)", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)
_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)([\"'])(.*?)\2", re.IGNORECASE | re.DOTALL)


def is_inline_value(value: str) -> bool:
    """Whether an attribute value refers to nothing outside the page (empty, ``#anchor`` or ``data:``)."""
    stripped = value.strip()
    return not stripped or stripped.startswith("#") or stripped.lower().startswith("data:")


class _ReferenceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        values = {name.lower(): value or "" for name, value in attrs}
        for name, value in values.items():
            if name in RESOURCE_ATTRIBUTES and not is_inline_value(value):
                self.found.append(f"<{tag} {name}={value[:120]!r}>")
            if name == "style":
                self._check_css(value, f"<{tag} style>")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.found.append("<meta http-equiv='refresh'>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._check_css(data, "<style>")

    def _check_css(self, css: str, where: str) -> None:
        self.found.extend(f"{where} url({m.group(1)[:120]})" for m in _CSS_URL.finditer(css))
        if _CSS_IMPORT.search(css):
            self.found.append(f"{where} @import")


def find_network_references(html_text: str) -> list[str]:
    """Every network reference in ``html_text`` (see the module docstring); empty when self-contained."""
    finder = _ReferenceFinder()
    finder.feed(html_text)
    finder.close()
    return finder.found


def data_uri(path: Path) -> str:
    """A file as a base64 ``data:`` URI (image types by suffix, else ``application/octet-stream``)."""
    mime = IMAGE_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime or 'application/octet-stream'};base64,{encoded}"


def png_data_uri(png: bytes) -> str:
    """PNG bytes as a ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def inline_local_images(html_text: str, base_dir: Path) -> str:
    """Replace ``<img src="file">`` (relative to ``base_dir``, or absolute) with data URIs.

    Raises:
        FileNotFoundError: an image file does not exist (names it).
        ValueError: an image refers to the network (``http:``, ``https:``, ``//host``).
    """

    def replace(match: re.Match[str]) -> str:
        prefix, quote, value = match.group(1), match.group(2), match.group(3).strip()
        if is_inline_value(value):
            return match.group(0)
        if re.match(r"^(https?:)?//", value, re.IGNORECASE) or re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
            if not value.lower().startswith("file:"):
                raise ValueError(f"an <img> refers to {value!r}: the report embeds local images only")
            value = value[len("file://") :] if value.lower().startswith("file://") else value[len("file:") :]
        path = Path(value) if Path(value).is_absolute() else base_dir / value
        if not path.is_file():
            raise FileNotFoundError(f"the image {value!r} of a report section does not exist ({path})")
        return f"{prefix}{quote}{data_uri(path)}{quote}"

    return _IMG_SRC.sub(replace, html_text)


__all__ = [
    "IMAGE_TYPES",
    "RESOURCE_ATTRIBUTES",
    "data_uri",
    "find_network_references",
    "inline_local_images",
    "is_inline_value",
    "png_data_uri",
]
