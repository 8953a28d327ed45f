"""The plugin guide and the toy example show the toy plugin's files inline, identical to the tested files.

A page block that copies a file is preceded by ``<!-- inline: PATH -->`` (PATH relative to the repository
root); the block's code must equal the file. Pages read the same on a code host as on the built site, and
this test keeps them in sync with the package that the plugin-contract tests install and run.

After changing a copied file, refresh the pages with::

    python tests/docs/test_inline_code.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INLINE = re.compile(r"^<!--\s*inline:\s*(?P<path>\S+)\s*-->\s*$")
PAGES = [ROOT / "docs" / "plugins" / "index.md", ROOT / "docs" / "plugins" / "toy-example.md"]
INCLUDE = re.compile(r'^\s*--8<--\s*"')


def inline_blocks(page: Path) -> list[tuple[int, str, str]]:
    """``(line, path, code)`` of each block marked ``<!-- inline: path -->`` on ``page``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found = []
    for index, line in enumerate(lines):
        match = INLINE.match(line)
        if match is None:
            continue
        opening = index + 1
        if opening >= len(lines) or not lines[opening].startswith("```"):
            raise AssertionError(
                f"{page.name}:{index + 1}: the inline marker must stand right above a code fence"
            )
        closing = next(i for i in range(opening + 1, len(lines)) if lines[i].startswith("```"))
        found.append((index + 1, match["path"], "\n".join(lines[opening + 1 : closing]) + "\n"))
    return found


def refresh(page: Path) -> bool:
    """Rewrite the inline blocks of ``page`` from their files; return whether anything changed."""
    lines = page.read_text(encoding="utf-8").splitlines()
    output: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        output.append(line)
        match = INLINE.match(line)
        index += 1
        if match is None:
            continue
        output.append(lines[index])  # the opening fence
        closing = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        output.extend((ROOT / match["path"]).read_text(encoding="utf-8").splitlines())
        index = closing
    text = "\n".join(output) + "\n"
    changed = text != page.read_text(encoding="utf-8")
    if changed:
        page.write_text(text, encoding="utf-8")
    return changed


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_inline_code_equals_the_tested_files(page: Path) -> None:
    blocks = inline_blocks(page)
    assert blocks, f"{page.name} has no inline code blocks"
    for line, path, code in blocks:
        source = ROOT / path
        assert source.is_file(), f"{page.name}:{line}: {path} does not exist"
        assert code == source.read_text(encoding="utf-8"), (
            f"{page.name}:{line}: the copy of {path} is out of date; "
            "run: python tests/docs/test_inline_code.py"
        )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_do_not_depend_on_mkdocs_includes(page: Path) -> None:
    includes = [
        n for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1) if INCLUDE.match(line)
    ]
    assert not includes, (
        f"{page.name} lines {includes}: code pulled in by mkdocs shows as empty on a code host"
    )


if __name__ == "__main__":
    changed = [page.relative_to(ROOT) for page in PAGES if refresh(page)]
    print("refreshed: " + ", ".join(map(str, changed)) if changed else "all inline copies are up to date")
    sys.exit(0)
