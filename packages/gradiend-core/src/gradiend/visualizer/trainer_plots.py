"""The trainer figures of ``gradiend.visualizer``: each is the trainer method of the same name, as a function.

``plot_training_convergence(trainer, ...)`` is ``trainer.plot_training_convergence(...)``: the
parameters, their defaults and the docstring are the method's (:class:`gradiend.trainer.plotting_mixin.
PlottingMixin`), written there once; these functions only forward to it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from gradiend.trainer.plotting_mixin import PlottingMixin


def trainer_plot_function(name: str) -> Callable[..., Any]:
    """A function ``f(trainer, *args, **kwargs)`` calling ``trainer.<name>(*args, **kwargs)``.

    Its signature (with ``trainer`` in place of ``self``) and docstring are those of the
    :class:`PlottingMixin` method ``name``; a trainer without that method is a ``TypeError``.
    """
    method = getattr(PlottingMixin, name)
    signature = inspect.signature(method)
    parameters = list(signature.parameters.values())
    trainer_parameter = parameters[0].replace(name="trainer", annotation="Trainer")

    def plot(trainer: Any, *args: Any, **kwargs: Any) -> Any:
        bound = getattr(trainer, name, None)
        if not callable(bound):
            raise TypeError(
                f"{name} needs a gradiend Trainer as its first argument, got {type(trainer).__name__}"
            )
        return bound(*args, **kwargs)

    plot.__name__ = plot.__qualname__ = name
    plot.__doc__ = method.__doc__
    plot.__module__ = "gradiend.visualizer"
    plot.__signature__ = signature.replace(parameters=[trainer_parameter, *parameters[1:]])  # type: ignore[attr-defined]
    return plot


plot_encoder_distributions = trainer_plot_function("plot_encoder_distributions")
plot_encoder_scatter = trainer_plot_function("plot_encoder_scatter")
plot_training_convergence = trainer_plot_function("plot_training_convergence")

__all__ = [
    "plot_encoder_distributions",
    "plot_encoder_scatter",
    "plot_training_convergence",
    "trainer_plot_function",
]
