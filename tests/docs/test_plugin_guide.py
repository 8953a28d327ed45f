"""The plugin guide's lists of methods and hooks are the contract's own (abstract methods, hook specs)."""

from __future__ import annotations

import re
from pathlib import Path

from gradiend.definition import DEFINITION_STEPS, FeatureLearningDefinition
from gradiend.plugins import Trainer
from gradiend.trainer.hook_relay import DEFINITION_HOOKS

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "plugins" / "index.md"
HOOKS = ROOT / "docs" / "plugins" / "hooks.md"
FIRST_CELL = re.compile(r"^\| `(?P<name>\w+)\(")


def table_after(page: Path, marker: str) -> list[str]:
    """The names in the first column (```name(...)```) of the first table after the line with ``marker``."""
    lines = page.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    names: list[str] = []
    for line in lines[start + 1 :]:
        if names and not line.startswith("|"):
            break
        match = FIRST_CELL.match(line)
        if match:
            names.append(match["name"])
    return names


def test_the_guide_lists_the_methods_a_modality_must_write() -> None:
    listed = table_after(GUIDE, "It must write these methods")
    assert len(listed) == len(set(listed))
    assert set(listed) == set(Trainer.__abstractmethods__)


def test_the_guide_names_the_methods_the_core_implements() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    paragraph = next(p for p in text.split("\n\n") if "are implemented by the core's `Trainer`" in p)
    named = set(re.findall(r"\*\*`(\w+)`\*\*", paragraph))
    assert named == set(FeatureLearningDefinition.__abstractmethods__) - set(Trainer.__abstractmethods__)


def test_the_hooks_page_lists_every_definition_hook_and_its_method() -> None:
    listed = table_after(HOOKS, "| hook | called by |")
    assert listed == list(DEFINITION_HOOKS)
    rows = [line for line in HOOKS.read_text(encoding="utf-8").splitlines() if FIRST_CELL.match(line)]
    defaults = [re.findall(r"`(\w+)`", row.rsplit("|", 2)[-2])[-1] for row in rows]
    assert defaults == list(DEFINITION_STEPS)
