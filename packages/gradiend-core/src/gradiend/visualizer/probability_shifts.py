"""The published ``gradiend.visualizer.probability_shifts`` path (see :mod:`gradiend.plotting.shifts`)."""

from __future__ import annotations

from gradiend.plotting.shifts import plot_probability_shifts

__all__ = ["plot_probability_shifts"]
