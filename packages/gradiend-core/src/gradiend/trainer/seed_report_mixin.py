"""The published seed-report helpers of a trainer: where seed_report.json is and what it says.

``get_seed_report_path``, ``get_seed_report``, ``get_saved_seed_run_paths``, ``get_best_seed_run_path``
and ``get_seed_run_entries`` have the published gradiend names, arguments and results. They read the
report that multi-seed training writes into the seeds directory (``seed_runs_dir``, else
``experiment_dir/seeds``); a report of the earlier layout of this project is read too.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradiend.arguments import TrainingArguments
    from gradiend.trainer.multi_seed_view import MultiSeedTrainerView

logger = logging.getLogger(__name__)

SEED_SELECTIONS: tuple[str, ...] = ("best", "all_convergent", "all_tried")
"""The ``selection`` values of the seed-run helpers."""


class SeedReportMixin:
    """Seed-report helpers; the host class supplies ``experiment_dir``, ``model_path`` and ``args``."""

    if TYPE_CHECKING:

        @property
        def experiment_dir(self) -> str | None:
            """Declared by Trainer."""

        @property
        def model_path(self) -> str:
            """Declared by Trainer."""

        @property
        def args(self) -> TrainingArguments:
            """Declared by Trainer."""

    def get_seed_report_path(self) -> str | None:
        """The path of this trainer's seed_report.json, or None when no multi-seed run wrote one."""
        from gradiend.run_files import find_seed_report

        path = find_seed_report(self.experiment_dir, self.model_path, self.args.seed_runs_dir)
        return None if path is None else str(path)

    def get_seed_report(self) -> dict[str, Any] | None:
        """The seed report (published layout: ``runs``, ``seeds_tried``, ``convergent_count``...), or None.

        An unreadable report is logged as a warning naming the file and gives None.
        """
        from gradiend.run_files import load_seed_report

        path = self.get_seed_report_path()
        if path is None:
            return None
        try:
            return load_seed_report(path)
        except (OSError, ValueError) as error:
            logger.warning("could not read the seed report %s: %s", path, error)
            return None

    def get_saved_seed_run_paths(self, selection: str = "all_convergent") -> list[str]:
        """Directories of the saved seed runs that ``selection`` names (the model path when there are none).

        Args:
            selection: ``"best"`` (the selected model), ``"all_convergent"`` or ``"all_tried"``.
        """
        return [path for _, path in self.get_seed_run_entries(selection)]

    def get_best_seed_run_path(self) -> str | None:
        """The seed directory of the selected seed, when it still exists on disk."""
        report = self.get_seed_report()
        if not report:
            return None
        best = report.get("best_seed")
        for run in report.get("runs", []):
            if isinstance(run, dict) and run.get("seed") == best:
                directory = run.get("output_dir")
                if isinstance(directory, str) and Path(directory).is_dir():
                    return directory
        return None

    def get_seed_run_entries(self, selection: str = "all_convergent") -> list[tuple[int, str]]:
        """``(seed, output_dir)`` of the saved seed runs that ``selection`` names.

        Args:
            selection: ``"best"`` (the selected model at ``model_path``), ``"all_convergent"`` or
                ``"all_tried"`` (seed directories still on disk). Without a seed report, or when no
                listed directory exists, the single entry ``(best seed or 0, model_path)``.

        Raises:
            ValueError: ``selection`` is not one of :data:`SEED_SELECTIONS`.
        """
        choice = str(selection).strip().lower()
        if choice not in SEED_SELECTIONS:
            raise ValueError(f"selection must be one of {list(SEED_SELECTIONS)}, got {selection!r}")
        report = self.get_seed_report() or {}
        best = report.get("best_seed")
        fallback = [(best if isinstance(best, int) else 0, str(self.model_path))]
        if choice == "best":
            return fallback
        entries: list[tuple[int, str]] = []
        for run in report.get("runs", []):
            if not isinstance(run, dict) or not isinstance(run.get("output_dir"), str):
                continue
            if choice == "all_convergent" and not run.get("converged"):
                continue
            if Path(run["output_dir"]).is_dir():
                entries.append((int(run.get("seed", len(entries))), run["output_dir"]))
        return entries or fallback

    def multi_seed(
        self,
        selection: str = "all_convergent",
        aggregate: str = "mean",
        dispersion: str | None = None,
        return_per_seed: bool = False,
    ) -> MultiSeedTrainerView:
        """A view that evaluates and plots every selected seed run and aggregates (published API).

        Args:
            selection: ``"best"``, ``"all_convergent"`` or ``"all_tried"`` seed runs.
            aggregate: ``"mean"``, ``"median"``, ``"min"`` or ``"max"`` of scalar metrics.
            dispersion: ``"none"``, ``"std"``, ``"range"`` or ``"minmax"`` in ``seeds.stats``
                (default: ``"std"`` with ``analyze_seed_stability=True``, else ``"none"``).
            return_per_seed: also return each seed's full result under ``seeds.per_seed``.
        """
        from gradiend.trainer.multi_seed_view import MultiSeedTrainerView

        if dispersion is None:
            dispersion = "std" if self.args.analyze_seed_stability else "none"
        return MultiSeedTrainerView(
            self,  # type: ignore[arg-type]
            selection=selection,
            aggregate=aggregate,
            dispersion=dispersion,
            return_per_seed=return_per_seed,
        )


__all__ = ["SEED_SELECTIONS", "SeedReportMixin"]
