"""The decoder grid as units of work: groups of grid points, each group scored on one worker.

The base model's score and the ``(feature_factor, learning_rate)`` points are split into one
contiguous group per worker. A worker rewrites its own copy of the base model in place and restores
it after each point (:func:`~gradiend.evaluation.decoder_grid.evaluate_grid_points`); its model is
unpickled (or, in process, taken as is) once per worker, not once per point. A unit receives the score
function (a :class:`BaseModelScorer`, which pickles with its run), never the Evaluator.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from torch import nn

from gradiend.definition import BaseModelScores, DecoderEvalData
from gradiend.evaluation.decoder_grid import (
    DecoderGrid,
    GridPoint,
    ScoreFn,
    evaluate_grid_points,
    unique_finite_values,
)
from gradiend.executors.base import Executor, split_groups

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.run_context import RunContext

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GridGroup:
    """One group of work: some grid points, and whether to score the unchanged base model too."""

    points: tuple[tuple[float, float], ...]
    with_base: bool


class BaseModelScorer:
    """Scores one base model through a run's ``gradiend_evaluate_base_model`` hook (picklable).

    Args:
        context: the run whose hook scores (pickles with it, see ``Trainer.__getstate__``).
        eval_data: the decoder-evaluation data.
        batch_size: scoring batch size.
    """

    def __init__(self, context: RunContext, eval_data: DecoderEvalData, batch_size: int) -> None:
        self.context = context
        self.eval_data = eval_data
        self.batch_size = batch_size

    def __call__(self, model: nn.Module) -> BaseModelScores:
        """The scores of ``model`` on the evaluation data."""
        context = self.context
        return context.hook.gradiend_evaluate_base_model(
            trainer=context, base_model=model, eval_data=self.eval_data, batch_size=self.batch_size
        )


@dataclass
class GridState:
    """A worker's state: the model it rewrites and the function that scores it."""

    model: ModelWithGradiend
    score: ScoreFn
    progress: bool


class GridWork:
    """The setup of decoder-grid workers (picklable when its score function is).

    Args:
        score: scores one base model (e.g. a :class:`BaseModelScorer`).
        model: the base model with its trained GRADIEND.
        progress: show a progress bar per group.
    """

    def __init__(self, score: ScoreFn, model: ModelWithGradiend, progress: bool = True) -> None:
        self.score = score
        self.model = model
        self.progress = progress

    def __call__(self) -> GridState:
        """Build the worker state (runs once per worker)."""
        return GridState(self.model, self.score, self.progress)


def evaluate_group(state: GridState, group: GridGroup) -> tuple[BaseModelScores | None, list[GridPoint]]:
    """Score a group: the base model (when asked), then each point, restoring the weights after each."""
    base = state.score(state.model.base_model) if group.with_base else None
    points = evaluate_grid_points(state.model, state.score, list(group.points), progress=state.progress)
    return base, points


def grid_points(
    feature_factors: Sequence[float], learning_rates: Sequence[float]
) -> list[tuple[float, float]]:
    """The ``(f, lr)`` pairs in feature-factor-major order (duplicates dropped, values checked)."""
    factors = unique_finite_values("feature_factors", feature_factors)
    rates = unique_finite_values("learning_rates", learning_rates)
    return [(f, lr) for f in factors for lr in rates]


def evaluate_grid(
    executor: Executor,
    work: GridWork,
    feature_factors: Sequence[float],
    learning_rates: Sequence[float],
) -> DecoderGrid:
    """The decoder grid, its groups run on ``executor`` (one group per worker, the base score first).

    Gives the same grid as :func:`~gradiend.evaluation.decoder_grid.evaluate_decoder_grid`.
    """
    points = grid_points(feature_factors, learning_rates)
    if not executor.in_process:
        work = GridWork(work.score, work.model, progress=False)
    # Position 0 is the base model, so it counts towards the balance of the groups like a point.
    groups = split_groups(len(points) + 1, executor.workers, None)
    items = [
        GridGroup(points=tuple(points[i - 1] for i in group if i > 0), with_base=0 in group)
        for group in groups
    ]
    start = time.perf_counter()
    results = executor.map_with_setup(work, evaluate_group, items, group_size=1)
    logger.info(
        "decoder grid: base + %d points in %d group(s) on %r took %.2f s",
        len(points), len(items), executor, time.perf_counter() - start,
    )  # fmt: skip
    base = results[0][0]
    if base is None:
        raise RuntimeError("the first decoder-grid group did not score the base model")
    return DecoderGrid(base=base, points=[point for _, group_points in results for point in group_points])


__all__ = [
    "BaseModelScorer",
    "GridGroup",
    "GridState",
    "GridWork",
    "evaluate_grid",
    "evaluate_group",
    "grid_points",
]
