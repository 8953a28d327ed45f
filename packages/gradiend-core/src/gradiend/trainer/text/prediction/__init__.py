"""Upstream-compatible path ``gradiend.trainer.text.prediction`` (see its ``trainer`` module)."""
