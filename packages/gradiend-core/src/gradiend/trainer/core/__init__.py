"""Upstream-compatible paths (``gradiend.trainer.core.*``) re-exporting the core's arguments and pruning."""
