"""The Trainer (public API) and its upstream-compatible sub-modules."""

from gradiend.trainer.trainer import Trainer

__all__ = ["Trainer"]
