"""Entry point of the ``"text-classification"`` modality (sequence classifiers), registered lazily."""

from __future__ import annotations

from gradiend.plugins import ModalityRegistrar, hookimpl

_TRAINER, _DATA = "gradiend_text.classification_trainer", "gradiend_text.classification_data"


@hookimpl
def gradiend_register_modalities(register: ModalityRegistrar) -> None:
    """Register the text-classification modality and its published public names."""
    register.add_modality(
        "text-classification",
        "gradiend_text.classification_trainer:TextClassificationTrainer",
        exports={
            "TextClassificationTrainer": f"{_TRAINER}:TextClassificationTrainer",
            "TextClassificationConfig": f"{_DATA}:TextClassificationConfig",
            "TextClassificationDataCreator": f"{_DATA}:TextClassificationDataCreator",
        },
        description="Text classifiers (Hugging Face sequence classification); the feature is a label pair",
    )
