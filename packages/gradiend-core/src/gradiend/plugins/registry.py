"""Old path of the modality registry (:mod:`gradiend.hooks.registration`, :mod:`gradiend.hooks.registry`)."""

from gradiend.hooks.registration import (
    DuplicateModalityError,
    ModalityRegistrar,
    ModalityRegistry,
    ModalitySpec,
    UnknownModalityError,
    resolve_reference,
)
from gradiend.hooks.registry import build_registry, get_registry, reset_registry

__all__ = [
    "DuplicateModalityError",
    "ModalityRegistrar",
    "ModalityRegistry",
    "ModalitySpec",
    "UnknownModalityError",
    "build_registry",
    "get_registry",
    "reset_registry",
    "resolve_reference",
]
