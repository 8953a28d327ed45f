"""SymmetricTrainerSuite: one GRADIEND per unordered pair of the target classes."""

from __future__ import annotations

from itertools import combinations

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


__all__ = ["SymmetricTrainerSuite"]
