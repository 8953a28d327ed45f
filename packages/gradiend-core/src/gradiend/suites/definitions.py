"""Declarative pieces of a suite: member (pair) definitions, positive features, transition specs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class SuitePairDefinition:
    """One member of a suite: the two classes its GRADIEND learns, and how the suite names it.

    Attributes:
        target_classes: the member's pair ``(first, second)``; the first encodes +1.
        positive_class: the class a positive (one-vs-rest) suite reads as "the feature".
        child_id: the member id (and its run folder); default ``first__second``.
        label: display label; default ``"first <-> second"``.
        class_merge_map: ``{member class: [data classes]}``: data classes merged into a member class
            (e.g. ``{"non_pos": ["neg", "neutral"]}``).
        class_merge_transition_groups: published field for evaluating merged transitions together;
            not supported here (setting it raises a ValueError rather than being ignored).
    """

    target_classes: tuple[str, str]
    positive_class: str | None = None
    child_id: str | None = None
    label: str | None = None
    class_merge_map: Mapping[str, Sequence[str]] | None = None
    class_merge_transition_groups: Sequence[Sequence[str]] | None = None

    def __post_init__(self) -> None:
        classes = tuple(str(c) for c in self.target_classes)
        if len(classes) != 2 or classes[0] == classes[1]:
            raise ValueError(
                "SuitePairDefinition.target_classes must be two different classes, "
                f"got {self.target_classes!r}"
            )
        object.__setattr__(self, "target_classes", classes)
        if self.positive_class is not None and self.positive_class not in classes:
            raise ValueError(
                f"SuitePairDefinition.positive_class {self.positive_class!r} is not one of {list(classes)}"
            )
        if self.class_merge_transition_groups is not None:
            raise ValueError(
                "SuitePairDefinition.class_merge_transition_groups is not supported by this gradiend; "
                "leave it unset (class_merge_map merges classes)"
            )
        if self.class_merge_map is not None:
            unknown = [k for k in self.class_merge_map if k not in classes]
            if unknown:
                raise ValueError(f"class_merge_map keys {unknown} are not target classes {list(classes)}")


@dataclass(frozen=True)
class PositiveFeatureDefinition:
    """One feature of a positive suite: its positive class and the class that stands for "not it"."""

    positive_feature_class: str
    negative_feature_class: str
    feature_class_group: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class TransitionSpec:
    """Extra transitions to evaluate: a contrastive ``pair`` (one or both directions) or an ``identity``."""

    kind: Literal["pair", "identity"]
    source: str
    target: str
    symmetric: bool = True

    def __post_init__(self) -> None:
        if self.kind not in ("pair", "identity"):
            raise ValueError(f"TransitionSpec.kind must be 'pair' or 'identity', got {self.kind!r}")
        if self.kind == "identity" and self.source != self.target:
            raise ValueError("an identity TransitionSpec needs source == target")

    def edges(self) -> frozenset[tuple[str, str]]:
        """The directed transitions ``(source, target)`` this spec stands for."""
        if self.kind == "identity":
            return frozenset({(self.source, self.source)})
        if self.symmetric:
            return frozenset({(self.source, self.target), (self.target, self.source)})
        return frozenset({(self.source, self.target)})


def pair(source: str, target: str, *, symmetric: bool = True) -> TransitionSpec:
    """A contrastive transition spec (both directions unless ``symmetric=False``)."""
    return TransitionSpec(kind="pair", source=str(source), target=str(target), symmetric=bool(symmetric))


def identity(class_id: str) -> TransitionSpec:
    """The self-transition ``class_id -> class_id``."""
    return TransitionSpec(kind="identity", source=str(class_id), target=str(class_id), symmetric=False)


def slug(value: str) -> str:
    """A file-system safe fragment of a class name."""
    text = re.sub(r"[^0-9A-Za-z_+\-]+", "_", str(value).strip().replace("/", "_"))
    return re.sub(r"_+", "_", text).strip("_") or "class"


def default_child_id(classes: Sequence[str]) -> str:
    """``first__second`` (file-system safe)."""
    return f"{slug(classes[0])}__{slug(classes[1])}"


def default_child_label(classes: Sequence[str]) -> str:
    """``"first <-> second"``."""
    return f"{classes[0]} <-> {classes[1]}"


def as_pair_definition(value: Any) -> SuitePairDefinition:
    """A SuitePairDefinition from itself, a 2-sequence of classes, or a dict of its fields."""
    if isinstance(value, SuitePairDefinition):
        return value
    if isinstance(value, Mapping):
        return SuitePairDefinition(**dict(value))
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return SuitePairDefinition(target_classes=(str(value[0]), str(value[1])))
    raise TypeError(
        f"pair_definitions entries must be SuitePairDefinition, a dict or a pair of classes, got {value!r}"
    )


def infer_positive_class(classes: Sequence[str]) -> str:
    """X for ``(X, non_X)`` or ``(non_X, X)``, else the first class."""
    first, second = str(classes[0]), str(classes[1])
    if second in (f"non_{first}", f"non-{first}"):
        return first
    if first in (f"non_{second}", f"non-{second}"):
        return second
    return first


__all__ = [
    "PositiveFeatureDefinition",
    "SuitePairDefinition",
    "TransitionSpec",
    "as_pair_definition",
    "default_child_id",
    "default_child_label",
    "identity",
    "infer_positive_class",
    "pair",
    "slug",
]
