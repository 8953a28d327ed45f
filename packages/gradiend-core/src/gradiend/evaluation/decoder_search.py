"""The adaptive decoder search: the grid's selected rewrite from a fraction of its points.

The exhaustive grid (``decoder_search="grid"``) scores every ``(feature_factor, learning_rate)``.
The adaptive search (``decoder_search="adaptive"``, the default) scores only what the selection rule
of :mod:`gradiend.evaluation.selection` needs for the requested classes:

1. **Directions.** Only feature factors whose sign strengthens (or weakens) a requested class are
   searched (:func:`~gradiend.evaluation.selection.default_feature_factor`); each is scored on the
   training-like rows its value is measured on (the other class's rows to strengthen, the class's
   own rows to weaken) plus the neutral rows of the utility score.
2. **Learning-rate axis.** Per factor, the grid's learning rates are scanned from the largest down
   (the strongest rewrite first). Points that break the utility (``lms < utility_ratio * base_lms``)
   cannot be selected and are passed over; among the admissible ones the largest value so far is
   kept, and the scan stops at the first admissible point whose value is below it. The points
   below are not scored.
   Where the modality scores the utility alone (``evaluate_utility``), a point's utility is scored
   first, stopping once it is certain to fall below the threshold; such a point is recorded
   utility-only (no probabilities, ``extras["utility_only"] = 1``, and with
   ``extras["lms_complete"] = 0`` its ``lms`` is an upper bound).
3. **Reuse.** One snapshot of the selected parameters, ``decoder(f)`` once per factor, one scorer per
   set of rows, and every point scored at most once.

When it equals the grid. The grid selects, per class, the admissible point of the largest value
(ties: the smaller rate). The scan finds the same point whenever, per factor, the value over the
admissible rates, read from the largest rate down, does not rise again after its first strict
drop -- true when the value grows with the rate over the admissible rates (a stronger rewrite moves
the probability further), the usual shape. Admissibility itself need not be monotone: a utility
that dips below the threshold and recovers (a quantised accuracy on few rows does) is handled, as
every rate above the stopping point is scored. Ties are kept (the scan continues on an equal value,
so the smaller rate wins as in the grid). The fallback (no admissible point) scores every rate, as
the grid does. The tests check the equality on the tiny masked and causal LMs, the digits CNN and the
toy modality; a model whose value is not of this shape can select another point: use
``decoder_search="grid"`` there. The result's ``"grid"`` records list only the points evaluated,
and their probability columns only the classes those points were scored on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

import torch
from torch import nn

from gradiend.definition import BaseModelScores, DecoderEvalData, UtilityScore
from gradiend.evaluation.decoder_grid import DecoderGrid, GridPoint, ScoreFn, unique_finite_values
from gradiend.evaluation.selection import class_value, default_feature_factor

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend

logger = logging.getLogger(__name__)

T = TypeVar("T")

SEARCH_MODES: tuple[str, ...] = ("adaptive", "grid")
"""Values of ``decoder_search``: the adaptive search (default) and the exhaustive grid."""

DataScoreFn = Callable[[DecoderEvalData], ScoreFn]
"""``eval data -> score function``: builds the scorer of a model on the given rows."""


def check_search_mode(value: object) -> str:
    """``value`` if it is one of :data:`SEARCH_MODES`; ValueError naming ``decoder_search`` otherwise."""
    if value not in SEARCH_MODES:
        raise ValueError(f"decoder_search must be one of {list(SEARCH_MODES)}, got {value!r}")
    return str(value)


@dataclass(frozen=True)
class Direction:
    """One searched feature factor: the class it serves and how its value is read from scores."""

    feature_factor: float
    class_name: str
    on_class: str
    increase: bool

    def value(self, scores: BaseModelScores) -> float:
        """The selection value of ``scores`` for this direction's class."""
        probability = scores.probability(self.class_name, self.on_class)
        return probability if self.increase else 1.0 - probability


