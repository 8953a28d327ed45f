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
   cannot be selected and are passed over. Until a point is admissible, a point's utility is
   scored first (where the modality scores it alone, ``evaluate_utility``), stopping once it is
   certain to fall below the threshold; such a point is recorded utility-only (no probabilities,
   ``extras["utility_only"] = 1``, and with ``extras["lms_complete"] = 0`` its ``lms`` is an upper
   bound). The first admissible point is scored in full and its value is the best so far. Below
   it, a point's value is scored first (where the modality scores the probabilities alone,
   ``evaluate_probabilities``): a value below the best cannot be selected whatever the utility, so
   the point is recorded probabilities-only (``lms`` NaN, ``extras["probabilities_only"] = 1``);
   a value at least the best needs the utility too, and an admissible such point becomes the best.
3. **Reuse.** One snapshot of the selected parameters, ``decoder(f)`` once per factor, one scorer per
   set of rows, and every part of a point scored at most once. Where the modality scores both
   parts alone, a point's full scores are put together from them (the utility pass that admitted
   it is kept and only the probabilities are added), and the unchanged base model is scored from
   the two parts as well; the modality promises that this equals its full scoring
   (:func:`gradiend.testing.check_definition_contract` checks it).

Why it equals the grid. The grid selects, per class, the admissible point of the largest value
(ties: the smaller rate); when no point is admissible, the smallest rate. The search resolves every
rate of every searched factor: each point is shown inadmissible (its utility), or shown to have a
value below an admissible point's (its probabilities), or scored in full. So it selects the grid's
point on any model, without assuming a shape of the value or the utility over the rates. Where
the modality scores neither part alone, the points below the first admissible one are scored in
full. The fallback (no admissible point) has every rate's utility scored and the smallest rate
scored in full, as the grid does. The result's ``"grid"`` records list only the points evaluated,
and their probability columns only the classes those points were scored on.
"""

from __future__ import annotations

import logging
import math
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

ProbabilityFn = Callable[[nn.Module], "dict[str, dict[str, float]] | None"]
"""``model -> probabilities`` on some training-like rows (``None``: the modality has no such scoring)."""

DataProbabilityFn = Callable[[DecoderEvalData, "Sequence[str] | None"], ProbabilityFn]
"""``(eval data, target classes) -> probability function`` on the data's training-like rows, for the
given target classes (``None``: all)."""


@dataclass(frozen=True)
class PointParts:
    """A modality's scoring in two parts: the neutral rows' utility, the training-like rows' probabilities.

    ``scores(model)`` is the full scoring put together from the parts (see the module docstring).
    """

    utility: UtilityFn
    probabilities: ProbabilityFn

    def scores(self, model: nn.Module, utility: UtilityScore | None = None) -> BaseModelScores:
        """The full scores of ``model``; ``utility``: its complete utility pass when already done."""
        if utility is None:
            utility = self.utility(model, None)
        probabilities = self.probabilities(model)
        if utility is None or probabilities is None or not utility.complete:
            raise RuntimeError("the modality stopped offering evaluate_utility/evaluate_probabilities")
        return BaseModelScores(probabilities=probabilities, lms=utility.lms, extras=dict(utility.extras))


class _PointScorer:
    """Scores points on one model: one snapshot, ``decoder(f)`` once per factor, each part once per point.

    A point's parts are kept as they are scored: its utility (when admissible) and its probabilities
    on the direction's rows (where the modality scores them alone); the full scores are put
    together from them, so no rows are scored twice.
    """

    def __init__(
        self,
        model: ModelWithGradiend,
        score_for: Callable[[str], ScoreFn],
        utility: UtilityFn | None,
        parts_for: Callable[[Direction], PointParts] | None = None,
    ) -> None:
        self.model = model
        self.score_for = score_for
        self.utility = utility
        self.parts_for = parts_for
        self.points: dict[tuple[float, float], GridPoint] = {}
        self.full: set[tuple[float, float]] = set()
        self.utilities: dict[tuple[float, float], UtilityScore] = {}
        self.probabilities: dict[tuple[float, float], dict[str, dict[str, float]]] = {}
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
        if key in self.full or key in self.utilities:
            return key in self.full and self.points[key].scores.lms < threshold
        if utility is None:
            return False
        result = self._rewritten(direction, learning_rate, lambda model: utility(model, threshold))
        if result is None:
            return False
        if result.lms >= threshold:
            self.utilities[key] = result  # kept: the full scores of this point are put together from it
            return False
        extras = {"utility_only": 1.0, "lms_complete": float(result.complete)}
        scores = BaseModelScores(probabilities={}, lms=result.lms, extras=extras)
        self.points[key] = GridPoint(direction.feature_factor, learning_rate, scores)
        return True

    def value(self, direction: Direction, learning_rate: float) -> float | None:
        """The point's selection value from its probabilities alone; None where they are not offered.

        The point is recorded probabilities-only (``lms`` NaN) until it is scored in full.
        """
        key = (direction.feature_factor, learning_rate)
        if key in self.full:
            return direction.value(self.points[key].scores)
        if self.parts_for is None:
            return None
        if key not in self.probabilities:
            probabilities = self.parts_for(direction).probabilities
            self.probabilities[key] = self._rewritten(direction, learning_rate, _required(probabilities))
            extras = {"probabilities_only": 1.0}
            scores = BaseModelScores(probabilities=self.probabilities[key], lms=math.nan, extras=extras)
            self.points[key] = GridPoint(direction.feature_factor, learning_rate, scores)
        return direction.value(self.points[key].scores)

    def __call__(self, direction: Direction, learning_rate: float) -> GridPoint:
        """The point scored in full (probabilities on the direction's rows and the utility)."""
        key = (direction.feature_factor, learning_rate)
        if key in self.full:
            return self.points[key]
        utility, probabilities = self.utilities.get(key), self.probabilities.get(key)
        if self.parts_for is None:
            scores = self._rewritten(direction, learning_rate, self.score_for(direction.on_class))
        elif utility is not None and probabilities is not None:
            extras = dict(utility.extras)
            scores = BaseModelScores(probabilities=probabilities, lms=utility.lms, extras=extras)
        else:
            parts = self.parts_for(direction)
            scores = self._rewritten(direction, learning_rate, lambda model: parts.scores(model, utility))
        point = GridPoint(direction.feature_factor, learning_rate, scores)
        self.points[key] = point
        self.full.add(key)
        logger.debug("decoder search: scored %s (lms %.4g)", point.id, scores.lms)
        return point


def _required(probabilities: ProbabilityFn) -> Callable[[nn.Module], dict[str, dict[str, float]]]:
    """``probabilities`` that raises where the modality stopped offering them."""

    def run(model: nn.Module) -> dict[str, dict[str, float]]:
        result = probabilities(model)
        if result is None:
            raise RuntimeError("the modality stopped offering evaluate_probabilities")
        return result

    return run


def _search_direction(
    scorer: _PointScorer, direction: Direction, rates: Sequence[float], threshold: float
) -> None:
    """Resolve every rate of one direction: each point is either shown inadmissible or out-valued.

    From the largest rate down, until a point is admissible, each point's utility is scored first
    (stopping early where it breaks the threshold); an admissible point is scored in full and its
    value becomes the best. Below it, each point's value is scored first: a point whose value is
    below the best cannot be selected whatever its utility, so its utility is not scored; one with a
    value at least the best is scored in full and, when admissible, becomes the best (an equal value
    at a smaller rate wins, as in the grid). When no point is admissible, the smallest rate (the
    fallback) is scored in full.
    """
    best: float | None = None
    descending = sorted(rates, reverse=True)
    for learning_rate in descending:
        if best is not None:
            value = scorer.value(direction, learning_rate)
            if value is not None and value < best:
                continue
        if scorer.breaks_utility(direction, learning_rate, threshold):
            continue
        scores = scorer(direction, learning_rate).scores
        if scores.lms < threshold:
            continue
        value = direction.value(scores)
        if best is None or value >= best:
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
    probabilities_on: DataProbabilityFn | None = None,
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
            without ``probabilities_on``, used only when it reproduces the base model's ``lms`` exactly.
        base: the base model's scores when already known.
        probabilities_on: builds the probability-only scorer for given rows and target classes
            (``FeatureLearningDefinition.evaluate_probabilities``); with ``utility_on``, points are
            scored from the two parts (see the module docstring), each point on its direction's
            rows for its direction's class only.

    Returns:
        A :class:`DecoderGrid` of the evaluated points (per direction in the order scored); the
        base model's weights are bit-exactly restored, also when scoring raises.
    """
    rates = sorted(unique_finite_values("learning_rates", learning_rates))
    if rates[0] <= 0:
        raise ValueError(f"the adaptive decoder search needs learning rates > 0, got {list(learning_rates)}")
    if not directions:
        raise ValueError("the adaptive decoder search got no direction to search")
    base_model = model_with_gradiend.base_model
    scorers: dict[str, ScoreFn] = {}

    def score_for(on_class: str) -> ScoreFn:
        if on_class not in scorers:
            scorers[on_class] = score_on(_rows_of(eval_data, on_class))
        return scorers[on_class]

    two_part = _two_part_base(utility_on, probabilities_on, eval_data, base_model)
    if two_part is None:
        if base is None:
            base = score_on(eval_data)(base_model)
        utility = _checked_utility(utility_on, eval_data, base_model, base.lms)
        scorer = _PointScorer(model_with_gradiend, score_for, utility)
    else:
        utility, scored_base, parts_for = two_part
        base = base or scored_base
        scorer = _PointScorer(model_with_gradiend, score_for, utility, parts_for)
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


def _two_part_base(
    utility_on: DataUtilityFn | None,
    probabilities_on: DataProbabilityFn | None,
    eval_data: DecoderEvalData,
    model: nn.Module,
) -> tuple[UtilityFn, BaseModelScores, Callable[[Direction], PointParts]] | None:
    """Where the modality offers both parts: the utility scorer, base scores and per-direction parts."""
    if utility_on is None or probabilities_on is None:
        return None
    utility = utility_on(eval_data)
    base_utility = utility(model, None)
    if base_utility is None:
        return None
    if not base_utility.complete:
        raise RuntimeError("evaluate_utility returned an incomplete score without a minimum")
    probabilities = probabilities_on(eval_data, None)(model)
    if probabilities is None:
        return None
    extras = dict(base_utility.extras)
    base = BaseModelScores(probabilities=probabilities, lms=base_utility.lms, extras=extras)
    return utility, base, _parts_per_direction(utility, probabilities_on, eval_data)


def _parts_per_direction(
    utility: UtilityFn, probabilities_on: DataProbabilityFn, eval_data: DecoderEvalData
) -> Callable[[Direction], PointParts]:
    """``direction -> PointParts``: its class's probability on its rows (built once per direction kind)."""
    built: dict[tuple[str, str], PointParts] = {}

    def parts_for(direction: Direction) -> PointParts:
        key = (direction.on_class, direction.class_name)
        if key not in built:
            rows = _rows_of(eval_data, direction.on_class)
            built[key] = PointParts(utility, probabilities_on(rows, [direction.class_name]))
        return built[key]

    return parts_for


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
    "DataProbabilityFn",
    "DataScoreFn",
    "DataUtilityFn",
    "Direction",
    "PointParts",
    "ProbabilityFn",
    "UtilityFn",
    "adaptive_decoder_search",
    "check_search_mode",
    "search_directions",
]
