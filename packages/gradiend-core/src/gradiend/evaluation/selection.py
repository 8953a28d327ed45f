"""Pick the rewrite ``(feature_factor, learning_rate)`` of a decoder grid for each class and direction.

Rule: among the grid points whose utility keeps ``lms >= utility_ratio * base_lms`` (default 0.99),
take the one with the largest value (ties: the smaller ``|learning_rate|``). When no point keeps the
utility, the smallest ``|learning_rate|`` is taken and the entry is marked ``"fallback": True``.
The utility ``lms`` is higher-is-better and non-negative (an accuracy-like score).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gradiend.definition import BaseModelScores
from gradiend.evaluation.decoder_grid import BASE_ID, DecoderGrid, GridPoint
from gradiend.evaluation.encoder_metrics import validate_pair

logger = logging.getLogger(__name__)

TARGETS: tuple[str, ...] = ("diff", "factual", "alternative")
"""Reconstruction targets of a GRADIEND training."""

SummaryExtractor = Callable[[list[dict[str, Any]], tuple[str, str]], list[dict[str, Any]]]
"""``(grid records, pair) -> records with derived metric columns added`` (see ``paper_metrics``)."""


def default_feature_factor(
    class_name: str, pair: tuple[str, str], target: str = "diff", *, increase: bool = True
) -> float:
    """The feature factor ``f`` whose ``theta + lr * decoder(f)`` (``lr > 0``) strengthens ``class_name``.

    Derivation: after sign normalisation the first pair class encodes ``h = +1`` and the decoder
    maps ``h = +1`` to the reconstruction target of that class's rows. With target ``"diff"``
    (``grad L(factual) - grad L(alternative)``) or ``"factual"``, ``decoder(+1)`` is roughly the
    gradient of the first class's loss; adding a gradient *increases* that loss, so ``f = -1``
    strengthens ``pair[0]`` and ``f = +1`` strengthens ``pair[1]``. With target ``"alternative"``
    ``decoder(+1)`` is the gradient of the second class's loss and the signs are reversed.
    Weakening (``increase=False``) uses the opposite sign.
    """
    first, second = validate_pair(pair)
    if class_name not in (first, second):
        raise ValueError(f"class_name must be one of the pair {[first, second]}, got {class_name!r}")
    if target not in TARGETS:
        raise ValueError(f"target must be one of {list(TARGETS)}, got {target!r}")
    sign = -1.0 if class_name == first else 1.0
    if target == "alternative":
        sign = -sign
    return sign if increase else -sign


def class_value(class_name: str, pair: tuple[str, str], increase: bool = True) -> str:
    """The data class on whose rows ``class_name``'s selection value is measured.

    Strengthening ``class_name`` is measured as P(class_name) on the *other* pair class's rows,
    weakening as 1 - P(class_name) on its own rows.
    """
    first, second = validate_pair(pair)
    if class_name not in (first, second):
        raise ValueError(f"class_name must be one of the pair {[first, second]}, got {class_name!r}")
    if not increase:
        return class_name
    return second if class_name == first else first


@dataclass(frozen=True)
class _Candidate:
    id: str
    feature_factor: float
    learning_rate: float
    lms: float
    value: float


def summarize_decoder_grid(
    grid: DecoderGrid,
    pair: tuple[str, str],
    classes: Sequence[str],
    *,
    increase: bool = True,
    target: str = "diff",
    utility_ratio: float = 0.99,
    summary_extractor: SummaryExtractor | None = None,
    summary_metrics: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Select the best rewrite per class (and per derived metric) from an evaluated grid.

    Args:
        grid: the evaluated decoder grid.
        pair: the two target classes (first encodes +1).
        classes: the classes to select for (each one of ``pair``).
        increase: strengthen (key ``"C"``: value = P(C) on rows of the other pair class, using the
            strengthening feature-factor sign) or weaken (key ``"C_weaken"``: value = 1 - P(C) on
            C's own rows, using the weakening sign).
        target: the GRADIEND reconstruction target; decides the signs (:func:`default_feature_factor`).
        utility_ratio: points must keep ``lms >= utility_ratio * base_lms``.
        summary_extractor: ``(records, pair) -> records`` adding derived metric columns.
        summary_metrics: record columns (e.g. ``["bpi", "fpi", "mpi"]``) for which the best point over
            the whole grid is selected under the same utility rule, stored under the metric's name.

    Returns:
        ``{key: entry}`` with entries holding value, feature_factor, learning_rate, id, strengthen,
        lms, base_lms, base_value, delta, utility, base_utility and fallback (metric entries hold
        ``metric`` instead of ``strengthen``), plus ``"grid"``: the list of flat records of every
        point, the base model first (records, not a DataFrame, so the result is JSON-able).
    """
    first, second = validate_pair(pair)
    if not math.isfinite(utility_ratio) or utility_ratio <= 0:
        raise ValueError(f"utility_ratio must be a positive finite number, got {utility_ratio!r}")
    if isinstance(classes, str) or not classes:
        raise ValueError(f"classes must be a non-empty list of pair classes, got {classes!r}")
    result: dict[str, Any] = {}
    for class_name in classes:
        key = class_name if increase else f"{class_name}_weaken"
        result[key] = _class_entry(grid, (first, second), class_name, increase, target, utility_ratio)
    records = grid.to_records()
    if summary_extractor is not None:
        records = summary_extractor(records, (first, second))
    for metric in summary_metrics or ():
        result[metric] = _metric_entry(records, metric, utility_ratio)
    result["grid"] = records
    return result


