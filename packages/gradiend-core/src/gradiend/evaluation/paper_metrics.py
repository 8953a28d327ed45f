"""The bias metrics of the GRADIEND method paper, for use as a decoder-grid ``summary_extractor``.

With ``P_A`` and ``P_B`` the mean probabilities of the two pair classes on the evaluation rows and
``lms`` the utility score of the rewritten model:

* BPI (balanced): ``(1 - |P_A - P_B|) * (P_A + P_B) * lms`` -- both classes equally likely;
* FPI (towards the second class): ``(1 - P_A) * P_B * lms``;
* MPI (towards the first class): ``(1 - P_B) * P_A * lms``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

PAPER_METRICS: tuple[str, ...] = ("bpi", "fpi", "mpi")
"""Metric names :func:`paper_summary_extractor` adds to every grid record."""


def bpi_fpi_mpi(p_a: float, p_b: float, lms: float) -> dict[str, float]:
    """The three paper metrics for probabilities ``p_a``, ``p_b`` of the pair classes and utility ``lms``."""
    for name, value in (("p_a", p_a), ("p_b", p_b), ("lms", lms)):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    return {
        "bpi": (1.0 - abs(p_a - p_b)) * (p_a + p_b) * lms,
        "fpi": (1.0 - p_a) * p_b * lms,
        "mpi": (1.0 - p_b) * p_a * lms,
    }


def pair_probabilities(record: Mapping[str, Any], pair: tuple[str, str]) -> tuple[float, float]:
    """Mean ``P_A`` and ``P_B`` of one grid record, averaged over the data classes it was scored on.

    Reads the ``prob__<on_class>__<target_class>`` columns of :meth:`GridPoint.to_record`.
    """
    result = []
    for target in pair:
        suffix = f"__{target}"
        values = [float(v) for k, v in record.items() if k.startswith("prob__") and k.endswith(suffix)]
        if not values:
            raise KeyError(f"grid record has no probability column for target class {target!r}")
        result.append(sum(values) / len(values))
    return result[0], result[1]


def paper_summary_extractor(
    records: Sequence[Mapping[str, Any]], pair: tuple[str, str]
) -> list[dict[str, Any]]:
    """Copies of the grid records with ``bpi``, ``fpi`` and ``mpi`` added (utility = the record's ``lms``).

    ``P_A`` and ``P_B`` are averaged over every data class the record was scored on.
    """
    result = []
    for record in records:
        p_a, p_b = pair_probabilities(record, pair)
        result.append({**record, **bpi_fpi_mpi(p_a, p_b, float(record["lms"]))})
    return result


__all__ = ["PAPER_METRICS", "bpi_fpi_mpi", "pair_probabilities", "paper_summary_extractor"]
