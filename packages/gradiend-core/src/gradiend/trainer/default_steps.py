"""The core's implementations of the two generic definition steps (gradient dataset, encoder analysis)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pandas as pd
import pluggy

from gradiend.definition import FeatureLearningDefinition, normalize_split
from gradiend.evaluation.encoding import encode_rows
from gradiend.gradients.dataset import GradientTrainingDataset
from gradiend.utils.progress import progress_enabled

if TYPE_CHECKING:
    from gradiend.executors.base import Executor
    from gradiend.model.with_gradiend import ModelWithGradiend


class CoreDefinitionSteps(FeatureLearningDefinition, ABC):
    """Implements ``create_gradient_training_dataset`` and ``analyze_encoder`` for every modality."""

    _active_executor: Executor | None = None

    @property
    def active_executor(self) -> Executor | None:
        """The executor that ``analyze_encoder`` shards its gradients on (``None``: here, row by row)."""
        return self._active_executor

    def progress_bars(self) -> bool:
        """Whether long steps show progress bars (here: unless ``TQDM_DISABLE`` is set)."""
        return progress_enabled()

    @contextmanager
    def running_on(self, executor: Executor | None) -> Iterator[None]:
        """Inside the block, encoder analysis computes its gradients on ``executor``."""
        previous, self._active_executor = self._active_executor, executor
        try:
            yield
        finally:
            self._active_executor = previous

    @property
    @abstractmethod
    def hook(self) -> pluggy.HookRelay:
        """The trainer's hook relay (steps call each other through it, so plugins see every call)."""

    def create_gradient_training_dataset(
        self,
        training_data: pd.DataFrame,
        model_with_gradiend: ModelWithGradiend,
        source: str,
        target: str,
        batch_size: int,
        seed: int,
    ) -> GradientTrainingDataset:
        """Single-class batches whose gradient pairs are computed when the loop reaches them."""
        return GradientTrainingDataset(
            self,
            training_data,
            model_with_gradiend,
            source=source,
            target=target,
            batch_size=batch_size,
            seed=seed,
        )

    def analyze_encoder(
        self,
        model_with_gradiend: ModelWithGradiend,
        split: str = "test",
        max_size: int | None = None,
        neutral_data: pd.DataFrame | None = None,
        source: str = "factual",
    ) -> pd.DataFrame:
        """Encode one gradient per row of ``split`` plus neutral rows (the modality's or ``neutral_data``)."""
        rows = self.encoder_rows(split, max_size, neutral_data)
        return encode_rows(
            self,
            model_with_gradiend,
            rows,
            source,
            progress=self.progress_bars(),
            executor=self.active_executor,
        )

    def encoder_rows(
        self, split: str = "test", max_size: int | None = None, neutral_data: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """The rows an encoder analysis encodes: the split's training rows, then neutral rows."""
        split = normalize_split(split)
        frames = [self.hook.gradiend_create_training_data(trainer=self, split=split, max_size=max_size)]
        neutral = (
            neutral_data
            if neutral_data is not None
            else self.create_neutral_data(split=split, max_size=max_size)
        )
        if neutral is not None and not neutral.empty:
            frames.append(_as_neutral(neutral))
        return pd.concat(frames, ignore_index=True)


def _as_neutral(rows: pd.DataFrame) -> pd.DataFrame:
    """Neutral rows carry label 0 and type 'neutral' whatever the caller set."""
    rows = rows.copy()
    rows["label"] = 0.0
    rows["type"] = "neutral"
    if "feature_class" not in rows.columns:
        rows["feature_class"] = "neutral"
    return rows


__all__ = ["CoreDefinitionSteps"]
