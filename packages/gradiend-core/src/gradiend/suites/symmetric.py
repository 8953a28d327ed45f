"""SymmetricTrainerSuite: one GRADIEND per unordered pair of the target classes."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

from gradiend.suites.base import TrainerSuite
from gradiend.suites.definitions import SuitePairDefinition


class SymmetricTrainerSuite(TrainerSuite):
    """One member per unordered pair of ``target_classes`` (3 classes: 3 members; 4 classes: 6).

    The pair keeps the order of ``target_classes`` (its first class encodes +1). ``target_pairs`` or
    ``pair_definitions`` replace the full set of pairs.
    """

    def _resolve_pair_definitions(self) -> list[SuitePairDefinition]:
        if self._explicit is not None:
            return list(self._explicit)
        if self.target_pairs is not None:
            seen: set[frozenset[str]] = set()
            definitions = []
            for first, second in self.target_pairs:
                key = frozenset((first, second))
                if key in seen:
                    raise ValueError(f"target_pairs repeats the unordered pair {sorted(key)}")
                seen.add(key)
                definitions.append(SuitePairDefinition(target_classes=(first, second)))
            return definitions
        return [SuitePairDefinition(target_classes=(a, b)) for a, b in combinations(self.target_classes, 2)]

    def plot_cross_encoding_heatmap(  # type: ignore[override]
        self,
        feature_classes: Sequence[str] | None = None,
        *,
        alignment: str | None = None,
        metric: str = "positive_mean",
        run_evaluation: bool = True,
        split: str | None = None,
        max_size: int | None = None,
        aggregate: str = "mean",
        column_ids: Sequence[str] | None = None,
        **plot_kwargs: Any,
    ) -> Any:
        """The published oriented cross-encoding heatmap of a symmetric suite.

        With ``feature_classes`` or ``alignment`` (published call): rows are the classes, columns the
        classes aligned ``factual`` (default), ``counterfactual`` or ``transition``, and a cell the
        ``aggregate`` of the members' encodings (see
        :func:`gradiend.comparison.compute_anchor_aligned_encoding_matrix`). Without them: the members'
        cross-encoding matrix of ``metric`` (:meth:`MemberGroup.plot_cross_encoding_heatmap`).
        ``run_evaluation=False`` reuses the last :meth:`evaluate_encoder` call's split and size.
        """
        if feature_classes is None and alignment is None:
            return super().plot_cross_encoding_heatmap(
                metric, run_evaluation=run_evaluation, split=split, max_size=max_size, **plot_kwargs
            )
        from gradiend.plotting.comparison import plot_cross_encoding_heatmap

        split, max_size = self.encoding_scope(run_evaluation, split, max_size)
        data = self.compute_anchor_aligned_encoding_matrix(
            split=split,
            max_size=max_size,
            feature_classes=list(feature_classes or self.target_classes),
            alignment=alignment or "factual",
            aggregate=aggregate,
            column_ids=column_ids,
        )
        plot_kwargs.setdefault("ylabel", "anchor class")
        return plot_cross_encoding_heatmap(data, **plot_kwargs)


__all__ = ["SymmetricTrainerSuite"]
