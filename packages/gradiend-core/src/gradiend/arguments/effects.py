"""What each argument affects: the result of a run, or only how the run executes.

Every ``TrainingArguments`` field declares its effect in its metadata (``json_schema_extra={"effect": ...}``,
written with :func:`effect`). The run identity, the cache fingerprint and the executor's argument list are
derived from these declarations, so a new field is classified once, where it is defined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel

Effect = Literal["training", "seed_selection", "decoder_evaluation", "executor", "run", "output"]
"""The effects an argument can have (see :data:`EFFECT_CHANGES_RESULTS`)."""

EFFECT_KEY = "effect"
"""The metadata key (in ``json_schema_extra``) that holds a field's effect."""

EFFECT_CHANGES_RESULTS: Mapping[str, bool] = {
    "training": True,  # changes what one seed's training produces
    "seed_selection": True,  # chooses among seeds; one seed's training is unchanged
    "decoder_evaluation": True,  # read only by the decoder evaluation after training
    "executor": False,  # which executor runs independent work (local, Ray)
    "run": False,  # paths, caching, retention, devices, batch sizes of side work, extra analyses
    "output": False,  # what the run prints or reports to trackers
}
"""Whether an argument of each effect changes a run's results (True) or only how the run executes."""

EFFECT_DESCRIPTIONS: Mapping[str, str] = {
    "training": "changes what training produces",
    "seed_selection": "chooses among trained seeds (not what one seed produces)",
    "decoder_evaluation": "changes the decoder evaluation only",
    "executor": "chooses where independent work runs",
    "run": "changes how the run executes or what it keeps on disk, never its results",
    "output": "changes what the run prints or reports, never its results",
}
"""One line per effect, for documentation and error messages."""


def effect(kind: Effect) -> dict[str, Any]:
    """The ``json_schema_extra`` of a field with effect ``kind`` (a fresh dict per field)."""
    if kind not in EFFECT_CHANGES_RESULTS:
        raise ValueError(f"effect must be one of {list(EFFECT_CHANGES_RESULTS)}, got {kind!r}")
    return {EFFECT_KEY: kind}


def field_effects(model: type[BaseModel]) -> dict[str, str]:
    """Each field of ``model`` with its declared effect; raises naming any field without a valid one."""
    effects: dict[str, str] = {}
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra
        declared = extra.get(EFFECT_KEY) if isinstance(extra, dict) else None
        if declared not in EFFECT_CHANGES_RESULTS:
            raise TypeError(
                f"{model.__name__}.{name} declares no valid effect (got {declared!r}): give it "
                f"json_schema_extra=effect(...) with one of {list(EFFECT_CHANGES_RESULTS)}"
            )
        effects[name] = str(declared)
    return effects


def names_with_effect(effects: Mapping[str, str], *kinds: Effect) -> frozenset[str]:
    """The field names whose effect is one of ``kinds``."""
    unknown = [kind for kind in kinds if kind not in EFFECT_CHANGES_RESULTS]
    if unknown:
        raise ValueError(f"unknown effects {unknown}; valid: {list(EFFECT_CHANGES_RESULTS)}")
    return frozenset(name for name, kind in effects.items() if kind in kinds)


RESULT_EFFECTS: tuple[Effect, ...] = tuple(k for k in get_args(Effect) if EFFECT_CHANGES_RESULTS[k])
"""The effects that change results."""

RUN_ONLY_EFFECTS: tuple[Effect, ...] = tuple(k for k in get_args(Effect) if not EFFECT_CHANGES_RESULTS[k])
"""The effects that change only how a run executes."""

__all__ = [
    "EFFECT_CHANGES_RESULTS",
    "EFFECT_DESCRIPTIONS",
    "EFFECT_KEY",
    "RESULT_EFFECTS",
    "RUN_ONLY_EFFECTS",
    "Effect",
    "effect",
    "field_effects",
    "names_with_effect",
]
