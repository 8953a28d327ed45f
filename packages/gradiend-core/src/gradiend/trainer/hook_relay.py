"""Each trainer's own hook relay, with hook specs and defaults derived from the definition's methods.

Every definition step has one name (:data:`gradiend.definition.DEFINITION_STEPS`): the method ``<step>``
of :class:`~gradiend.definition.FeatureLearningDefinition` and the hook ``gradiend_<step>``. The hook's
arguments are ``trainer`` plus the method's own, and its documentation is the method's; both are read
from the method here, so each signature is written once. The relay registers a default implementation
(``trylast``) that calls the trainer's method, so
``trainer.hook.gradiend_create_training_data(trainer=trainer, split=..., max_size=...)`` calls the
plugins registered on that trainer (``trainer.register_plugin(obj)``) first, then the trainer's own method.
Subclassing still works: the default calls whatever method the trainer's class defines.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pluggy

from gradiend.definition import DEFINITION_STEPS, FeatureLearningDefinition
from gradiend.hooks.checked import RenamedHooks, register_checked, renamed_hooks
from gradiend.hooks.markers import PROJECT_NAME, hookimpl, hookspec

DEFAULT_STEPS_PLUGIN_NAME = "gradiend-definition-defaults"

DEFINITION_HOOKS: tuple[str, ...] = tuple(f"{PROJECT_NAME}_{step}" for step in DEFINITION_STEPS)
"""Names of the definition-step hooks, in the order a full run calls them."""

DEPRECATED_HOOK_NAMES: dict[str, str] = {
    "gradiend_decoder_eval_dataframe": "gradiend_create_decoder_eval_data"
}
"""Old hook name -> current one; a plugin implementing an old name still works (DeprecationWarning)."""


def hook_signature(step: str) -> inspect.Signature:
    """``(trainer, <the method's parameters>)`` without defaults (pluggy passes every argument by name)."""
    method = getattr(FeatureLearningDefinition, step)
    parameters = list(inspect.signature(method).parameters.values())[1:]  # without self
    trainer = inspect.Parameter(
        "trainer", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="FeatureLearningDefinition"
    )
    return inspect.Signature(
        [trainer, *(p.replace(default=inspect.Parameter.empty) for p in parameters)],
        return_annotation=f"{inspect.signature(method).return_annotation} | None",
    )


def _function(step: str, body: str, doc: str) -> Callable[..., Any]:
    """A function named ``gradiend_<step>`` whose parameters are the hook's (pluggy reads their names).

    pluggy reads an implementation's parameters from its code object, so the function is compiled from
    source, as :mod:`dataclasses` builds ``__init__``; ``body`` may use the parameters and ``_step``.
    """
    signature = hook_signature(step)
    name = f"{PROJECT_NAME}_{step}"
    source = f"def {name}({', '.join(signature.parameters)}):\n    {body}\n"
    namespace: dict[str, Any] = {"_step": step}
    exec(compile(source, f"<gradiend hook {name}>", "exec"), namespace)
    function: Callable[..., Any] = namespace[name]
    function.__module__ = __name__
    function.__doc__ = doc
    function.__signature__ = signature  # type: ignore[attr-defined]
    return function


def _spec(step: str) -> Callable[..., Any]:
    """The hook spec of one step: its signature and documentation are the method's."""
    method_doc = inspect.getdoc(getattr(FeatureLearningDefinition, step)) or ""
    doc = (
        f"Hook of the definition step ``{step}``: called as "
        f"``trainer.hook.{PROJECT_NAME}_{step}(trainer=..., ...)`` with the trainer asking plus the "
        f"arguments of ``FeatureLearningDefinition.{step}``; "
        "the first implementation that returns something other than ``None`` wins.\n\n" + method_doc
    )
    return hookspec(firstresult=True)(_function(step, "return None", doc))


def _default(step: str) -> Callable[..., Any]:
    """The default implementation of one step: the trainer's own method."""
    arguments = ", ".join(f"{n}={n}" for n in list(hook_signature(step).parameters)[1:])
    body = f"return getattr(trainer, _step)({arguments})"
    return hookimpl(trylast=True)(_function(step, body, f"Default: ``trainer.{step}``."))


DEFINITION_SPECS: dict[str, Callable[..., Any]] = {
    name: _spec(step) for name, step in zip(DEFINITION_HOOKS, DEFINITION_STEPS, strict=True)
}
"""The hook specs of a trainer's relay by name, one per step (derived from the definition's methods)."""

DefinitionSpecs: type = type(
    "DefinitionSpecs",
    (),
    {
        "__doc__": "The definition-step hook specs.",
        **{n: staticmethod(f) for n, f in DEFINITION_SPECS.items()},
    },
)

DefinitionMethods: type = type(
    "DefinitionMethods",
    (),
    {
        "__doc__": "Implements every definition hook by calling the trainer's own method (``trylast``).",
        **{n: staticmethod(_default(s)) for n, s in zip(DEFINITION_HOOKS, DEFINITION_STEPS, strict=True)},
    },
)


class DefinitionHookRelay(pluggy.PluginManager):
    """A trainer's plugin manager: definition-step specs only, each plugin checked when registered."""

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.add_hookspecs(DefinitionSpecs)
        pluggy.PluginManager.register(self, DefinitionMethods(), name=DEFAULT_STEPS_PLUGIN_NAME)

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register ``plugin``; an unknown hook (a typo, or the registration hook) is an error."""
        check_hook_plugin(plugin)
        return register_checked(
            self,
            renamed_hooks(plugin, DEPRECATED_HOOK_NAMES),
            name,
            DEFINITION_HOOKS,
            "a trainer's hook relay",
        )

    def unregister(self, plugin: object | None = None, name: str | None = None) -> Any:
        """Remove a plugin (by object or name), also one registered under deprecated hook names."""
        if plugin is not None and not self.is_registered(plugin):
            plugin = next(
                (p for p in self.get_plugins() if isinstance(p, RenamedHooks) and p.original is plugin),
                plugin,
            )
        return super().unregister(plugin, name)


def scores_in_parts(relay: pluggy.PluginManager, trainer_class: type) -> bool:
    """Whether a trainer's full scoring is for sure its two parts put together.

    True when no plugin implements ``gradiend_evaluate_base_model`` (only the default, which calls the
    trainer's method) and one class defines ``evaluate_base_model``, ``evaluate_probabilities`` and
    ``evaluate_utility`` (a subclass that overrides one of them, or a plugin that replaces the
    scoring, makes the decoder search score every point through ``evaluate_base_model`` instead).
    """
    impls = relay.hook.gradiend_evaluate_base_model.get_hookimpls()
    if any(impl.plugin_name != DEFAULT_STEPS_PLUGIN_NAME for impl in impls):
        return False
    names = ("evaluate_base_model", "evaluate_probabilities", "evaluate_utility")
    owners = {next(c for c in trainer_class.__mro__ if name in vars(c)) for name in names}
    return len(owners) == 1


def create_hook_relay() -> DefinitionHookRelay:
    """A plugin manager with the definition-step hook specs and the default definition methods registered."""
    return DefinitionHookRelay()


def check_hook_plugin(plugin: Any) -> None:
    """Reject plugin objects that implement no gradiend hook (a likely typo in a hook name)."""
    names = [name for name in dir(plugin) if name.startswith(f"{PROJECT_NAME}_")]
    if not names:
        raise ValueError(
            f"{plugin!r} implements no gradiend hook; hook names start with 'gradiend_' "
            f"(definition hooks: {', '.join(DEFINITION_HOOKS)})"
        )


__all__ = [
    "DEFAULT_STEPS_PLUGIN_NAME",
    "DEFINITION_HOOKS",
    "DEFINITION_SPECS",
    "DEPRECATED_HOOK_NAMES",
    "DefinitionHookRelay",
    "DefinitionMethods",
    "DefinitionSpecs",
    "check_hook_plugin",
    "create_hook_relay",
    "hook_signature",
    "scores_in_parts",
]
