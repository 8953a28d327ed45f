"""The decoder grid: score the base model rewritten as ``theta + lr * decoder(f)`` for many ``(f, lr)``.

The base model is rewritten in place and restored from one snapshot of the selected parameters
after every grid point; it is never deep-copied. :func:`evaluate_grid_points` is the unit of work
(a group of points on one model), so an executor can hand groups of points to workers.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import numbers
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from gradiend.definition import BaseModelScores
from gradiend.utils.result_records import BASE_ID

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend

logger = logging.getLogger(__name__)

ScoreFn = Callable[[nn.Module], BaseModelScores]
"""Scores one (possibly rewritten) base model."""


@dataclass
class GridPoint:
    """One rewritten model: ``theta + learning_rate * decoder(feature_factor)`` and its scores."""

    feature_factor: float
    learning_rate: float
    scores: BaseModelScores

    @property
    def id(self) -> str:
        """A readable key such as ``"ff=+1_lr=0.01"``."""
        return point_id(self.feature_factor, self.learning_rate)

    def to_record(self) -> dict[str, Any]:
        """A flat dict: id, feature_factor, learning_rate and the :func:`scores_record` columns."""
        return {
            "id": self.id,
            "feature_factor": self.feature_factor,
            "learning_rate": self.learning_rate,
            **scores_record(self.scores),
        }


def point_id(feature_factor: float, learning_rate: float) -> str:
    """The id of grid point ``(feature_factor, learning_rate)``, e.g. ``"ff=-1_lr=0.005"``."""
    return f"ff={feature_factor:+g}_lr={learning_rate:g}"


def scores_record(scores: BaseModelScores) -> dict[str, Any]:
    """Flat columns of one model's scores: ``lms``, ``prob__<on_class>__<target>``, ``extra__<name>``."""
    record: dict[str, Any] = {"lms": scores.lms}
    for on_class, by_target in scores.probabilities.items():
        for target_class, probability in by_target.items():
            record[f"prob__{on_class}__{target_class}"] = probability
    for name, value in scores.extras.items():
        record[f"extra__{name}"] = value
    return record


