"""Upstream-compatible path ``gradiend.trainer.text``: the text modality lives in the gradiend-text plugin."""
