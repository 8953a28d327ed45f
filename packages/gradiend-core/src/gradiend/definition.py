"""The FeatureLearningDefinition: what a modality supplies so the generic core can learn a feature.

A modality (text, vision, a third-party one) subclasses the ``Trainer`` (``gradiend.plugins.Trainer``),
which is a FeatureLearningDefinition, and implements two layers:

* **Definition steps** (:data:`DEFINITION_STEPS`), called by the core through the trainer's hook relay.
  Each step has one public name: the method ``<step>`` and the hook ``gradiend_<step>`` (arguments:
  ``trainer`` plus the method's own), so a plugin object can replace or wrap a step of one trainer
  without subclassing. The method's signature and docstring here are the hook's specification
  (:mod:`gradiend.trainer.hook_relay` derives the hook specs from them).
* **Modality primitives**, plain abstract methods the core calls directly: ``load_base_model``,
  ``default_parameter_names``, ``compute_losses``, ``save_base_model`` and optionally
  ``create_neutral_data``.

Everything that knows about tokens, pixels or heads lives behind these methods; the core only sees
DataFrames of rows, ``torch.nn.Module`` base models and scalar losses.
"""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
import torch
from torch import nn

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend

DEFINITION_STEPS: tuple[str, ...] = (
    "create_training_data",
    "create_gradient_training_dataset",
    "create_decoder_eval_data",
    "decoder_eval_targets",
    "evaluate_base_model",
    "analyze_encoder",
)
"""The definition steps, in the order a full run calls them (method ``<step>``, hook ``gradiend_<step>``)."""

DEPRECATED_STEP_NAMES: dict[str, str] = {
    "_get_decoder_eval_dataframe": "create_decoder_eval_data",
    "_get_decoder_eval_targets": "decoder_eval_targets",
    "_analyze_encoder": "analyze_encoder",
}
"""Old method name -> step. Subclasses that implement an old name keep working (with a DeprecationWarning)."""

TRAINING_DATA_COLUMNS: tuple[str, ...] = ("feature_class", "label", "type", "split")
"""Columns every DataFrame from ``create_training_data`` carries (modalities add their own)."""

ENCODER_DATA_COLUMNS: tuple[str, ...] = ("encoded", "label", "feature_class", "type")
"""Columns every DataFrame from ``analyze_encoder`` carries."""

SPLITS: tuple[str, ...] = ("train", "validation", "test")
SPLIT_ALIASES: dict[str, str] = {"val": "validation", "valid": "validation", "dev": "validation"}


def normalize_split(split: str) -> str:
    """Map ``val``/``valid``/``dev`` to ``validation`` and reject unknown split names."""
    name = SPLIT_ALIASES.get(split, split)
    if name not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)} (or 'val'), got {split!r}")
    return name


