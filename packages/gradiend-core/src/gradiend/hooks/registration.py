"""Modality registration: the ``gradiend_register_modalities`` spec, the registrar it receives, the registry.

The registration hook is the only hook of the process-wide plugin manager (:mod:`gradiend.hooks.manager`);
the definition-step hooks live on each trainer's own relay (:mod:`gradiend.trainer.hook_relay`).
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradiend.hooks.markers import hookspec

# Modalities we know a distribution for, so an error can say what to install.
KNOWN_PROVIDERS: Mapping[str, str] = {"text": "gradiend-text", "vision": "gradiend-vision"}


def resolve_reference(reference: object) -> Any:
    """Import a lazy ``"package.module:attribute"`` reference; any other object is returned as is."""
    if not isinstance(reference, str):
        return reference
    module_name, sep, attribute = reference.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"lazy reference {reference!r} must look like 'package.module:attribute'")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError as error:
        raise ImportError(f"{module_name!r} has no attribute {attribute!r} (from {reference!r})") from error


@dataclass(frozen=True)
class ModalitySpec:
    """One registered modality.

    Attributes:
        name: the name users pass to ``Trainer.for_modality``.
        trainer: the trainer class, or a lazy ``"module:attribute"`` reference to it.
        provider: the plugin that registered it (its distribution name when loaded from an entry point).
        version: the providing distribution's version, when known.
        exports: public names the modality adds to ``gradiend`` (``name -> object or reference``).
        demo: a callable ``demo(output_dir: str | None) -> int`` (or a reference) for ``gradiend demo``.
        description: one line for ``gradiend plugins``.
    """

    name: str
    trainer: Any
    provider: str
    version: str = ""
    exports: Mapping[str, Any] = field(default_factory=dict)
    demo: Any = None
    description: str = ""

    def trainer_class(self) -> type:
        """Import (if needed) and return the trainer class."""
        cls = resolve_reference(self.trainer)
        if not isinstance(cls, type):
            raise TypeError(f"modality {self.name!r} registered a trainer that is not a class: {cls!r}")
        return cls


class DuplicateModalityError(ValueError):
    """Two plugins registered the same modality name."""


class UnknownModalityError(KeyError):
    """No installed plugin provides the requested modality."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class ModalityRegistrar:
    """The ``register`` object handed to ``gradiend_register_modalities`` for one plugin."""

    def __init__(self, registry: ModalityRegistry, provider: str, version: str) -> None:
        self._registry = registry
        self._provider = provider
        self._version = version

    def add_modality(
        self,
        name: str,
        trainer: Any,
        *,
        exports: Mapping[str, Any] | None = None,
        demo: Any = None,
        description: str = "",
    ) -> None:
        """Register one modality (see :class:`ModalitySpec` for the arguments)."""
        if not isinstance(name, str) or not name.replace("-", "_").isidentifier():
            raise ValueError(
                f"modality name must be an identifier (hyphens allowed), got {name!r} from {self._provider}"
            )
        spec = ModalitySpec(
            name=name,
            trainer=trainer,
            provider=self._provider,
            version=self._version,
            exports=dict(exports or {}),
            demo=demo,
            description=description,
        )
        self._registry.add(spec)


