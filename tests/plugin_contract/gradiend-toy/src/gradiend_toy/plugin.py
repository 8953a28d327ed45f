"""Entry point of the toy modality: registers ``"toy"`` lazily (importing this module stays cheap)."""

from __future__ import annotations

from gradiend.plugins import ModalityRegistrar, hookimpl


@hookimpl
def gradiend_register_modalities(register: ModalityRegistrar) -> None:
    """Register the toy tabular modality."""
    register.add_modality(
        "toy",
        "gradiend_toy.trainer:ToyTrainer",
        exports={"ToyTrainer": "gradiend_toy.trainer:ToyTrainer"},
        demo="gradiend_toy.demo:main",
        description="Synthetic tabular data and a small MLP classifier (plugin example)",
    )
