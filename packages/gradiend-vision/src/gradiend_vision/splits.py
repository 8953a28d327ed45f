"""Seeded, stratified train/validation/test splits of labelled images."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gradiend.plugins import SPLITS, normalize_split

DEFAULT_SPLIT_FRACTIONS: tuple[float, float, float] = (0.8, 0.1, 0.1)
"""Fractions of each class that go to train, validation and test."""


def check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    """Validate ``(train, validation, test)`` fractions: three non-negative numbers summing to 1."""
    values = tuple(float(f) for f in fractions)
    if len(values) != 3 or any(f < 0 for f in values) or values[0] <= 0 or abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(
            "split_fractions must be three non-negative fractions (train, validation, test) with "
            f"train > 0 that sum to 1, got {tuple(fractions)!r}"
        )
    return values[0], values[1], values[2]


def stratified_split(
    labels: np.ndarray, fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS, seed: int = 0
) -> np.ndarray:
    """Assign every row a split name, class by class, with a seeded permutation.

    Each class with ``n`` rows gives ``round(n * validation)`` rows to validation and
    ``round(n * test)`` to test (fewer when that would leave no training row); the rest train.
    The same labels, fractions and seed always give the same assignment.

    Returns:
        An object array of ``"train"``, ``"validation"`` or ``"test"``, one per row.
    """
    _, f_val, f_test = check_fractions(fractions)
    labels = np.asarray(labels)
    split = np.full(labels.shape[0], "train", dtype=object)
    rng = np.random.default_rng(seed)
    for label in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == label))
        n = rows.size
        n_val = round(n * f_val)
        n_test = round(n * f_test)
        while n_val + n_test >= n and n_val + n_test > 0:
            if n_test >= n_val:
                n_test -= 1
            else:
                n_val -= 1
        split[rows[:n_val]] = "validation"
        split[rows[n_val : n_val + n_test]] = "test"
    return split


def normalize_split_names(names: Sequence[str]) -> np.ndarray:
    """Map per-row split names to ``train``/``validation``/``test`` (``val``, ``valid``, ``dev`` too)."""
    known = {name: normalize_split(name) for name in set(names) if _is_known(name)}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"split names must be among {list(SPLITS)} (or 'val'), got {unknown}")
    return np.asarray([known[name] for name in names], dtype=object)


def _is_known(name: str) -> bool:
    try:
        normalize_split(name)
    except ValueError:
        return False
    return True


def carve_validation(split: np.ndarray, labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Move a stratified ``fraction`` of the training rows to validation (for sources without one)."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie in (0, 1), got {fraction}")
    split = split.copy()
    train_rows = np.flatnonzero(split == "train")
    sub = stratified_split(labels[train_rows], (1.0 - fraction, fraction, 0.0), seed)
    split[train_rows[sub == "validation"]] = "validation"
    return split


__all__ = [
    "DEFAULT_SPLIT_FRACTIONS",
    "carve_validation",
    "check_fractions",
    "normalize_split_names",
    "stratified_split",
]
