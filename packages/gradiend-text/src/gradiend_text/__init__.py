"""gradiend-text: the GRADIEND text modality (masked and causal language models).

Public names are imported lazily, so ``import gradiend_text`` (and plugin discovery through
``gradiend_text.plugin``) stays cheap; the first use of a name imports its module. Test helpers
(tiny offline models) live in :mod:`gradiend_text.testing`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradiend.plugins import lazy_exports

if TYPE_CHECKING:
    from gradiend_text.assets import smollm2_path
    from gradiend_text.corpora import load_dreaddit_sentences, load_dreaddit_texts
    from gradiend_text.data import TextColumns, normalize_text_data
    from gradiend_text.data_creator import TextFilterConfig, TextPredictionDataCreator
    from gradiend_text.models import backbone_parameter_names, load_text_model, save_text_model
    from gradiend_text.objectives import compute_paired_loss, detect_objective, resolve_objective
    from gradiend_text.perplexity import causal_lm_perplexity
    from gradiend_text.preprocess import SpacyTagSpec, TextPreprocessConfig, preprocess_texts
    from gradiend_text.scoring import (
        language_modeling_score,
        target_class_probabilities,
        target_word_probabilities,
    )
    from gradiend_text.sentences import split_sentences
    from gradiend_text.trainer import TextPredictionTrainer

_EXPORTS: dict[str, str] = {
    "TextPredictionTrainer": "gradiend_text.trainer",
    "smollm2_path": "gradiend_text.assets",
    "load_dreaddit_sentences": "gradiend_text.corpora",
    "load_dreaddit_texts": "gradiend_text.corpora",
    "TextColumns": "gradiend_text.data",
    "normalize_text_data": "gradiend_text.data",
    "TextFilterConfig": "gradiend_text.data_creator",
    "TextPredictionDataCreator": "gradiend_text.data_creator",
    "backbone_parameter_names": "gradiend_text.models",
    "load_text_model": "gradiend_text.models",
    "save_text_model": "gradiend_text.models",
    "compute_paired_loss": "gradiend_text.objectives",
    "detect_objective": "gradiend_text.objectives",
    "resolve_objective": "gradiend_text.objectives",
    "causal_lm_perplexity": "gradiend_text.perplexity",
    "SpacyTagSpec": "gradiend_text.preprocess",
    "TextPreprocessConfig": "gradiend_text.preprocess",
    "preprocess_texts": "gradiend_text.preprocess",
    "language_modeling_score": "gradiend_text.scoring",
    "target_class_probabilities": "gradiend_text.scoring",
    "target_word_probabilities": "gradiend_text.scoring",
    "split_sentences": "gradiend_text.sentences",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "SpacyTagSpec",
    "TextColumns",
    "TextFilterConfig",
    "TextPredictionDataCreator",
    "TextPredictionTrainer",
    "TextPreprocessConfig",
    "backbone_parameter_names",
    "causal_lm_perplexity",
    "compute_paired_loss",
    "detect_objective",
    "language_modeling_score",
    "load_dreaddit_sentences",
    "load_dreaddit_texts",
    "load_text_model",
    "normalize_text_data",
    "preprocess_texts",
    "resolve_objective",
    "save_text_model",
    "smollm2_path",
    "split_sentences",
    "target_class_probabilities",
    "target_word_probabilities",
]
