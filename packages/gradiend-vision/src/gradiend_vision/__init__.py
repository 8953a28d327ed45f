"""gradiend-vision: the GRADIEND vision modality (image classifiers, Hugging Face or plain torch modules).

Public names are imported lazily, so ``import gradiend_vision`` (and plugin discovery through
``gradiend_vision.plugin``) stays cheap; the first use of a name imports its module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradiend.plugins import lazy_exports

if TYPE_CHECKING:
    from gradiend_vision.data import ImageData
    from gradiend_vision.digits import (
        DIGITS_DEMO_PAIR,
        digits_cache_dir,
        load_default_digits_model,
        load_digits_data,
        train_digits_cnn,
    )
    from gradiend_vision.fitting import fit_classifier
    from gradiend_vision.losses import (
        accuracy,
        check_model_fits_data,
        class_probabilities,
        paired_cross_entropy,
        rows_losses,
        split_accuracy,
    )
    from gradiend_vision.models import DigitsCNN, backbone_parameter_names, classifier_layer_name
    from gradiend_vision.report import examples_html
    from gradiend_vision.rows import (
        NEUTRAL_CLASS,
        decoder_eval_data,
        describe_rows,
        neutral_rows,
        resolve_pair,
        rows_frame,
        training_rows,
    )
    from gradiend_vision.saving import LoadedClassifier, load_classifier, load_vision_model, save_vision_model
    from gradiend_vision.scoring import decoder_eval_targets, score_base_model
    from gradiend_vision.sources import as_image_data
    from gradiend_vision.trainer import ImageClassificationTrainer
    from gradiend_vision.transforms import Normalize, RepeatChannels, Resize, compose

_EXPORTS: dict[str, str] = {
    "ImageClassificationTrainer": "gradiend_vision.trainer",
    "ImageData": "gradiend_vision.data",
    "DIGITS_DEMO_PAIR": "gradiend_vision.digits",
    "digits_cache_dir": "gradiend_vision.digits",
    "load_default_digits_model": "gradiend_vision.digits",
    "load_digits_data": "gradiend_vision.digits",
    "train_digits_cnn": "gradiend_vision.digits",
    "fit_classifier": "gradiend_vision.fitting",
    "accuracy": "gradiend_vision.losses",
    "check_model_fits_data": "gradiend_vision.losses",
    "class_probabilities": "gradiend_vision.losses",
    "paired_cross_entropy": "gradiend_vision.losses",
    "rows_losses": "gradiend_vision.losses",
    "split_accuracy": "gradiend_vision.losses",
    "DigitsCNN": "gradiend_vision.models",
    "backbone_parameter_names": "gradiend_vision.models",
    "classifier_layer_name": "gradiend_vision.models",
    "NEUTRAL_CLASS": "gradiend_vision.rows",
    "examples_html": "gradiend_vision.report",
    "decoder_eval_data": "gradiend_vision.rows",
    "describe_rows": "gradiend_vision.rows",
    "neutral_rows": "gradiend_vision.rows",
    "resolve_pair": "gradiend_vision.rows",
    "rows_frame": "gradiend_vision.rows",
    "training_rows": "gradiend_vision.rows",
    "LoadedClassifier": "gradiend_vision.saving",
    "load_classifier": "gradiend_vision.saving",
    "load_vision_model": "gradiend_vision.saving",
    "save_vision_model": "gradiend_vision.saving",
    "decoder_eval_targets": "gradiend_vision.scoring",
    "score_base_model": "gradiend_vision.scoring",
    "as_image_data": "gradiend_vision.sources",
    "Normalize": "gradiend_vision.transforms",
    "RepeatChannels": "gradiend_vision.transforms",
    "Resize": "gradiend_vision.transforms",
    "compose": "gradiend_vision.transforms",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "DIGITS_DEMO_PAIR",
    "NEUTRAL_CLASS",
    "DigitsCNN",
    "ImageClassificationTrainer",
    "ImageData",
    "LoadedClassifier",
    "Normalize",
    "RepeatChannels",
    "Resize",
    "accuracy",
    "as_image_data",
    "backbone_parameter_names",
    "check_model_fits_data",
    "class_probabilities",
    "classifier_layer_name",
    "compose",
    "decoder_eval_data",
    "decoder_eval_targets",
    "describe_rows",
    "digits_cache_dir",
    "examples_html",
    "fit_classifier",
    "load_classifier",
    "load_default_digits_model",
    "load_digits_data",
    "load_vision_model",
    "neutral_rows",
    "paired_cross_entropy",
    "resolve_pair",
    "rows_frame",
    "rows_losses",
    "save_vision_model",
    "score_base_model",
    "split_accuracy",
    "train_digits_cnn",
    "training_rows",
]
