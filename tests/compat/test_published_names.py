"""Every public name of the published gradiend 0.2.3 (``published_names.txt``) is importable from
``gradiend`` here or named, with its reason, in docs/guides/migration.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import gradiend
from gradiend.not_available import NOT_AVAILABLE, NotAvailableYetError

HERE = Path(__file__).resolve().parent
MIGRATION = HERE.parents[1] / "docs" / "guides" / "migration.md"


def published_names() -> list[str]:
    """The names of published_names.txt (comments and blank lines skipped)."""
    lines = (HERE / "published_names.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def migration_names() -> set[str]:
    """Every name written as code (backticks) in the migration guide."""
    return set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", MIGRATION.read_text(encoding="utf-8")))


def test_the_list_is_the_published_public_api() -> None:
    names = published_names()
    assert len(names) == len(set(names)) >= 50
    assert {"TextPredictionTrainer", "TrainingArguments", "TrainerSuite", "set_seed"} <= set(names)


@pytest.mark.parametrize("name", published_names())
def test_each_published_name_is_importable_or_documented(name: str) -> None:
    try:
        value = getattr(gradiend, name)
    except NotAvailableYetError as error:
        assert name in migration_names(), f"{name} is not available yet but not named in migration.md"
        assert "not available yet" in str(error)
        return
    except AttributeError:
        assert name in migration_names(), f"gradiend.{name} is neither importable nor in migration.md"
        return
    assert value is not None


@pytest.mark.parametrize("name", sorted(NOT_AVAILABLE))
def test_names_of_unbuilt_features_say_so(name: str) -> None:
    with pytest.raises(NotAvailableYetError, match=f"gradiend.{name} is not available yet"):
        getattr(gradiend, name)
    with pytest.raises(ImportError):
        exec(f"from gradiend import {name}", {})
