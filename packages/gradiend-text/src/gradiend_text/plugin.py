"""Entry point of the text modality: registers ``"text"`` and the published public names, lazily."""

from __future__ import annotations

from gradiend.plugins import ModalityRegistrar, hookimpl


@hookimpl
def gradiend_register_modalities(register: ModalityRegistrar) -> None:
    """Register the text modality (masked and causal language models)."""
    register.add_modality(
        "text",
        "gradiend_text.trainer:TextPredictionTrainer",
        exports={
            "TextPredictionTrainer": "gradiend_text.trainer:TextPredictionTrainer",
            "TextPredictionDataCreator": "gradiend_text.data_creator:TextPredictionDataCreator",
            "TextFilterConfig": "gradiend_text.data_creator:TextFilterConfig",
            "TextPredictionConfig": "gradiend_text.config:TextPredictionConfig",
            "TextGradientTrainingDataset": "gradiend_text.published:TextGradientTrainingDataset",
            "resolve_base_data": "gradiend_text.published:resolve_base_data",
            "TextPreprocessConfig": "gradiend_text.preprocess:TextPreprocessConfig",
            "SpacyTagSpec": "gradiend_text.preprocess:SpacyTagSpec",
            "preprocess_texts": "gradiend_text.preprocess:preprocess_texts",
        },
        demo="gradiend_text.demo:main",
        description="Masked and causal language models (Hugging Face transformers)",
    )
