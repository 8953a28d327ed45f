"""Entry point of the vision modality: registers ``"vision"`` lazily."""

from __future__ import annotations

from gradiend.plugins import ModalityRegistrar, hookimpl


@hookimpl
def gradiend_register_modalities(register: ModalityRegistrar) -> None:
    """Register the image-classification modality."""
    register.add_modality(
        "vision",
        "gradiend_vision.trainer:ImageClassificationTrainer",
        exports={"ImageClassificationTrainer": "gradiend_vision.trainer:ImageClassificationTrainer"},
        demo="gradiend_vision.demo:main",
        description="Image classifiers (Hugging Face or plain torch modules)",
    )
