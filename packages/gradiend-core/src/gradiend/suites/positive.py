"""PositiveTrainerSuite: each class against the rest (``mode="single"``) or all-but-one features."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from gradiend.suites.base import TrainerSuite
from gradiend.suites.definitions import (
    PositiveFeatureDefinition,
    SuitePairDefinition,
    default_child_id,
    infer_positive_class,
)
from gradiend.trainer.trainer import Trainer

MODES: tuple[str, ...] = ("single", "all_but_one")
"""``single``: one member per positive class; ``all_but_one``: one member per held-out feature."""


class PositiveTrainerSuite(TrainerSuite):
    """Positive-vs-negative members: the positive class encodes +1, its negative class -1.

    Args:
        trainer_cls, *trainer_args: as for :class:`TrainerSuite`.
        mode: ``"single"``: one member ``(X, non_X)`` per positive class X (when the data has no class
            ``non_X``, every other class is merged into it: one-vs-rest); ``"all_but_one"``: per held-out
            feature (or ``feature_class_group``) one member ``("positive", "negative")`` whose positive
            class merges the other features' positive classes and whose negative class merges their
            negative classes.
        positive_feature_definitions: the features explicitly (else from ``target_pairs`` or the
            target classes that do not start with ``non_``).
        negative_class_fn: the name of X's negative class (default ``non_X``).
        **kwargs: as for :class:`TrainerSuite`.
    """

    def __init__(
        self,
        trainer_cls: type[Trainer],
        *trainer_args: Any,
        mode: str = "single",
        positive_feature_definitions: Sequence[PositiveFeatureDefinition] | None = None,
        negative_class_fn: Callable[[str], str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.mode = str(mode).strip().lower()
        if self.mode not in MODES:
            raise ValueError(f"PositiveTrainerSuite mode must be one of {list(MODES)}, got {mode!r}")
        self.negative_class_fn = negative_class_fn or (lambda value: f"non_{value}")
        self.positive_feature_definitions = (
            list(positive_feature_definitions) if positive_feature_definitions else None
        )
        super().__init__(trainer_cls, *trainer_args, **kwargs)

    def _features(self) -> list[PositiveFeatureDefinition]:
        if self.positive_feature_definitions is not None:
            return list(self.positive_feature_definitions)
        if self.target_pairs is not None:
            features = []
            for pair in self.target_pairs:
                positive = infer_positive_class(pair)
                negative = pair[1] if positive == pair[0] else pair[0]
                features.append(PositiveFeatureDefinition(positive, negative, label=positive))
            return features
        positives = [c for c in self.target_classes if not c.startswith(("non_", "non-"))]
        return [PositiveFeatureDefinition(c, self.negative_class_fn(c), label=c) for c in positives]

    def _resolve_pair_definitions(self) -> list[SuitePairDefinition]:
        if self._explicit is not None:
            return [
                SuitePairDefinition(
                    target_classes=d.target_classes,
                    positive_class=d.positive_class or infer_positive_class(d.target_classes),
                    child_id=d.child_id,
                    label=d.label,
                    class_merge_map=d.class_merge_map,
                )
                for d in self._explicit
            ]
        features = self._features()
        if not features:
            raise ValueError(
                "PositiveTrainerSuite found no positive classes (all target classes start with 'non_')"
            )
        return self._single(features) if self.mode == "single" else self._all_but_one(features)

    def _single(self, features: list[PositiveFeatureDefinition]) -> list[SuitePairDefinition]:
        definitions = []
        for feature in features:
            positive, negative = feature.positive_feature_class, feature.negative_feature_class
            merge = None
            if negative not in self.target_classes:
                rest = [c for c in self.target_classes if c != positive]
                merge = {positive: [positive], negative: rest}
            definitions.append(
                SuitePairDefinition(
                    target_classes=(positive, negative),
                    positive_class=positive,
                    label=feature.label or positive,
                    class_merge_map=merge,
                )
            )
        return definitions

    def _all_but_one(self, features: list[PositiveFeatureDefinition]) -> list[SuitePairDefinition]:
        grouped = [f.feature_class_group for f in features]
        if any(g is not None for g in grouped) and any(g is None for g in grouped):
            raise ValueError(
                "all_but_one: give feature_class_group on every PositiveFeatureDefinition or on none"
            )
        holdouts: dict[str, list[PositiveFeatureDefinition]] = {}
        for feature in features:
            key = feature.feature_class_group or feature.positive_feature_class
            holdouts.setdefault(key, []).append(feature)
        if len(holdouts) < 2:
            raise ValueError("all_but_one needs at least 2 features (or feature groups) to hold out in turn")
        definitions = []
        for key, held in holdouts.items():
            kept = [f for f in features if f not in held]
            by_group = held[0].feature_class_group is not None
            first = held[0]
            plain = default_child_id((first.positive_feature_class, first.negative_feature_class))
            child = f"holdout_group__{key}" if by_group else f"holdout__{plain}"
            definitions.append(
                SuitePairDefinition(
                    target_classes=("positive", "negative"),
                    positive_class="positive",
                    child_id=child,
                    label=f"All But {key if by_group else (held[0].label or key)}",
                    class_merge_map={
                        "positive": [f.positive_feature_class for f in kept],
                        "negative": [f.negative_feature_class for f in kept],
                    },
                )
            )
        return definitions


__all__ = ["MODES", "PositiveTrainerSuite"]