def search_directions(
    feature_factors: Sequence[float],
    pair: tuple[str, str],
    classes: Sequence[str],
    *,
    increase: bool,
    target: str,
) -> list[Direction]:
    """The feature factors a requested class selects from, each with its class (others are skipped)."""
    factors = unique_finite_values("feature_factors", feature_factors)
    directions: list[Direction] = []
    for class_name in classes:
        sign = default_feature_factor(class_name, pair, target, increase=increase)
        on_class = class_value(class_name, pair, increase)
        directions.extend(Direction(f, class_name, on_class, increase) for f in factors if f * sign > 0)
    return directions


UtilityFn = Callable[[nn.Module, float | None], UtilityScore | None]
"""``(model, minimum) -> utility score`` (``None``: the modality has no utility-only scoring)."""

DataUtilityFn = Callable[[DecoderEvalData], UtilityFn]
"""``eval data -> utility function`` on the data's neutral rows."""


class _PointScorer:
    """Scores points on one model: one snapshot, ``decoder(f)`` once per factor, each point once."""

    def __init__(
        self,
        model: ModelWithGradiend,
        score_for: Callable[[str], ScoreFn],
        utility: UtilityFn | None,
    ) -> None:
        self.model = model
        self.score_for = score_for
        self.utility = utility
        self.points: dict[tuple[float, float], GridPoint] = {}
        self.full: set[tuple[float, float]] = set()
        self._factor: float | None = None
        self._delta: torch.Tensor | None = None
        self._snapshot: list[torch.Tensor] | None = None

    def _rewritten(self, direction: Direction, learning_rate: float, run: Callable[[nn.Module], T]) -> T:
        """``run(base model)`` with the point applied in place, the weights restored afterwards."""
        if self._delta is None or self._factor != direction.feature_factor:
            self._delta = None  # free the previous factor's delta before decoding the next one
            self._delta = self.model.decoder_delta(direction.feature_factor).to(self.model.device)
            self._factor = direction.feature_factor
        delta = self._delta
        base_model, param_map = self.model.base_model, self.model.param_map
        if self._snapshot is None:
            self._snapshot = param_map.snapshot(base_model)
        try:
            with torch.no_grad():
                param_map.apply_delta_(base_model, delta, learning_rate)
            return run(base_model)
        finally:
            with torch.no_grad():
                param_map.restore_(base_model, self._snapshot)

    def breaks_utility(self, direction: Direction, learning_rate: float, threshold: float) -> bool:
        """Whether the utility alone shows the point inadmissible (recorded as a utility-only point)."""
        utility = self.utility
        key = (direction.feature_factor, learning_rate)
        if utility is None or key in self.points:
            return key in self.points and self.points[key].scores.lms < threshold
        result = self._rewritten(direction, learning_rate, lambda model: utility(model, threshold))
        if result is None or result.lms >= threshold:
            return False
        extras = {"utility_only": 1.0, "lms_complete": float(result.complete)}
        scores = BaseModelScores(probabilities={}, lms=result.lms, extras=extras)
        self.points[key] = GridPoint(direction.feature_factor, learning_rate, scores)
        return True

    def __call__(self, direction: Direction, learning_rate: float) -> GridPoint:
        """The point scored in full (probabilities on the direction's rows and the utility)."""
        key = (direction.feature_factor, learning_rate)
        if key in self.full:
            return self.points[key]
        scores = self._rewritten(direction, learning_rate, self.score_for(direction.on_class))
        point = GridPoint(direction.feature_factor, learning_rate, scores)
        self.points[key] = point
        self.full.add(key)
        logger.debug("decoder search: scored %s (lms %.4g)", point.id, scores.lms)
        return point


def _search_direction(
    scorer: _PointScorer, direction: Direction, rates: Sequence[float], threshold: float
) -> None:
    """Scan the rates from the largest down; stop at the first admissible drop of the value.

    Inadmissible points are passed over (they cannot be selected; where the modality scores the
    utility alone, their probabilities are not scored); among the admissible ones the value is
    tracked, and the scan ends at the first admissible point whose value is below the best so far.
    When no point is admissible, the smallest rate (the fallback) is scored in full.
    """
    best: float | None = None
    descending = sorted(rates, reverse=True)
    for learning_rate in descending:
        if scorer.breaks_utility(direction, learning_rate, threshold):
            continue
        scores = scorer(direction, learning_rate).scores
        if scores.lms < threshold:
            continue
        value = direction.value(scores)
        if best is not None and value < best:
            return
        best = value
    if best is None:
        scorer(direction, descending[-1])


