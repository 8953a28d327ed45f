"""Arguments of a GRADIEND run: ``TrainingArguments``, the pruning configurations and what each field affects.

``from gradiend.arguments import TrainingArguments, PrePruneConfig, PostPruneConfig`` is the import path;
the modules below hold one idea each: :mod:`~gradiend.arguments.training` (the arguments),
:mod:`~gradiend.arguments.pruning` (pruning configurations), :mod:`~gradiend.arguments.values` (value
types and dtype names), :mod:`~gradiend.arguments.effects` and :mod:`~gradiend.arguments.field_sets`
(which fields change results and which only change how a run executes).
"""

from gradiend.arguments.effects import EFFECT_CHANGES_RESULTS, Effect, effect
from gradiend.arguments.field_sets import (
    ARGUMENT_EFFECTS,
    DECODER_EVALUATION_ARGUMENTS,
    EXECUTOR_ARGUMENTS,
    OUTPUT_ONLY_ARGUMENTS,
    RESULT_ARGUMENTS,
    RUN_ONLY_ARGUMENTS,
    SEED_SELECTION_ARGUMENTS,
)
from gradiend.arguments.pruning import GradientKind, PostPruneConfig, PrePruneConfig, WeightPart
from gradiend.arguments.training import TrainingArguments
from gradiend.arguments.values import (
    DEFAULT_DECODER_LRS,
    DtypeName,
    LogLevelName,
    ReportTarget,
    UseCacheSetting,
    dtype_name,
    to_torch_dtype,
)

__all__ = [
    "ARGUMENT_EFFECTS",
    "DECODER_EVALUATION_ARGUMENTS",
    "DEFAULT_DECODER_LRS",
    "EFFECT_CHANGES_RESULTS",
    "EXECUTOR_ARGUMENTS",
    "OUTPUT_ONLY_ARGUMENTS",
    "RESULT_ARGUMENTS",
    "RUN_ONLY_ARGUMENTS",
    "SEED_SELECTION_ARGUMENTS",
    "DtypeName",
    "Effect",
    "GradientKind",
    "LogLevelName",
    "PostPruneConfig",
    "PrePruneConfig",
    "ReportTarget",
    "TrainingArguments",
    "UseCacheSetting",
    "WeightPart",
    "dtype_name",
    "effect",
    "to_torch_dtype",
]