def _class_entry(
    grid: DecoderGrid,
    pair: tuple[str, str],
    class_name: str,
    increase: bool,
    target: str,
    utility_ratio: float,
) -> dict[str, Any]:
    sign = default_feature_factor(class_name, pair, target, increase=increase)
    on_class = class_value(class_name, pair, increase)

    def value_of(scores: BaseModelScores) -> float:
        probability = scores.probability(class_name, on_class)
        return probability if increase else 1.0 - probability

    # Utility-only points of the adaptive search hold no probabilities: they broke the utility, so
    # they are neither admissible nor (the search scores the fallback in full) the fallback.
    candidates = [
        _candidate(p, value_of(p.scores))
        for p in grid.points
        if p.feature_factor * sign > 0 and class_name in p.scores.probabilities.get(on_class, {})
    ]
    if not candidates:
        raise ValueError(
            f"the decoder grid has no point with a feature factor of sign {sign:+g}, which "
            f"{'strengthens' if increase else 'weakens'} {class_name!r}, and P({class_name!r}) on "
            f"{on_class!r} rows; evaluated feature_factors: {sorted({p.feature_factor for p in grid.points})}"
        )
    chosen, fallback = _pick(candidates, grid.base.lms, utility_ratio, label=repr(class_name))
    entry = _entry(chosen, fallback, grid.base.lms, value_of(grid.base))
    entry["strengthen"] = increase
    return entry


def _metric_entry(records: Sequence[Mapping[str, Any]], metric: str, utility_ratio: float) -> dict[str, Any]:
    base = next(r for r in records if r["id"] == BASE_ID)
    if metric not in base:
        raise ValueError(
            f"summary_metrics names {metric!r}, which the grid records lack (columns: {sorted(base)}); "
            "pass a summary_extractor that adds it"
        )
    candidates = [
        _Candidate(
            str(r["id"]),
            float(r["feature_factor"]),
            float(r["learning_rate"]),
            float(r["lms"]),
            float(r[metric]),
        )
        for r in records
        if r["id"] != BASE_ID
    ]
    if not candidates:
        raise ValueError("the decoder grid holds no rewritten points to select from")
    chosen, fallback = _pick(candidates, float(base["lms"]), utility_ratio, label=f"metric {metric!r}")
    entry = _entry(chosen, fallback, float(base["lms"]), float(base[metric]))
    entry["metric"] = metric
    return entry


def _candidate(point: GridPoint, value: float) -> _Candidate:
    return _Candidate(point.id, point.feature_factor, point.learning_rate, point.scores.lms, value)


def _pick(
    candidates: list[_Candidate], base_lms: float, utility_ratio: float, *, label: str
) -> tuple[_Candidate, bool]:
    """Largest value among utility-keeping candidates (ties: smaller |lr|), else smallest |lr|."""
    kept = [c for c in candidates if c.lms >= utility_ratio * base_lms]
    if kept:
        return max(kept, key=lambda c: (c.value, -abs(c.learning_rate))), False
    chosen = min(candidates, key=lambda c: (abs(c.learning_rate), -c.value))
    logger.warning(
        "no decoder grid point for %s keeps lms >= %g x base lms (%.4g); falling back to the smallest "
        "learning rate %g (lms %.4g)",
        label,
        utility_ratio,
        base_lms,
        chosen.learning_rate,
        chosen.lms,
    )
    return chosen, True


def _entry(chosen: _Candidate, fallback: bool, base_lms: float, base_value: float) -> dict[str, Any]:
    return {
        "value": chosen.value,
        "feature_factor": chosen.feature_factor,
        "learning_rate": chosen.learning_rate,
        "id": chosen.id,
        "lms": chosen.lms,
        "base_lms": base_lms,
        "base_value": base_value,
        "delta": chosen.value - base_value,
        "utility": chosen.lms,
        "base_utility": base_lms,
        "fallback": fallback,
    }


__all__ = [
    "TARGETS",
    "SummaryExtractor",
    "class_value",
    "default_feature_factor",
    "summarize_decoder_grid",
]