@dataclass
class DecoderGrid:
    """The scores of the base model and of every evaluated grid point."""

    base: BaseModelScores
    points: list[GridPoint]

    def to_records(self) -> list[dict[str, Any]]:
        """Flat records, the base model first (id ``"base"``, feature_factor and learning_rate 0.0)."""
        base = {"id": BASE_ID, "feature_factor": 0.0, "learning_rate": 0.0, **scores_record(self.base)}
        return [base, *(p.to_record() for p in self.points)]

    def to_frame(self) -> pd.DataFrame:
        """The records of :meth:`to_records` as a DataFrame (one row per model, the base first)."""
        return pd.DataFrame.from_records(self.to_records())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; :meth:`from_dict` restores the grid from it."""
        return {
            "base": dataclasses.asdict(self.base),
            "points": [
                {
                    "feature_factor": p.feature_factor,
                    "learning_rate": p.learning_rate,
                    "scores": dataclasses.asdict(p.scores),
                }
                for p in self.points
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecoderGrid:
        """Rebuild a grid written by :meth:`to_dict` (for example from a JSON cache file)."""
        try:
            return cls(
                base=_scores_from_dict(data["base"]),
                points=[
                    GridPoint(
                        float(p["feature_factor"]), float(p["learning_rate"]), _scores_from_dict(p["scores"])
                    )
                    for p in data["points"]
                ],
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"data is not a DecoderGrid dict (keys 'base' and 'points'): {error}") from error


def _scores_from_dict(data: dict[str, Any]) -> BaseModelScores:
    return BaseModelScores(
        probabilities={
            str(c): {str(t): float(p) for t, p in by.items()} for c, by in data["probabilities"].items()
        },
        lms=float(data["lms"]),
        extras={str(k): float(v) for k, v in data.get("extras", {}).items()},
    )


def evaluate_decoder_grid(
    model_with_gradiend: ModelWithGradiend,
    score: ScoreFn,
    feature_factors: Sequence[float],
    learning_rates: Sequence[float],
    *,
    base: BaseModelScores | None = None,
    progress: bool = True,
) -> DecoderGrid:
    """Score the base model and every rewrite ``theta + lr * decoder(f)`` over the grid.

    Args:
        model_with_gradiend: the base model, its parameter map and the trained GRADIEND.
        score: scores one base model (called on ``model_with_gradiend.base_model``).
        feature_factors: the values ``f`` to decode (duplicates are dropped).
        learning_rates: the step sizes ``lr`` (duplicates are dropped).
        base: scores of the unchanged base model when already known; otherwise computed once.
        progress: show a progress bar over the grid points.

    Returns:
        The base scores and one :class:`GridPoint` per ``(f, lr)``, in feature-factor-major order.
        The base model's weights are bit-exactly what they were before, also when ``score`` raises.
    """
    factors = unique_finite_values("feature_factors", feature_factors)
    rates = unique_finite_values("learning_rates", learning_rates)
    if base is None:
        with _timed("decoder grid: base model scoring"):
            base = score(model_with_gradiend.base_model)
    points = [(f, lr) for f in factors for lr in rates]
    with _timed(f"decoder grid: {len(points)} points"):
        evaluated = evaluate_grid_points(model_with_gradiend, score, points, progress=progress)
    return DecoderGrid(base=base, points=evaluated)


def evaluate_grid_points(
    model_with_gradiend: ModelWithGradiend,
    score: ScoreFn,
    points: Sequence[tuple[float, float]],
    *,
    progress: bool = False,
) -> list[GridPoint]:
    """Score the rewrites of a group of ``(feature_factor, learning_rate)`` points on one model.

    ``decoder(f)`` is computed once per distinct feature factor (and moved to the base model's
    device once, not once per learning rate); one snapshot of the selected
    parameters is taken; each point is applied in place, scored and restored from the snapshot
    (in a ``finally``, so an exception in ``score`` leaves the weights unchanged). Results keep the
    order of ``points``.
    """
    if not points:
        return []
    model = model_with_gradiend.base_model
    param_map = model_with_gradiend.param_map
    results: dict[int, GridPoint] = {}
    bar = tqdm(total=len(points), desc="decoder grid", unit="point", disable=not progress)
    snapshot = param_map.snapshot(model)
    try:
        for factor, indexed in _group_by_factor(points):
            delta = model_with_gradiend.decoder_delta(factor).to(model_with_gradiend.device)
            for index, learning_rate in indexed:
                try:
                    with torch.no_grad():
                        param_map.apply_delta_(model, delta, learning_rate)
                    results[index] = GridPoint(factor, learning_rate, score(model))
                finally:
                    with torch.no_grad():
                        param_map.restore_(model, snapshot)
                bar.update(1)
            del delta
    finally:
        bar.close()
    return [results[i] for i in range(len(points))]


def _group_by_factor(
    points: Sequence[tuple[float, float]],
) -> Iterator[tuple[float, list[tuple[int, float]]]]:
    """Yield ``(factor, [(position, lr), ...])`` in order of first appearance of each factor."""
    groups: dict[float, list[tuple[int, float]]] = {}
    for index, (factor, learning_rate) in enumerate(points):
        groups.setdefault(float(factor), []).append((index, float(learning_rate)))
    yield from groups.items()


def unique_finite_values(name: str, values: Iterable[float]) -> list[float]:
    """The distinct values in order; ValueError naming ``name`` for non-finite or no values."""
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of numbers, got {values!r}")
    result: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"{name} must hold finite numbers, got {value!r} in {list(values)!r}")
        if float(value) not in result:
            result.append(float(value))
    if not result:
        raise ValueError(f"{name} must not be empty")
    return result


@contextmanager
def _timed(phase: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    logger.info("%s took %.2f s", phase, time.perf_counter() - start)


__all__ = [
    "BASE_ID",
    "DecoderGrid",
    "GridPoint",
    "ScoreFn",
    "evaluate_decoder_grid",
    "evaluate_grid_points",
    "point_id",
    "scores_record",
]