class GradientBatches(Protocol):
    """What ``create_gradient_training_dataset`` returns: single-class batches whose gradients the loop reads.

    The core's ``gradiend.gradients.dataset.GradientTrainingDataset`` is the implementation every shipped
    modality uses.
    """

    def __len__(self) -> int:
        """Number of batches per epoch."""
        ...

    def batches(self, epoch: int = 0) -> list[pd.DataFrame]:
        """The rows of each batch of one epoch."""
        ...

    def gradient_batch(self, rows: pd.DataFrame) -> Any:
        """The gradient pair of one batch (a ``gradiend.gradients.dataset.GradientBatch``)."""
        ...

    def iter_epoch(self, epoch: int = 0) -> Iterator[Any]:
        """The gradient batches of one epoch."""
        ...


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
        extras: further named scores of the same pass (e.g. a causal LM's ``log_perplexity``), the
            ``extras`` :meth:`FeatureLearningDefinition.evaluate_base_model` reports for the neutral
            rows; only on a complete pass.
    """

    lms: float
    complete: bool = True
    extras: dict[str, float] = field(default_factory=dict)


def select_targets(targets: dict[str, list[str]], classes: Sequence[str] | None) -> dict[str, list[str]]:
    """The entries of ``targets`` (``decoder_eval_targets``) for ``classes``, in their order (None: all).

    Raises:
        ValueError: naming ``classes`` and the valid classes, for a class ``targets`` lacks.
    """
    if classes is None:
        return dict(targets)
    unknown = [name for name in classes if name not in targets]
    if unknown:
        raise ValueError(
            f"classes {unknown} are not decoder-evaluation target classes; valid: {sorted(targets)}"
        )
    return {name: targets[name] for name in targets if name in set(classes)}


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

    # --- definition steps (method <step>, hook gradiend_<step>; see DEFINITION_STEPS) ---------------

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that implements a step under its old name gets the step forwarding to it (warns)."""
        super().__init_subclass__(**kwargs)
        for old, new in DEPRECATED_STEP_NAMES.items():
            if old in cls.__dict__ and new not in cls.__dict__:
                warnings.warn(
                    f"{cls.__qualname__}.{old} is deprecated: name the method {new} (same arguments)",
                    DeprecationWarning,
                    stacklevel=3,
                )
                setattr(cls, new, _forwarding_step(old, new))

    @abstractmethod
    def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
        """Create the rows GRADIEND trains or evaluates on, without computing any gradient.

        Called by training (split ``"train"``), checkpoint selection (``"validation"``) and encoder
        evaluation (usually ``"test"``).

        Args:
            split: ``"train"``, ``"validation"`` or ``"test"``.
            max_size: cap on rows per feature class (``None``: all rows).

        Returns:
            A DataFrame with at least the columns of :data:`TRAINING_DATA_COLUMNS`: ``feature_class``
            (class name), ``label`` (+1.0 for the first target class, -1.0 for the second), ``type``
            (``"training"``) and ``split``, plus whatever modality columns ``compute_losses`` reads.
        """

    @abstractmethod
    def create_gradient_training_dataset(
        self,
        training_data: pd.DataFrame,
        model_with_gradiend: ModelWithGradiend,
        source: str,
        target: str,
        batch_size: int,
        seed: int,
    ) -> GradientBatches:
        """Turn training rows into single-class batches of (source, target, label) gradients.

        Called once per training run, after ``create_training_data``. The core's ``Trainer`` implements
        it (a ``GradientTrainingDataset``); modalities rarely override it.

        Args:
            training_data: the rows ``create_training_data`` returned for ``"train"``.
            model_with_gradiend: base model, GRADIEND network and parameter map.
            source: gradient fed to the encoder: ``"factual"``, ``"alternative"`` or ``"diff"``.
            target: gradient the decoder reconstructs (same choices).
            batch_size: rows per batch; every batch holds rows of one feature class.
            seed: seed of the batch order.

        Returns:
            The batches (:class:`GradientBatches`).
        """

    @abstractmethod
    def create_decoder_eval_data(
        self, max_size_training_like: int | None = None, max_size_neutral: int | None = None
    ) -> DecoderEvalData:
        """Create the data that scores a rewritten base model in the decoder grid.

        Called once per ``evaluate_decoder`` (unless the caller passes data).

        Args:
            max_size_training_like: cap on rows per class of training-like data.
            max_size_neutral: cap on neutral rows (the utility score's data).

        Returns:
            :class:`DecoderEvalData` with the training-like rows (column ``feature_class``) and the
            neutral rows.
        """

    @abstractmethod
    def decoder_eval_targets(self) -> dict[str, list[str]]:
        """Name what is measured for each target class during decoder evaluation.

        Returns:
            ``{class name: [target items]}``, e.g. the words of each class for text or the class label
            for vision.
        """

    @abstractmethod
    def evaluate_base_model(
        self, base_model: nn.Module, eval_data: DecoderEvalData, batch_size: int = 32
    ) -> BaseModelScores:
        """Score one (possibly rewritten) base model.

        Called once for the unchanged base model and once per decoder-grid point.

        Args:
            base_model: the model to score, weights as they are now.
            eval_data: the data from ``create_decoder_eval_data``.
            batch_size: evaluation batch size.

        Returns:
            :class:`BaseModelScores`: mean probability of each target class on the rows of each class,
            and the utility score (``lms``) on neutral rows.
        """

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

    def evaluate_probabilities(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        classes: Sequence[str] | None = None,
    ) -> dict[str, dict[str, float]] | None:
        """Optional: the ``probabilities`` of :meth:`evaluate_base_model` alone (training-like rows).

        ``classes`` names the target classes to score (of :meth:`decoder_eval_targets`; default all):
        the adaptive decoder search asks for the one class a point's value is read from.

        A modality that offers this and :meth:`evaluate_utility` promises that
        :meth:`evaluate_base_model` agrees with the two put together: the same ``probabilities`` as
        this method, the same ``lms`` as :meth:`evaluate_utility` (no ``minimum``), and the utility's
        ``extras`` among its own (a full scoring may report further extras, which points scored from
        the parts lack). :func:`gradiend.testing.check_definition_contract` checks that promise.
        The adaptive decoder search then scores each part of a point at most once: a point's
        utility first, and its probabilities only where the selection needs them; the unchanged
        base model is scored from the two parts as well. The default, ``None``, means "not available".
        """
        return None

    @abstractmethod
    def analyze_encoder(
        self,
        model_with_gradiend: ModelWithGradiend,
        split: str = "test",
        max_size: int | None = None,
        neutral_data: pd.DataFrame | None = None,
        source: str = "factual",
    ) -> pd.DataFrame:
        """Encode one gradient per example and return the encodings with their labels.

        Called by ``evaluate_encoder`` and by checkpoint selection during training. The core's
        ``Trainer`` implements it; modalities rarely override it.

        Args:
            model_with_gradiend: the model whose encoder is analysed.
            split: data split to encode.
            max_size: cap on rows per class.
            neutral_data: extra neutral rows to encode (label 0), or ``None`` for the modality's own.
            source: which gradient of each row to encode (neutral rows always use their factual one).

        Returns:
            A DataFrame with the columns of :data:`ENCODER_DATA_COLUMNS` (``encoded``: float, or a list
            when latent_dim > 1; ``label``; ``feature_class``; ``type``: ``"training"`` or
            ``"neutral"``) and any modality columns that describe the input (``text``...).
        """

    def _get_decoder_eval_dataframe(self, *args: Any, **kwargs: Any) -> DecoderEvalData:
        """Deprecated name of :meth:`create_decoder_eval_data`."""
        return _deprecated_call(self, "_get_decoder_eval_dataframe", args, kwargs)

    def _get_decoder_eval_targets(self, *args: Any, **kwargs: Any) -> dict[str, list[str]]:
        """Deprecated name of :meth:`decoder_eval_targets`."""
        return _deprecated_call(self, "_get_decoder_eval_targets", args, kwargs)

    def _analyze_encoder(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """Deprecated name of :meth:`analyze_encoder`."""
        return _deprecated_call(self, "_analyze_encoder", args, kwargs)

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


def _deprecated_call(definition: FeatureLearningDefinition, old: str, args: tuple, kwargs: dict) -> Any:
    """Call the step an old method name stands for, with a DeprecationWarning."""
    new = DEPRECATED_STEP_NAMES[old]
    warnings.warn(f"{old} is deprecated: call {new} (same arguments)", DeprecationWarning, stacklevel=3)
    return getattr(definition, new)(*args, **kwargs)


def _forwarding_step(old: str, new: str) -> Callable[..., Any]:
    """The step ``new`` of a class that implements it under its deprecated name ``old``."""

    def step(self: FeatureLearningDefinition, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, old)(*args, **kwargs)

    step.__name__ = step.__qualname__ = new
    step.__doc__ = f"Forwards to the deprecated ``{old}``."
    return step


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
    "DEFINITION_STEPS",
    "DEPRECATED_STEP_NAMES",
    "ENCODER_DATA_COLUMNS",
    "SPLITS",
    "TRAINING_DATA_COLUMNS",
    "BaseModelScores",
    "DecoderEvalData",
    "FeatureLearningDefinition",
    "GradientBatches",
    "PairedLoss",
    "ReportSection",
    "UtilityScore",
    "normalize_split",
    "select_targets",
]
