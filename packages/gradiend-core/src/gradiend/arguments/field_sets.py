"""The ``TrainingArguments`` field names grouped by effect, derived from each field's metadata.

These sets are what the run identity, the cache fingerprint and the executors read; none of them is
written by hand (see :mod:`gradiend.arguments.effects`).
"""

from __future__ import annotations

from gradiend.arguments.effects import RESULT_EFFECTS, RUN_ONLY_EFFECTS, field_effects, names_with_effect
from gradiend.arguments.training import TrainingArguments

ARGUMENT_EFFECTS: dict[str, str] = field_effects(TrainingArguments)
"""Each ``TrainingArguments`` field with its declared effect."""

RESULT_ARGUMENTS: frozenset[str] = names_with_effect(ARGUMENT_EFFECTS, *RESULT_EFFECTS)
"""Arguments that change results: part of the run identity and of every cache fingerprint."""

RUN_ONLY_ARGUMENTS: frozenset[str] = names_with_effect(ARGUMENT_EFFECTS, *RUN_ONLY_EFFECTS)
"""Arguments that change only how a run executes (paths, executors, output): never in fingerprints."""

OUTPUT_ONLY_ARGUMENTS: frozenset[str] = names_with_effect(ARGUMENT_EFFECTS, "output")
"""Arguments that change what a run prints or reports, never what it computes."""

EXECUTOR_ARGUMENTS: frozenset[str] = names_with_effect(ARGUMENT_EFFECTS, "executor")
"""Arguments that choose where independent work runs, never what it computes."""

SEED_SELECTION_ARGUMENTS: frozenset[str] = names_with_effect(ARGUMENT_EFFECTS, "seed_selection")
"""Arguments that choose among seeds but do not change one seed's training (ignored for seed reuse)."""

DECODER_EVALUATION_ARGUMENTS: frozenset[str] = names_with_effect(ARGUMENT_EFFECTS, "decoder_evaluation")
"""Arguments read only after training by the decoder evaluation: in cache keys, not in a model's identity."""

__all__ = [
    "ARGUMENT_EFFECTS",
    "DECODER_EVALUATION_ARGUMENTS",
    "EXECUTOR_ARGUMENTS",
    "OUTPUT_ONLY_ARGUMENTS",
    "RESULT_ARGUMENTS",
    "RUN_ONLY_ARGUMENTS",
    "SEED_SELECTION_ARGUMENTS",
]
