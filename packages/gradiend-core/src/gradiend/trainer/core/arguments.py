"""Upstream-compatible path: ``from gradiend.trainer.core.arguments import TrainingArguments``."""

from gradiend.arguments import TrainingArguments

__all__ = ["TrainingArguments"]
