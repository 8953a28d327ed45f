"""The FeatureLearningDefinition: what a modality supplies so the generic core can learn a feature.

A modality (text, vision, a third-party one) subclasses :class:`gradiend.trainer.Trainer`, which is a
FeatureLearningDefinition, and implements two layers:

* **Definition steps**, named as in the published API document and called by the core through the
  trainer's hook relay (``trainer.hook.gradiend_*``, see :mod:`gradiend.plugins.hookspecs`):
  ``create_training_data``, ``create_gradient_training_dataset`` (core default),
  ``_get_decoder_eval_dataframe``, ``_get_decoder_eval_targets``, ``evaluate_base_model`` and
  ``_analyze_encoder`` (core default).
* **Modality primitives**, plain abstract methods the core calls directly: ``load_base_model``,
  ``default_parameter_names``, ``compute_losses``, ``save_base_model`` and optionally
  ``create_neutral_data``.

Everything that knows about tokens, pixels or heads lives behind these methods; the core only sees
DataFrames of rows, ``torch.nn.Module`` base models and scalar losses.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import torch
from torch import nn

if TYPE_CHECKING:
    from gradiend.gradients.dataset import GradientTrainingDataset
    from gradiend.model.with_gradiend import ModelWithGradiend

TRAINING_DATA_COLUMNS: tuple[str, ...] = ("feature_class", "label", "type", "split")
"""Columns every DataFrame from ``create_training_data`` carries (modalities add their own)."""

ENCODER_DATA_COLUMNS: tuple[str, ...] = ("encoded", "label", "feature_class", "type")
"""Columns every DataFrame from ``_analyze_encoder`` carries."""

SPLITS: tuple[str, ...] = ("train", "validation", "test")
SPLIT_ALIASES: dict[str, str] = {"val": "validation", "valid": "validation", "dev": "validation"}


def normalize_split(split: str) -> str:
    """Map ``val``/``valid``/``dev`` to ``validation`` and reject unknown split names."""
    name = SPLIT_ALIASES.get(split, split)
    if name not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)} (or 'val'), got {split!r}")
    return name


@dataclass
class PairedLoss:
    """The base model's losses on one batch for the factual and the alternative targets.

    Both come from one forward pass when the inputs are shared. ``alternative`` is ``None`` when the
    rows have no alternative target (neutral rows, label 0).
    """

    factual: torch.Tensor
    alternative: torch.Tensor | None = None


@dataclass
class DecoderEvalData:
    """Data that scores a rewritten base model.

    Attributes:
        training_like: rows like the training data (column ``feature_class``), on which the
            probabilities of the target classes are measured.
        neutral: rows of no target class, on which the utility score (``lms``) is measured.
    """

    training_like: pd.DataFrame
    neutral: pd.DataFrame


@dataclass
class BaseModelScores:
    """Scores of one base model (unchanged or rewritten).

    Attributes:
        probabilities: ``{data class: {target class: mean probability}}`` -- the mean probability the
            model gives to each target class on the training-like rows of each data class.
        lms: the utility score on neutral data (text: language-modelling score; vision: accuracy).
        extras: further named scores a modality wants to report.
    """

    probabilities: dict[str, dict[str, float]]
    lms: float
    extras: dict[str, float] = field(default_factory=dict)

    def probability(self, target_class: str, on_class: str) -> float:
        """Mean probability of ``target_class`` on rows of ``on_class``."""
        try:
            return self.probabilities[on_class][target_class]
        except KeyError:
            raise KeyError(
                f"no probability of {target_class!r} on rows of {on_class!r}; "
                f"scored data classes: {sorted(self.probabilities)}"
            ) from None


@dataclass(frozen=True)
class UtilityScore:
    """The utility score (``lms``) of one base model alone (``FeatureLearningDefinition.evaluate_utility``).

    Attributes:
        lms: the utility score; when ``complete`` is False, an upper bound of it that is already
            below the ``minimum`` asked for (the scoring stopped early).
        complete: whether every neutral row was scored.
    """

    lms: float
    complete: bool = True


@dataclass
class ReportSection:
    """One section of the HTML report: a title and self-contained HTML (no network references)."""

    title: str
    html: str


class FeatureLearningDefinition(ABC):
    """Abstract contract between the generic GRADIEND core and one modality.

    Args:
        target_classes: the two classes of the feature, e.g. ``["3SG", "3PL"]``; the first encodes
            +1 and the second -1.
        run_id: optional sub-directory name of the experiment directory.
        n_features: latent dimension of the GRADIEND network (usually 1).
        all_classes: every class in the data (targets plus others); inferred from data when omitted.
    """

    def __init__(
        self,
        target_classes: Sequence[str] | None = None,
        run_id: str | None = None,
        n_features: int = 1,
        all_classes: Sequence[str] | None = None,
    ) -> None:
        if n_features < 1:
            raise ValueError(f"n_features must be >= 1, got {n_features}")
        self._target_classes = _validate_classes("target_classes", target_classes)
        self._all_classes = _validate_classes("all_classes", all_classes)
        from gradiend.utils.safe_paths import check_relative_name

        self.run_id = check_relative_name(run_id, "run_id")
        self.n_features = int(n_features)

    # --- classes ---------------------------------------------------------------------------------

    @property
    def target_classes(self) -> list[str] | None:
        """The classes GRADIEND learns to separate (first -> +1, second -> -1)."""
        return None if self._target_classes is None else list(self._target_classes)

    @target_classes.setter
    def target_classes(self, value: Sequence[str] | None) -> None:
        self._target_classes = _validate_classes("target_classes", value)

    @property
    def pair(self) -> tuple[str, str] | None:
        """``(target_classes[0], target_classes[1])`` when exactly two target classes are set."""
        classes = self._target_classes
        if classes is None or len(classes) != 2:
            return None
        return classes[0], classes[1]

    def require_pair(self) -> tuple[str, str]:
        """The feature pair, or an error that says how to set it."""
        pair = self.pair
        if pair is None:
            raise ValueError(
                "target_classes must name exactly two classes (the feature pair), "
                f"got {self._target_classes!r}"
            )
        return pair

    @property
    def all_classes(self) -> list[str] | None:
        """Every class in the data; inferred from the data when not given."""
        if self._all_classes is None:
            inferred = self.infer_all_classes()
            if inferred is not None:
                self._all_classes = list(inferred)
        return None if self._all_classes is None else list(self._all_classes)

    @all_classes.setter
    def all_classes(self, value: Sequence[str] | None) -> None:
        self._all_classes = _validate_classes("all_classes", value)

    def infer_all_classes(self) -> list[str] | None:
        """Read the classes present in the data (modalities override; default: unknown)."""
        return None

    # --- definition steps (called through the trainer's hook relay) --------------------------------

    @abstractmethod
    def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
        """Rows of one split with the columns of :data:`TRAINING_DATA_COLUMNS` plus modality columns."""

    @abstractmethod
    def create_gradient_training_dataset(
        self,
        training_data: pd.DataFrame,
        model_with_gradiend: ModelWithGradiend,
        source: str,
        target: str,
        batch_size: int,
        seed: int,
    ) -> GradientTrainingDataset:
        """Wrap training rows into single-class gradient batches (the core's Trainer implements it)."""

    @abstractmethod
    def _get_decoder_eval_dataframe(
        self, max_size_training_like: int | None = None, max_size_neutral: int | None = None
    ) -> DecoderEvalData:
        """Training-like and neutral rows for scoring rewritten base models."""

    @abstractmethod
    def _get_decoder_eval_targets(self) -> dict[str, list[str]]:
        """What is measured per target class (words for text, the class label for vision)."""

    @abstractmethod
    def evaluate_base_model(
        self, base_model: nn.Module, eval_data: DecoderEvalData, batch_size: int = 32
    ) -> BaseModelScores:
        """Score one base model: target-class probabilities per data class and utility (``lms``)."""

    def evaluate_utility(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        minimum: float | None = None,
    ) -> UtilityScore | None:
        """Optional: the ``lms`` of :meth:`evaluate_base_model` alone (from ``eval_data.neutral``).

        With ``minimum``, scoring may stop once the score is certain to stay below it (then
        ``complete=False`` and ``lms`` is an upper bound below ``minimum``). The adaptive decoder
        search uses it to pass over rewrites that break the utility without scoring their
        probabilities; it checks once per search that this ``lms`` equals the full scoring's on the
        unchanged base model. The default, ``None``, means "not available": every point is then
        scored in full.
        """
        return None

    @abstractmethod
    def _analyze_encoder(
        self,
        model_with_gradiend: ModelWithGradiend,
        split: str = "test",
        max_size: int | None = None,
        neutral_data: pd.DataFrame | None = None,
        source: str = "factual",
    ) -> pd.DataFrame:
        """Encode one gradient per row (the core's Trainer implements it)."""

    # --- modality primitives -------------------------------------------------------------------------

    @abstractmethod
    def load_base_model(self, model: str | nn.Module) -> nn.Module:
        """Load (or accept) the base model, and whatever it needs (tokenizer, image processor)."""

    @abstractmethod
    def default_parameter_names(self, base_model: nn.Module) -> list[str]:
        """Names of the parameters GRADIEND reads by default: the backbone, output heads excluded."""

    @abstractmethod
    def compute_losses(self, base_model: nn.Module, rows: pd.DataFrame) -> PairedLoss:
        """Mean loss over ``rows`` for the factual and the alternative targets, from one forward pass.

        ``rows`` all belong to one feature class. Rows with label 0 (neutral) have no alternative:
        return ``PairedLoss(factual=..., alternative=None)``. Inputs must be padded only as far as
        the longest row needs and moved to the base model's device.
        """

    @abstractmethod
    def save_base_model(self, base_model: nn.Module, output_dir: str) -> None:
        """Save a (rewritten) base model in the modality's native format (atomic directory write)."""

    def create_neutral_data(self, split: str = "test", max_size: int | None = None) -> pd.DataFrame | None:
        """Neutral rows (label 0, ``type == "neutral"``) for encoder analysis; ``None`` if there are none."""
        return None

    def describe_rows(self, rows: pd.DataFrame) -> list[str]:
        """One short human-readable description per row (hover text in plots; text, an image id...).

        The default names the row's class and index; modalities override it with the input itself.
        """
        return [f"{cls} #{index}" for index, cls in zip(rows.index, rows["feature_class"], strict=True)]

    def report_sections(self, model_with_gradiend: ModelWithGradiend, output_dir: str) -> list[ReportSection]:
        """Modality-specific sections of the HTML report (e.g. before/after examples of a rewrite).

        ``output_dir`` is where the report is written (for images the section refers to). The default
        adds nothing.
        """
        return []

    def data_fingerprint(self) -> str:
        """A digest of the data's content, for cache keys.

        The default hashes the rows of every split and the neutral rows; a modality whose rows refer
        to content stored elsewhere (e.g. images by index) must override it to hash that content too.
        """
        from gradiend.caching import frame_digest, stable_hash

        frames = [self.create_training_data(split=split) for split in SPLITS]
        neutral = self.create_neutral_data(split="test")
        if neutral is not None:
            frames.append(neutral)
        return stable_hash([frame_digest(frame) for frame in frames])


def _validate_classes(name: str, value: Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of class names, got {value!r}")
    classes = [str(v) for v in value]
    if len(set(classes)) != len(classes):
        raise ValueError(f"{name} must not repeat a class, got {classes}")
    if name == "target_classes" and len(classes) < 2:
        raise ValueError(f"target_classes needs at least two classes (the feature pair), got {classes}")
    return classes


__all__ = [
    "ENCODER_DATA_COLUMNS",
    "SPLITS",
    "TRAINING_DATA_COLUMNS",
    "BaseModelScores",
    "DecoderEvalData",
    "FeatureLearningDefinition",
    "PairedLoss",
    "ReportSection",
    "UtilityScore",
    "normalize_split",
]
