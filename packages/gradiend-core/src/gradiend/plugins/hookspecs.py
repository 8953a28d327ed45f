"""Hook specifications: the plugin contract of gradiend, one documented function per hook.

Two groups of hooks exist:

* **Registration** (called on the global plugin manager, see :mod:`gradiend.plugins.manager`):
  a modality plugin announces its trainer class and the public names it adds to ``gradiend``.
* **Definition steps** (called on each trainer's own hook relay, ``trainer.hook``): the steps of the
  FeatureLearningDefinition. Every trainer registers its own methods as the default implementation
  (``trylast``), so a plugin object registered with ``trainer.register_plugin(obj)`` can replace a step
  (``tryfirst=True``) or wrap it (``wrapper=True``) without subclassing. All definition hooks are
  ``firstresult``: the first implementation that returns something other than ``None`` wins, so an
  implementation may also return ``None`` to fall through to the default.

Hooks are always called with keyword arguments; an implementation may accept only the arguments it
needs, which keeps older plugins working when a spec grows a new argument.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradiend.plugins.markers import hookspec

if TYPE_CHECKING:
    import pandas as pd
    from torch import nn

    from gradiend.definition import BaseModelScores, DecoderEvalData, FeatureLearningDefinition
    from gradiend.gradients.dataset import GradientTrainingDataset
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.plugins.registry import ModalityRegistrar


# --- registration -------------------------------------------------------------------------------


@hookspec
def gradiend_register_modalities(register: ModalityRegistrar) -> None:
    """Register the modalities this plugin provides.

    Called once, when the modality registry is first built (on the first ``Trainer.for_modality``,
    ``gradiend plugins`` or lookup of a plugin-provided name such as ``gradiend.TextPredictionTrainer``).

    Args:
        register: call ``register.add_modality(name, trainer, exports=..., demo=..., description=...)``
            once per modality. ``trainer`` and the values of ``exports`` may be objects or lazy
            ``"module:attribute"`` strings; strings keep the plugin module cheap to import.

    Returns:
        Nothing; results are collected through ``register``.
    """


# --- definition steps (per-trainer hook relay) ---------------------------------------------------


@hookspec(firstresult=True)
def gradiend_create_training_data(
    trainer: FeatureLearningDefinition, split: str, max_size: int | None
) -> pd.DataFrame | None:
    """Create the rows GRADIEND trains or evaluates on, without computing any gradient.

    Called by training (split ``"train"``), checkpoint selection (``"validation"``) and encoder
    evaluation (usually ``"test"``).

    Args:
        trainer: the trainer asking; its modality knows how to read its data.
        split: ``"train"``, ``"validation"`` or ``"test"``.
        max_size: cap on rows per feature class (``None``: all rows).

    Returns:
        A DataFrame with at least the columns ``feature_class`` (class name), ``label`` (+1.0 for
        the first target class, -1.0 for the second), ``type`` (``"training"``) and ``split``, plus
        whatever modality columns the trainer's ``compute_losses`` reads.
    """


@hookspec(firstresult=True)
def gradiend_create_gradient_training_dataset(
    trainer: FeatureLearningDefinition,
    training_data: pd.DataFrame,
    model_with_gradiend: ModelWithGradiend,
    source: str,
    target: str,
    batch_size: int,
    seed: int,
) -> GradientTrainingDataset | None:
    """Turn training rows into an iterable of (source, target, label) gradient batches.

    Called once per training run, after ``gradiend_create_training_data``.

    Args:
        trainer: the trainer asking.
        training_data: the rows returned by ``gradiend_create_training_data`` for ``"train"``.
        model_with_gradiend: base model, GRADIEND network and parameter map.
        source: gradient fed to the encoder: ``"factual"``, ``"alternative"`` or ``"diff"``.
        target: gradient the decoder reconstructs (same choices).
        batch_size: rows per batch; every batch holds rows of one feature class.
        seed: seed of the batch order.

    Returns:
        A :class:`~gradiend.gradients.dataset.GradientTrainingDataset`.
    """


@hookspec(firstresult=True)
def gradiend_decoder_eval_dataframe(
    trainer: FeatureLearningDefinition,
    max_size_training_like: int | None,
    max_size_neutral: int | None,
) -> DecoderEvalData | None:
    """Create the data that scores a rewritten base model in the decoder grid.

    Called once per ``evaluate_decoder`` (unless the caller passes data).

    Args:
        trainer: the trainer asking.
        max_size_training_like: cap on rows per class of training-like data.
        max_size_neutral: cap on neutral rows (the utility score's data).

    Returns:
        :class:`~gradiend.definition.DecoderEvalData` with the training-like rows (column
        ``feature_class``) and the neutral rows.
    """


@hookspec(firstresult=True)
def gradiend_decoder_eval_targets(trainer: FeatureLearningDefinition) -> dict[str, list[str]] | None:
    """Name what is measured for each target class during decoder evaluation.

    Args:
        trainer: the trainer asking.

    Returns:
        ``{class name: [target items]}``, e.g. the words of each class for text or the class
        label for vision.
    """


@hookspec(firstresult=True)
def gradiend_evaluate_base_model(
    trainer: FeatureLearningDefinition,
    base_model: nn.Module,
    eval_data: DecoderEvalData,
    batch_size: int,
) -> BaseModelScores | None:
    """Score one (possibly rewritten) base model.

    Called once for the unchanged base model and once per decoder-grid point.

    Args:
        trainer: the trainer asking.
        base_model: the model to score, weights as they are now.
        eval_data: the data from ``gradiend_decoder_eval_dataframe``.
        batch_size: evaluation batch size.

    Returns:
        :class:`~gradiend.definition.BaseModelScores`: mean probability of each target class on the
        rows of each class, and the utility score (``lms``) on neutral rows.
    """


@hookspec(firstresult=True)
def gradiend_analyze_encoder(
    trainer: FeatureLearningDefinition,
    model_with_gradiend: ModelWithGradiend,
    split: str,
    max_size: int | None,
    neutral_data: pd.DataFrame | None,
    source: str,
) -> pd.DataFrame | None:
    """Encode one gradient per example and return the encodings with their labels.

    Called by ``evaluate_encoder`` and by checkpoint selection during training.

    Args:
        trainer: the trainer asking.
        model_with_gradiend: the model whose encoder is analysed.
        split: data split to encode.
        max_size: cap on rows per class.
        neutral_data: extra neutral rows to encode (label 0), or ``None`` for the modality's own.
        source: which gradient of each row to encode (neutral rows always use their factual one).

    Returns:
        A DataFrame with the columns ``encoded`` (float, or a list when latent_dim > 1), ``label``,
        ``feature_class``, ``type`` (``"training"`` or ``"neutral"``) and any modality columns that
        describe the input (``text``, ``image_index``...).
    """


# Names of the definition-step hooks, in the order a full run calls them.
DEFINITION_HOOKS: tuple[str, ...] = (
    "gradiend_create_training_data",
    "gradiend_create_gradient_training_dataset",
    "gradiend_decoder_eval_dataframe",
    "gradiend_decoder_eval_targets",
    "gradiend_evaluate_base_model",
    "gradiend_analyze_encoder",
)

__all__ = [
    "DEFINITION_HOOKS",
    "gradiend_analyze_encoder",
    "gradiend_create_gradient_training_dataset",
    "gradiend_create_training_data",
    "gradiend_decoder_eval_dataframe",
    "gradiend_decoder_eval_targets",
    "gradiend_evaluate_base_model",
    "gradiend_register_modalities",
]