class ModalityRegistry:
    """Modalities by name, filled by the plugins of one plugin manager."""

    def __init__(self) -> None:
        self._specs: dict[str, ModalitySpec] = {}

    def add(self, spec: ModalitySpec) -> None:
        """Add a modality; a name registered twice fails naming both providers."""
        existing = self._specs.get(spec.name)
        if existing is not None:
            raise DuplicateModalityError(
                f"modality {spec.name!r} is registered twice: by {existing.provider} "
                f"(trainer {existing.trainer!r}) and by {spec.provider} (trainer {spec.trainer!r}). "
                "Uninstall one of the two plugins."
            )
        for export in spec.exports:
            owner = self._export_owner(export)
            if owner is not None:
                raise DuplicateModalityError(
                    f"public name {export!r} is exported by modality {owner.name!r} ({owner.provider}) "
                    f"and by modality {spec.name!r} ({spec.provider})"
                )
        self._specs[spec.name] = spec

    def _export_owner(self, name: str) -> ModalitySpec | None:
        return next((s for s in self._specs.values() if name in s.exports), None)

    def names(self) -> list[str]:
        """Registered modality names, sorted."""
        return sorted(self._specs)

    def specs(self) -> list[ModalitySpec]:
        """Registered modalities, sorted by name."""
        return [self._specs[name] for name in self.names()]

    def get(self, name: str) -> ModalitySpec:
        """Return the modality called ``name``, or raise an error that says what is installed."""
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownModalityError(self._unknown_message(name)) from None

    def trainer_class(self, name: str) -> type:
        """The trainer class of modality ``name``, checked against the name its checkpoints record.

        A trainer's checkpoints record its class attribute ``MODALITY_NAME``, which is how
        ``ModelWithGradiend.from_pretrained`` finds the modality again; so that name must be registered
        for the same class (a second, alias name is fine).

        Raises:
            UnknownModalityError: no plugin registers ``name``.
            ValueError: the class's ``MODALITY_NAME`` is not registered for it.
        """
        spec = self.get(name)
        cls = spec.trainer_class()
        declared = getattr(cls, "MODALITY_NAME", None)
        if declared is None or declared == name:
            return cls
        home = self._specs.get(declared)
        if home is None or home.trainer_class() is not cls:
            raise ValueError(
                f"{spec.provider} registers modality {name!r} with trainer {cls.__qualname__}, whose "
                f"checkpoints record MODALITY_NAME {declared!r}, a name not registered for that class: "
                f"register the modality as {declared!r} or set MODALITY_NAME = {name!r}"
            )
        return cls

    def _unknown_message(self, name: str) -> str:
        installed = ", ".join(repr(n) for n in self.names()) or "none"
        hint = difflib.get_close_matches(name, self.names(), n=1)
        parts = [f"unknown modality {name!r}; installed modalities: {installed}."]
        if hint:
            parts.append(f"Did you mean {hint[0]!r}?")
        if name in KNOWN_PROVIDERS:
            parts.append(f"Install it with: pip install {KNOWN_PROVIDERS[name]}")
        else:
            parts.append(
                f"A third-party package that registers the {name!r} modality under the 'gradiend' "
                "entry-point group provides it."
            )
        return " ".join(parts)

    def resolve_export(self, name: str) -> Any:
        """Return the object a modality exports under ``name``; raise AttributeError if none does."""
        owner = self._export_owner(name)
        if owner is None:
            raise AttributeError(name)
        return resolve_reference(owner.exports[name])

    def export_names(self) -> list[str]:
        """Every public name the registered modalities export."""
        return sorted(n for spec in self._specs.values() for n in spec.exports)


@hookspec
def gradiend_register_modalities(register: ModalityRegistrar) -> None:
    """Register the modalities this plugin provides.

    Called once, when the modality registry is first built (on the first ``Trainer.for_modality``,
    ``gradiend plugins`` or lookup of a plugin-provided name such as ``gradiend.TextPredictionTrainer``).

    Args:
        register: call ``register.add_modality(name, trainer, exports=..., demo=..., description=...)``
            once per modality. ``name`` is the trainer class's ``MODALITY_NAME`` (the name its
            checkpoints record; checked when the class is resolved). ``trainer`` and the values of
            ``exports`` may be objects or lazy ``"module:attribute"`` strings; strings keep the plugin
            module cheap to import.

    Returns:
        Nothing; results are collected through ``register``.
    """


REGISTRATION_HOOKS: tuple[str, ...] = ("gradiend_register_modalities",)
"""Names of the hooks of the process-wide plugin manager."""

__all__ = [
    "REGISTRATION_HOOKS",
    "DuplicateModalityError",
    "ModalityRegistrar",
    "ModalityRegistry",
    "ModalitySpec",
    "UnknownModalityError",
    "gradiend_register_modalities",
    "resolve_reference",
]
