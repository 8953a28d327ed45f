"""The one selection rule for every method, and the sweep points it chooses from.

GRADIEND's decoder-grid rule (``gradiend.evaluation.selection``): among the settings whose utility
on the selection texts keeps ``lms >= utility_ratio * base_lms`` (0.99), take the one with the
largest value on the validation rows (ties: the smaller strength). Here a method whose best kept
setting does not beat the base model's value has *no effect* at that utility (``None``), instead of
the library's fallback to the smallest learning rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.peers.measure import Measurement, Probabilities, gap, strengthen_value

ValueFn = Callable[[Probabilities], float]
"""Higher is better: the quantity a method is selected on, from one split's probabilities."""


def strengthen_she(probabilities: Probabilities) -> float:
    """P(" she") on he-rows."""
    return strengthen_value(probabilities, "she")


def weaken_he(probabilities: Probabilities) -> float:
    """1 - P(" he") on he-rows (the decoder grid's weakening value for "he")."""
    return 1.0 - probabilities["he"]["he"]


def erase_he_gap(probabilities: Probabilities) -> float:
    """Minus the he/she gap on he-rows, P(" he") - P(" she"): higher when the gap is smaller."""
    return -gap(probabilities, "he")


@dataclass
class Point:
    """One setting of one method and its measurement."""

    method: str
    setting: dict[str, float]
    strength: float
    measurement: Measurement
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return {
            "method": self.method,
            "setting": self.setting,
            "strength": self.strength,
            "measurement": self.measurement.to_dict(),
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Point:
        """Inverse of :meth:`to_dict`."""
        return cls(
            data["method"],
            dict(data["setting"]),
            float(data["strength"]),
            Measurement.from_dict(data["measurement"]),
            dict(data.get("extra", {})),
        )


def select(
    points: Sequence[Point], base: Measurement, value: ValueFn, utility_ratio: float = 0.99
) -> Point | None:
    """The kept point (selection utility >= ratio x base) with the largest value, or None (no effect)."""
    if not 0.0 < utility_ratio <= 1.0:
        raise ValueError(f"utility_ratio must be in (0, 1], got {utility_ratio}")
    floor = utility_ratio * base.lms_selection
    kept = [p for p in points if p.measurement.lms_selection >= floor]
    if not kept:
        return None
    best = max(kept, key=lambda p: (value(p.measurement.selection), -abs(p.strength)))
    if value(best.measurement.selection) <= value(base.selection):
        return None
    return best


__all__ = ["Point", "ValueFn", "erase_he_gap", "select", "strengthen_she", "weaken_he"]
