"""ImageClassificationTrainer: GRADIEND on an image classifier, the feature being a pair of classes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import pandas as pd
from torch import nn

from gradiend.arguments import TrainingArguments
from gradiend.plugins import (
    BaseModelScores,
    DecoderEvalData,
    Evaluator,
    ModelWithGradiend,
    PairedLoss,
    ReportSection,
    Trainer,
    UtilityScore,
    select_targets,
)
from gradiend_vision.data import ImageData
from gradiend_vision.digits import DIGITS_DEMO_PAIR, load_default_digits_model
from gradiend_vision.losses import check_model_fits_data, rows_losses
from gradiend_vision.models import backbone_parameter_names
from gradiend_vision.report import examples_html
from gradiend_vision.rows import decoder_eval_data, describe_rows, neutral_rows, resolve_pair, training_rows
from gradiend_vision.saving import LoadedClassifier, load_classifier, save_vision_model
from gradiend_vision.scoring import (
    decoder_eval_targets,
    score_base_model,
    score_probabilities,
    score_utility,
)
from gradiend_vision.sources import as_image_data
from gradiend_vision.transforms import BatchTransform

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "digits-cnn"
"""Model id of the embedded default: a small CNN trained (once, cached) on scikit-learn's digits."""


class ImageClassificationTrainer(Trainer):
    """GRADIEND for image classifiers: factual = true label, alternative = the other class of the pair.

    Args:
        model: ``"digits-cnn"`` (the embedded default), a Hugging Face image classifier (local
            directory, or hub id when online), a directory saved by this modality, an ``nn.Module``
            classifier, or a callable that builds one.
        data: images and labels: ``ImageData``, ``(images, labels)``, ``{"images", "labels"[, "split"]}``,
            a torch ``Dataset`` or a Hugging Face image dataset. Default with ``"digits-cnn"``: the digits.
        target_classes: the pair of classes (names or ids), e.g. ``["3", "8"]``.
        args: TrainingArguments.
        class_names: names of the label ids (read from the model or data when omitted).
        image_processor: preprocessing for HF models (default: the model's own processor).
        transform: a batch transform for plain modules (see :mod:`gradiend_vision.transforms`).
        split_seed: seed of the stratified 0.8/0.1/0.1 split when the data defines none.
        run_id, n_features, evaluator_class, all_classes, training_args: as for :class:`~gradiend.Trainer`.
    """

    MODALITY_NAME: ClassVar[str | None] = "vision"

    def __init__(
        self,
        model: str | nn.Module | Callable[[], nn.Module] = DEFAULT_MODEL,
        data: Any = None,
        target_classes: Sequence[str | int] | None = None,
        args: TrainingArguments | None = None,
        *,
        class_names: Sequence[str] | None = None,
        image_processor: Any = None,
        transform: BatchTransform | None = None,
        split_seed: int = 0,
        run_id: str | None = None,
        n_features: int = 1,
        evaluator_class: type[Evaluator] | None = None,
        training_args: TrainingArguments | None = None,
    ) -> None:
        self._default_data: ImageData | None = None
        self._loaded: LoadedClassifier | None = None
        if callable(model) and not isinstance(model, nn.Module):
            model = _build(model)
        super().__init__(
            model=model,
            args=args,
            run_id=run_id,
            n_features=n_features,
            evaluator_class=evaluator_class,
            training_args=training_args,
        )
        base = self.base_model
        loaded = self._loaded
        processor = (
            image_processor if image_processor is not None else (loaded.image_processor if loaded else None)
        )
        self.image_processor = processor
        if data is None:
            if self._default_data is None:
                raise ValueError("data is required unless model is the embedded default 'digits-cnn'")
            data = self._default_data
        names = class_names or (loaded.class_names if loaded else None)
        self.data: ImageData = as_image_data(
            data,
            class_names=None if isinstance(data, ImageData) else names,
            image_processor=None if isinstance(data, ImageData) else processor,
            transform=transform,
            split_seed=split_seed,
        )
        if target_classes is None:
            if not (isinstance(model, str) and model == DEFAULT_MODEL):
                raise ValueError(
                    "target_classes is required: name the two classes of the feature, e.g. ['cat', 'dog']"
                )
            target_classes = DIGITS_DEMO_PAIR
        self.target_classes = list(resolve_pair(self.data, target_classes))
        check_model_fits_data(base, self.data)

    # --- the base model -------------------------------------------------------------------------

    def load_base_model(self, model: str | nn.Module) -> nn.Module:
        """The embedded digits CNN, a saved or HF directory / hub id, or a module as given."""
        if model == DEFAULT_MODEL:
            cnn, data = load_default_digits_model()
            self._default_data = data
            self._loaded = LoadedClassifier(cnn, None, list(data.class_names))
            return cnn
        options: dict[str, Any] = {}
        if self.args.base_model_device_map is not None:
            options["device_map"] = self.args.base_model_device_map
        if self.args.base_model_max_memory is not None:
            options["max_memory"] = self.args.base_model_max_memory
        if self.args.torch_dtype is not None:
            options["dtype"] = self.args.base_model_dtype
        if self.args.trust_remote_code:
            options["trust_remote_code"] = True  # reaches AutoModelForImageClassification.from_pretrained
        loaded = load_classifier(model, **options)
        self._loaded = loaded
        return loaded.model.eval()

    @classmethod
    def load_checkpoint_base_model(cls, base_model_id: str, checkpoint_dir: object) -> nn.Module:
        """The base model of a GRADIEND checkpoint (``ModelWithGradiend.from_pretrained(dir)`` alone)."""
        if base_model_id == DEFAULT_MODEL:
            cnn, _ = load_default_digits_model()
            return cnn
        return load_classifier(base_model_id).model.eval()

    def default_parameter_names(self, base_model: nn.Module) -> list[str]:
        """Every parameter except the classification head."""
        return backbone_parameter_names(base_model, num_classes=self.data.num_classes)

    def compute_losses(self, base_model: nn.Module, rows: pd.DataFrame) -> PairedLoss:
        """Cross-entropy with the true label and with the pair's other class, from one forward pass."""
        return rows_losses(base_model, self.data, rows)

    def save_base_model(self, base_model: nn.Module, output_dir: str) -> None:
        """A Hugging Face directory (HF models) or safetensors weights + config (plain modules)."""
        save_vision_model(
            base_model, output_dir, image_processor=self.image_processor, class_names=self.data.class_names
        )

    # --- data -------------------------------------------------------------------------------------

    def infer_all_classes(self) -> list[str]:
        """Every class of the data."""
        return list(self.data.class_names)

    def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
        """Images of the two pair classes in ``split`` (labels +1 / -1)."""
        return training_rows(self.data, self.require_pair(), split, max_size, seed=self.args.seed)

    def create_neutral_data(self, split: str = "test", max_size: int | None = None) -> pd.DataFrame | None:
        """Images of the other classes in ``split`` (label 0); ``None`` when there is no third class."""
        rows = neutral_rows(self.data, self.require_pair(), split, max_size, seed=self.args.seed)
        return None if rows.empty else rows

    def describe_rows(self, rows: pd.DataFrame) -> list[str]:
        """E.g. ``"3 (image 17, test)"``."""
        return describe_rows(rows)

    def data_fingerprint(self) -> str:
        """Digest of the pixels, labels, class names and splits."""
        return self.data.fingerprint()

    # --- decoder evaluation -------------------------------------------------------------------------

    def create_decoder_eval_data(
        self, max_size_training_like: int | None = None, max_size_neutral: int | None = None
    ) -> DecoderEvalData:
        """Pair images and neutral images of the validation and test splits."""
        return decoder_eval_data(
            self.data, self.require_pair(), max_size_training_like, max_size_neutral, seed=self.args.seed
        )

    def decoder_eval_targets(self) -> dict[str, list[str]]:
        """Each class is measured by its own probability."""
        return decoder_eval_targets(self.data, self.require_pair())

    def evaluate_base_model(
        self, base_model: nn.Module, eval_data: DecoderEvalData, batch_size: int = 32
    ) -> BaseModelScores:
        """P(pair class) on each pair class's images; lms = accuracy on neutral images."""
        return score_base_model(base_model, self.data, self.require_pair(), eval_data, batch_size)

    def evaluate_utility(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        minimum: float | None = None,
    ) -> UtilityScore | None:
        """Accuracy on the neutral images alone (``minimum`` is not needed: one cheap batched pass)."""
        lms = score_utility(base_model, self.data, eval_data, batch_size)
        return UtilityScore(lms=lms, extras={"n_neutral": float(len(eval_data.neutral))})

    def evaluate_probabilities(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        classes: Sequence[str] | None = None,
    ) -> dict[str, dict[str, float]]:
        """P(pair class) on each pair class's images alone (no ``accuracy_training_like`` extra).

        ``classes``: only these pair classes' probabilities (default: both).
        """
        pair = self.require_pair()
        wanted = select_targets(self.decoder_eval_targets(), classes)  # a clear error outside the pair
        scores = score_probabilities(base_model, self.data, pair, eval_data, batch_size)
        return {on: {t: p for t, p in by.items() if t in wanted} for on, by in scores.items()}

    # --- report -------------------------------------------------------------------------------------

    def report_sections(self, model_with_gradiend: ModelWithGradiend, output_dir: str) -> list[ReportSection]:
        """Example test images with their class probabilities before and after each selected rewrite."""
        pair = self.require_pair()
        rows = pd.concat([training_rows(self.data, pair, "test", 4, seed=self.args.seed)], ignore_index=True)
        models: dict[str, nn.Module] = {"base": model_with_gradiend.base_model}
        for name, entry in self.evaluator.last_decoder_results.items():
            if isinstance(entry, dict) and "feature_factor" in entry:
                models[f"rewrite {name}"] = model_with_gradiend.rewrite(
                    entry["feature_factor"], entry["learning_rate"]
                )
        html = examples_html(self.data, rows, models, pair, max_rows=8)
        return [ReportSection(title="Example images before and after the rewrite", html=html)]


def _build(factory: Callable[[], nn.Module]) -> nn.Module:
    built = factory()
    if not isinstance(built, nn.Module):
        raise TypeError(f"the model factory must return a torch.nn.Module, got {type(built).__name__}")
    return built


__all__ = ["DEFAULT_MODEL", "ImageClassificationTrainer"]