def adaptive_decoder_search(
    model_with_gradiend: ModelWithGradiend,
    score_on: DataScoreFn,
    eval_data: DecoderEvalData,
    directions: Sequence[Direction],
    learning_rates: Sequence[float],
    *,
    utility_ratio: float,
    utility_on: DataUtilityFn | None = None,
    base: BaseModelScores | None = None,
) -> DecoderGrid:
    """Score the base model and the points the selection needs (see the module docstring).

    Args:
        model_with_gradiend: the base model, its parameter map and the trained GRADIEND.
        score_on: builds the scorer for given evaluation rows (the base model is scored on all of
            ``eval_data``, each direction's points on its ``on_class`` rows and the neutral rows).
        eval_data: the decoder-evaluation data.
        directions: the searched feature factors (:func:`search_directions`).
        learning_rates: the grid's learning rates (all > 0).
        utility_ratio: admissible points keep ``lms >= utility_ratio * base_lms``.
        utility_on: builds the utility-only scorer (``FeatureLearningDefinition.evaluate_utility``);
            used only when it reproduces the base model's ``lms`` exactly.
        base: the base model's scores when already known.

    Returns:
        A :class:`DecoderGrid` of the evaluated points (per direction in the order scored); the
        base model's weights are bit-exactly restored, also when scoring raises.
    """
    rates = sorted(unique_finite_values("learning_rates", learning_rates))
    if rates[0] <= 0:
        raise ValueError(f"the adaptive decoder search needs learning rates > 0, got {list(learning_rates)}")
    if not directions:
        raise ValueError("the adaptive decoder search got no direction to search")
    if base is None:
        base = score_on(eval_data)(model_with_gradiend.base_model)
    scorers: dict[str, ScoreFn] = {}

    def score_for(on_class: str) -> ScoreFn:
        if on_class not in scorers:
            scorers[on_class] = score_on(_rows_of(eval_data, on_class))
        return scorers[on_class]

    utility = _checked_utility(utility_on, eval_data, model_with_gradiend.base_model, base.lms)
    scorer = _PointScorer(model_with_gradiend, score_for, utility)
    for direction in directions:
        _search_direction(scorer, direction, rates, utility_ratio * base.lms)
    logger.info(
        "decoder search (adaptive): %d of %d grid points scored (%d in full) for %d direction(s)",
        len(scorer.points),
        len(rates) * len({d.feature_factor for d in directions}),
        len(scorer.full),
        len(directions),
    )
    return DecoderGrid(base=base, points=list(scorer.points.values()))


def _checked_utility(
    utility_on: DataUtilityFn | None, eval_data: DecoderEvalData, model: nn.Module, base_lms: float
) -> UtilityFn | None:
    """The utility-only scorer if it reproduces the full scoring's base ``lms``; else None (logged)."""
    if utility_on is None:
        return None
    utility = utility_on(eval_data)
    check = utility(model, None)
    if check is None:
        return None
    if check.lms != base_lms or not check.complete:
        logger.warning(
            "decoder search: evaluate_utility gives lms %r on the base model, the full scoring %r; "
            "scoring every point in full",
            check.lms,
            base_lms,
        )
        return None
    return utility


def _rows_of(eval_data: DecoderEvalData, on_class: str) -> DecoderEvalData:
    frame = eval_data.training_like
    if "feature_class" not in frame.columns:
        return eval_data
    rows = frame[frame["feature_class"].astype(str) == on_class]
    if rows.empty:
        raise ValueError(
            f"the decoder-evaluation data has no training-like rows of class {on_class!r}; "
            f"classes present: {sorted(frame['feature_class'].astype(str).unique())}"
        )
    return replace(eval_data, training_like=rows)


__all__ = [
    "SEARCH_MODES",
    "DataScoreFn",
    "DataUtilityFn",
    "Direction",
    "UtilityFn",
    "adaptive_decoder_search",
    "check_search_mode",
    "search_directions",
]
