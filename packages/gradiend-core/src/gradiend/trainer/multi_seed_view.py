"""``trainer.multi_seed()``: evaluate and plot every selected seed's GRADIEND, then aggregate.

The published multi-seed view: each method runs once per saved seed run (``selection``), top-level
scalar metrics are aggregated over the seeds (``aggregate``) and the per-seed values and their spread
(``dispersion``) sit under the ``seeds`` key.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend

logger = logging.getLogger(__name__)

AGGREGATES: dict[str, Callable[[Sequence[float]], float]] = {
    "mean": lambda v: float(np.mean(v)),
    "median": lambda v: float(np.median(v)),
    "min": lambda v: float(np.min(v)),
    "max": lambda v: float(np.max(v)),
}
"""How scalar metrics are combined over the seeds."""

DISPERSIONS: tuple[str, ...] = ("none", "std", "range", "minmax")
"""The spread statistics of ``seeds.stats``."""


def _spread(values: Sequence[float], dispersion: str) -> dict[str, float]:
    stats: dict[str, float] = {}
    if dispersion == "std":
        stats["std"] = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    elif dispersion == "range":
        stats["range"] = float(max(values) - min(values))
    elif dispersion == "minmax":
        stats.update(min=float(min(values)), max=float(max(values)))
    return stats


class SeedRunsTrainer(Protocol):
    """What the view uses of its trainer (the Trainer satisfies it; the view never imports the facade)."""

    run_id: str | None

    def get_seed_run_entries(self, selection: str = "all_convergent") -> list[tuple[int, str]]:
        """``(seed, output_dir)`` of the saved seed runs that ``selection`` names."""
        ...

    def load_model(self, load_directory: str) -> ModelWithGradiend:
        """Load a GRADIEND checkpoint."""
        ...

    def evaluate_encoder(self, **kwargs: Any) -> dict[str, Any]:
        """Encoder metrics of one model."""
        ...

    def plot_encoder_distributions(self, **kwargs: Any) -> str:
        """Draw one encoder-distribution figure; returns its path."""
        ...


class MultiSeedTrainerView:
    """Evaluation and plots over the saved seed runs of one trainer (see ``Trainer.multi_seed``)."""

    def __init__(
        self,
        trainer: SeedRunsTrainer,
        *,
        selection: str = "all_convergent",
        aggregate: str = "mean",
        dispersion: str = "none",
        return_per_seed: bool = False,
    ) -> None:
        if aggregate not in AGGREGATES:
            raise ValueError(f"aggregate must be one of {list(AGGREGATES)}, got {aggregate!r}")
        if dispersion not in DISPERSIONS:
            raise ValueError(f"dispersion must be one of {list(DISPERSIONS)}, got {dispersion!r}")
        trainer.get_seed_run_entries(selection)  # validates ``selection``
        self.trainer = trainer
        self.selection = selection
        self.aggregate = aggregate
        self.dispersion = dispersion
        self.return_per_seed = bool(return_per_seed)

    def seed_entries(self) -> list[tuple[int, str]]:
        """``(seed, directory)`` of the selected seed runs."""
        return self.trainer.get_seed_run_entries(self.selection)

    def seed_paths(self) -> list[str]:
        """Directories of the selected seed runs."""
        return [path for _, path in self.seed_entries()]

    def load_models(self) -> list[ModelWithGradiend]:
        """The selected seeds' GRADIENDs, loaded from their directories."""
        return [self.trainer.load_model(path) for path in self.seed_paths()]

    def evaluate_encoder(self, **kwargs: Any) -> dict[str, Any]:
        """``trainer.evaluate_encoder(**kwargs)`` per seed; scalar metrics aggregated over the seeds.

        Returns:
            The aggregated scalar metrics (``correlation``, ``accuracy``...) and ``seeds``:
            ``{"seeds", "paths", "aggregate", "dispersion", "stats": {metric: {"values", "n",
            "aggregate", <dispersion>}}}`` (plus ``per_seed`` with ``return_per_seed=True``).
        """
        if "model_with_gradiend" in kwargs:
            raise TypeError(
                "multi_seed().evaluate_encoder evaluates each seed's model: omit model_with_gradiend"
            )
        entries = self.seed_entries()
        per_seed = []
        for seed, path in entries:
            logger.info("multi-seed view: encoder evaluation of seed %s (%s)", seed, path)
            per_seed.append(
                self.trainer.evaluate_encoder(model_with_gradiend=self.trainer.load_model(path), **kwargs)
            )
        return self._combine(entries, per_seed)

    def _combine(self, entries: list[tuple[int, str]], per_seed: list[dict[str, Any]]) -> dict[str, Any]:
        scalar_keys = [
            k
            for k, v in per_seed[0].items()
            if isinstance(v, int | float) and not isinstance(v, bool) and all(k in r for r in per_seed)
        ]
        combined: dict[str, Any] = {}
        stats: dict[str, dict[str, Any]] = {}
        for key in scalar_keys:
            values = [float(r[key]) for r in per_seed if not math.isnan(float(r[key]))]
            if not values:
                continue
            combined[key] = AGGREGATES[self.aggregate](values)
            stats[key] = {"values": values, "n": len(values), self.aggregate: combined[key]}
            stats[key].update(_spread(values, self.dispersion))
        combined["seeds"] = {
            "seeds": [seed for seed, _ in entries],
            "paths": [path for _, path in entries],
            "aggregate": self.aggregate,
            "dispersion": self.dispersion,
            "stats": stats,
        }
        if self.return_per_seed:
            combined["seeds"]["per_seed"] = per_seed
        return combined

    def plot_encoder_distributions(self, **kwargs: Any) -> dict[str, Any]:
        """One encoder-distribution figure per seed, saved in the seed's directory.

        Args:
            **kwargs: arguments of ``trainer.plot_encoder_distributions`` (``show``, ``max_size``,
                ``split``...); ``output`` is set per seed (``<seed dir>/encoder_distributions.png``).

        Returns:
            ``{"paths": [...], "seeds": [...]}``.
        """
        if "output" in kwargs or "encoder_df" in kwargs:
            raise TypeError(
                "multi_seed().plot_encoder_distributions writes one figure per seed: omit output/encoder_df"
            )
        paths, seeds = [], []
        for seed, path in self.seed_entries():
            output = str(Path(path) / "encoder_distributions.png")
            kwargs.setdefault("title", f"{self.trainer.run_id or 'GRADIEND'}: seed {seed}")
            paths.append(self.trainer.plot_encoder_distributions(output=output, model_path=path, **kwargs))
            kwargs.pop("title")
            seeds.append(seed)
        return {"paths": paths, "seeds": seeds}


__all__ = ["AGGREGATES", "DISPERSIONS", "MultiSeedTrainerView", "SeedRunsTrainer"]
