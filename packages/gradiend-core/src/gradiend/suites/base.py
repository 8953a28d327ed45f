"""TrainerSuite: one trainer per member pair, built from one trainer class and shared arguments.

The suite mirrors the trainer's constructor: ``Suite(TrainerClass, model=..., data=..., args=...,
target_classes=[...])`` builds one child trainer per member (its ``target_classes`` and ``run_id`` set
by the suite, everything else shared). Members train through an executor (see
:mod:`gradiend.suites.members`), cache and resume one by one (each member's run folder and
fingerprint), and are evaluated, compared and rewritten together.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from gradiend.suites.definitions import (
    SuitePairDefinition,
    as_pair_definition,
    default_child_id,
    default_child_label,
)
from gradiend.suites.group import MemberGroup
from gradiend.trainer.trainer import Trainer

logger = logging.getLogger(__name__)

CLASS_COLUMNS: tuple[str, ...] = ("label_class", "feature_class", "class")
"""Columns a DataFrame's class may sit in (searched in this order) when the suite infers or merges classes."""


class TrainerSuite(MemberGroup, ABC):
    """One child trainer per member pair (see :class:`SymmetricTrainerSuite`, :class:`PositiveTrainerSuite`).

    Args:
        trainer_cls: the trainer class of every member (e.g. ``TextPredictionTrainer``).
        *trainer_args: positional arguments of ``trainer_cls``.
        target_classes: the classes the members are built from (inferred from a DataFrame ``data``).
        target_pairs: explicit member pairs instead of the suite's rule.
        pair_definitions: explicit :class:`SuitePairDefinition` members (or pairs, or dicts).
        run_id: the suite's folder under ``args.experiment_dir``; member ``m`` runs in ``run_id/m``.
        pair_filter: keep only pairs for which this returns True.
        pair_id_fn / pair_label_fn: member id and display label of a pair.
        retain_models_in_memory: keep each member's model after loading it (else reload per use).
        model_device: ``"cpu"`` or ``"cuda"``: where loaded member models are moved.
        **trainer_kwargs: keyword arguments of ``trainer_cls`` shared by every member.
    """

    def __init__(
        self,
        trainer_cls: type[Trainer],
        *trainer_args: Any,
        target_classes: Sequence[str] | None = None,
        target_pairs: Sequence[Sequence[str]] | None = None,
        pair_definitions: Sequence[Any] | None = None,
        run_id: str | None = None,
        pair_filter: Callable[[tuple[str, str]], bool] | None = None,
        pair_id_fn: Callable[[tuple[str, str]], str] | None = None,
        pair_label_fn: Callable[[tuple[str, str]], str] | None = None,
        retain_models_in_memory: bool = True,
        model_device: str = "cpu",
        **trainer_kwargs: Any,
    ) -> None:
        if not (isinstance(trainer_cls, type) and issubclass(trainer_cls, Trainer)):
            raise TypeError(f"trainer_cls must be a gradiend Trainer subclass, got {trainer_cls!r}")
        if model_device not in ("cpu", "cuda"):
            raise ValueError(f"model_device must be 'cpu' or 'cuda', got {model_device!r}")
        if run_id is not None and not isinstance(run_id, str):
            raise TypeError(f"run_id must be a string or None, got {run_id!r}")
        self.trainer_cls = trainer_cls
        self._trainer_args = trainer_args
        self._trainer_kwargs = dict(trainer_kwargs)
        self.run_id = run_id
        self.pair_id_fn = pair_id_fn or default_child_id
        self.pair_label_fn = pair_label_fn or default_child_label
        self.retain_models_in_memory = bool(retain_models_in_memory)
        self.model_device = model_device
        self.target_pairs = (
            [(str(p[0]), str(p[1])) for p in target_pairs] if target_pairs is not None else None
        )
        self._explicit = (
            [as_pair_definition(d) for d in pair_definitions] if pair_definitions is not None else None
        )
        self.target_classes = self._classes(target_classes)
        definitions = [
            d
            for d in self._resolve_pair_definitions()
            if pair_filter is None or pair_filter(d.target_classes)
        ]
        if not definitions:
            raise ValueError(
                f"{type(self).__name__} resolved no member pairs (check target_classes and pair_filter)"
            )
        self.pair_definitions: dict[str, SuitePairDefinition] = {}
        self.label_mapping: dict[str, str] = {}
        trainers: dict[str, Trainer] = {}
        for definition in definitions:
            child_id = definition.child_id or self.pair_id_fn(definition.target_classes)
            if child_id in trainers:
                raise ValueError(
                    f"two members get the id {child_id!r}; pass pair_id_fn or explicit child_id values"
                )
            self.pair_definitions[child_id] = definition
            self.label_mapping[child_id] = definition.label or self.pair_label_fn(definition.target_classes)
            trainers[child_id] = self._build_child_trainer(definition, child_id)
        self._init_group(trainers)

    # --- members ---------------------------------------------------------------------------------

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The member pairs, in member order."""
        return [d.target_classes for d in self.pair_definitions.values()]

    @property
    def pair_by_id(self) -> dict[str, tuple[str, str]]:
        """``{member id: pair}``."""
        return {k: d.target_classes for k, d in self.pair_definitions.items()}

    def get_pair_definition(self, child_id: str) -> SuitePairDefinition:
        """The definition of one member."""
        if child_id not in self.pair_definitions:
            raise KeyError(f"no member {child_id!r}; members: {list(self.pair_definitions)}")
        return self.pair_definitions[child_id]

    @abstractmethod
    def _resolve_pair_definitions(self) -> list[SuitePairDefinition]:
        """The members this kind of suite builds from its classes."""

    def _classes(self, target_classes: Sequence[str] | None) -> list[str]:
        if target_classes is not None:
            classes = [str(c) for c in target_classes]
        elif self._explicit is not None:
            classes = list(dict.fromkeys(c for d in self._explicit for c in d.target_classes))
        elif self.target_pairs is not None:
            classes = list(dict.fromkeys(c for p in self.target_pairs for c in p))
        else:
            classes = self._classes_from_data()
        if len(set(classes)) != len(classes):
            raise ValueError(f"target_classes must not repeat a class, got {classes}")
        if len(classes) < 2:
            raise ValueError(f"a suite needs at least 2 target classes, got {classes}")
        return classes

    def _classes_from_data(self) -> list[str]:
        data = self._trainer_kwargs.get("data")
        if isinstance(data, Mapping) and _is_per_class(data):
            return [str(c) for c in data]
        column = _class_column(data)
        if column is None:
            raise ValueError(
                "target_classes is required: the suite infers classes only from a DataFrame `data` with one "
                f"of the columns {list(CLASS_COLUMNS)}, or a per-class dict {{class: DataFrame}}"
            )
        assert isinstance(data, pd.DataFrame)
        return [str(c) for c in pd.unique(data[column].astype(str))]

    def _child_run_id(self, child_id: str) -> str:
        return str(Path(self.run_id) / child_id) if self.run_id else child_id

    def _build_child_trainer(self, definition: SuitePairDefinition, child_id: str) -> Trainer:
        kwargs = dict(self._trainer_kwargs)
        for name in ("args", "training_args"):
            if kwargs.get(name) is not None:
                kwargs[name] = kwargs[name].model_copy(deep=True)
        if definition.class_merge_map:
            kwargs["data"] = merged_classes(kwargs.get("data"), definition.class_merge_map)
        kwargs = self._prepare_child_trainer_kwargs(kwargs, definition=definition, child_id=child_id)
        kwargs["target_classes"] = list(definition.target_classes)
        kwargs["run_id"] = self._child_run_id(child_id)
        return self.trainer_cls(*self._trainer_args, **kwargs)

    def _prepare_child_trainer_kwargs(
        self, child_kwargs: dict[str, Any], *, definition: SuitePairDefinition, child_id: str
    ) -> dict[str, Any]:
        """Hook for subclasses: adjust one member's trainer arguments."""
        return child_kwargs

    # --- comparison shortcuts --------------------------------------------------------------------

    def positive_class_by_trainer(self) -> dict[str, str] | None:
        """Explicit positive class per member (positive suites), else None."""
        explicit = {k: d.positive_class for k, d in self.pair_definitions.items() if d.positive_class}
        return explicit or None

    def compute_anchor_aligned_encoding_matrix(
        self, *, split: str = "test", max_size: int | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Anchor-aligned cross-encoding over the suite's classes (see the comparison function)."""
        from gradiend.comparison import (
            build_cross_task_encoder_summary,
            compute_anchor_aligned_encoding_matrix,
        )

        summary = kwargs.pop("encoder_summary", None) or build_cross_task_encoder_summary(
            self.trainers, split=split, max_size=max_size, models=self.get_models()
        )
        kwargs.setdefault("feature_classes", self.target_classes)
        return compute_anchor_aligned_encoding_matrix(
            pair_by_id=self.pair_by_id, encoder_summary=summary, **kwargs
        )


def _class_column(data: Any) -> str | None:
    if not isinstance(data, pd.DataFrame):
        return None
    return next((c for c in CLASS_COLUMNS if c in data.columns), None)


def _is_per_class(data: Any) -> bool:
    """Whether ``data`` is the published per-class layout ``{class: DataFrame}``."""
    return (
        isinstance(data, Mapping)
        and bool(data)
        and all(isinstance(frame, pd.DataFrame) for frame in data.values())
    )


def _merged_per_class(
    data: Mapping[str, pd.DataFrame], merge_map: Mapping[str, Sequence[str]]
) -> dict[str, pd.DataFrame]:
    """Per-class data merged into ``{group class: its classes' rows}``.

    Class-named and alternative columns are dropped: they describe the original classes.
    """
    merged: dict[str, pd.DataFrame] = {}
    for target, sources in merge_map.items():
        missing = [s for s in sources if s not in data]
        if missing:
            raise ValueError(f"class_merge_map[{target!r}] names classes {missing} that are not in the data")
        drop = {str(c) for c in data} | {"alternative", "alternative_class"}
        frames = [data[s].drop(columns=[c for c in data[s].columns if c in drop]) for s in sources]
        merged[str(target)] = pd.concat(frames, ignore_index=True)
    return merged


def merged_classes(
    data: Any, merge_map: Mapping[str, Sequence[str]]
) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """``data`` with the classes of each merge group renamed to the group's class (other rows dropped).

    ``data`` is a DataFrame with a class column or a per-class dict ``{class: DataFrame}`` (merged
    into one frame per group class).

    Raises:
        ValueError: ``data`` has neither layout, or a merged class is missing.
    """
    if _is_per_class(data):
        return _merged_per_class(data, merge_map)
    column = _class_column(data)
    if column is None:
        raise ValueError(
            "class merging (one-vs-rest and all-but-one members) needs `data` as a DataFrame with one of the "
            f"columns {list(CLASS_COLUMNS)} or a per-class dict, got {type(data).__name__}"
        )
    assert isinstance(data, pd.DataFrame)
    present = set(data[column].astype(str))
    rename: dict[str, str] = {}
    for target, sources in merge_map.items():
        missing = [s for s in sources if s not in present]
        if missing:
            raise ValueError(f"class_merge_map[{target!r}] names classes {missing} that are not in the data")
        rename.update({str(s): str(target) for s in sources})
    out = data[data[column].astype(str).isin(list(rename))].copy()
    out[column] = out[column].astype(str).map(rename)
    for extra in ("alternative", "alternative_class"):
        if extra in out.columns:
            out = out.drop(columns=[extra])
    return out.reset_index(drop=True)


__all__ = ["CLASS_COLUMNS", "TrainerSuite", "merged_classes"]
