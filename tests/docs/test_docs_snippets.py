"""Every code block of README.md and docs/**/*.md runs: python blocks execute, bash blocks parse.

The python blocks of one page run in order in one namespace (a page is one session of a reader), in a
temporary working directory, offline. A block preceded by ``<!-- docs-test: skip ... -->`` is not run;
the comment says why. ``--8<-- "path"`` lines (pymdownx.snippets) are replaced by the file they include,
so included sources are checked exactly as the site shows them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)(?P<lang>[\w+-]*)\s*$")
SKIP = re.compile(r"^\s*<!--\s*docs-test:\s*skip\b.*-->\s*$")
SNIPPET = re.compile(r'^(?P<indent> *)--8<-- "(?P<path>[^"]+)"\s*$')
PAGE_BUDGET_S = 90.0


@dataclass
class Block:
    """One fenced code block of a page."""

    page: Path
    line: int
    lang: str
    code: str
    skip: bool

    @property
    def where(self) -> str:
        """``path:line`` of the block's opening fence."""
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def doc_pages() -> list[Path]:
    """README.md and every markdown page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def expand_snippets(code: str) -> str:
    """Replace each ``--8<-- "path"`` line by the file it names (relative to the repository root)."""
    lines = []
    for line in code.splitlines():
        match = SNIPPET.match(line)
        if match is None:
            lines.append(line)
            continue
        included = ROOT / match["path"]
        if not included.is_file():
            raise FileNotFoundError(f"snippet {match['path']!r} does not exist")
        lines.extend(match["indent"] + text for text in included.read_text(encoding="utf-8").splitlines())
    return "\n".join(lines) + "\n"


def _dedent(lines: list[str], indent: int) -> list[str]:
    if indent == 0:
        return lines
    return [line[indent:] if line[:indent].isspace() else line.lstrip() for line in lines]


def extract_blocks(page: Path) -> list[Block]:
    """The fenced blocks of ``page`` with their language and skip marker."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != opening["fence"]:
            end += 1
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        body = _dedent(lines[index + 1 : end], len(opening["indent"]))
        blocks.append(
            Block(
                page, index + 1, opening["lang"], expand_snippets("\n".join(body)), bool(SKIP.match(previous))
            )
        )
        index = end + 1
    return blocks


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


PAGES = doc_pages()
PYTHON_PAGES = [p for p in PAGES if any(b.lang == "python" and not b.skip for b in extract_blocks(p))]


def test_the_docs_have_pages_and_python_examples() -> None:
    assert (ROOT / "mkdocs.yml").is_file()
    assert len(PAGES) >= 10
    assert ROOT / "README.md" in PYTHON_PAGES


def test_skipped_blocks_are_rare_and_say_why() -> None:
    skipped = [b for p in PAGES for b in extract_blocks(p) if b.skip]
    for block in skipped:
        text = block.page.read_text(encoding="utf-8").splitlines()
        marker = next(text[i] for i in range(block.line - 2, -1, -1) if text[i].strip())
        reason = re.sub(r"<!--\s*docs-test:\s*skip|-->", "", marker).strip(" :-()")
        assert reason, f"{block.where}: say why the block is skipped (<!-- docs-test: skip: reason -->)"
    total = sum(1 for p in PAGES for b in extract_blocks(p) if b.lang == "python")
    assert len(skipped) <= max(6, total // 5), f"too many skipped blocks: {[b.where for b in skipped]}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_bash_blocks_parse(page: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    for block in extract_blocks(page):
        if block.lang not in ("bash", "sh", "shell", "console"):
            continue
        result = subprocess.run([bash, "-n"], input=block.code, capture_output=True, text=True, check=False)
        assert result.returncode == 0, f"{block.where}: bash -n failed:\n{result.stderr}"


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_toml_blocks_parse(page: Path) -> None:
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    for block in extract_blocks(page):
        if block.lang == "toml":
            try:
                tomllib.loads(block.code)
            except ValueError as error:  # TOMLDecodeError is a ValueError
                raise AssertionError(f"{block.where}: not valid TOML: {error}") from error


@pytest.mark.parametrize("page", PYTHON_PAGES, ids=_page_id)
def test_python_blocks_run(page: Path, docs_environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("__docs__")  # a real module, so that dataclasses and pickling find it
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    start = time.perf_counter()
    for block in extract_blocks(page):
        if block.lang != "python" or block.skip:
            continue
        code = compile(block.code, block.where, "exec", dont_inherit=True)
        try:
            exec(code, namespace)
        except Exception as error:
            raise AssertionError(f"{block.where} failed: {error!r}") from error
    elapsed = time.perf_counter() - start
    assert elapsed < PAGE_BUDGET_S, f"{_page_id(page)} took {elapsed:.0f} s; keep examples small"
