"""The one import surface for modality plugin authors.

Everything a modality package needs comes from here (plus :mod:`gradiend.arguments` and
:mod:`gradiend.testing`): the ``hookimpl`` marker and the registrar of the registration hook, the
``Trainer`` base class and the record types of the definition, the atomic-write helpers, hashing for
``data_fingerprint``, ``lazy_exports`` for the plugin's own ``__init__`` and the demo helpers.

The registration names are imported at once (a plugin's entry-point module stays cheap to import);
the rest is imported on first use. The machinery itself lives in :mod:`gradiend.hooks`; the old
submodule paths (``gradiend.plugins.registry``, ``.hookspecs``, ``.manager``...) keep working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gradiend.hooks.lazy import lazy_exports
from gradiend.hooks.manager import (
    AUTOLOAD_ENV_VAR,
    ENTRY_POINT_GROUP,
    PROJECT_NAME,
    create_plugin_manager,
    get_plugin_manager,
    hookimpl,
    hookspec,
    register_plugin,
    reset_plugin_manager,
    unregister_plugin,
)
from gradiend.hooks.registration import (
    DuplicateModalityError,
    ModalityRegistrar,
    ModalityRegistry,
    ModalitySpec,
    UnknownModalityError,
    resolve_reference,
)
from gradiend.hooks.registry import get_registry

_LAZY: dict[str, str] = {
    # the definition contract and its records
    "FeatureLearningDefinition": "gradiend.definition",
    "GradientBatches": "gradiend.definition",
    "PairedLoss": "gradiend.definition",
    "DecoderEvalData": "gradiend.definition",
    "BaseModelScores": "gradiend.definition",
    "UtilityScore": "gradiend.definition",
    "ReportSection": "gradiend.definition",
    "SPLITS": "gradiend.definition",
    "SPLIT_ALIASES": "gradiend.definition",
    "TRAINING_DATA_COLUMNS": "gradiend.definition",
    "ENCODER_DATA_COLUMNS": "gradiend.definition",
    "DEFINITION_STEPS": "gradiend.definition",
    "normalize_split": "gradiend.definition",
    "select_targets": "gradiend.definition",
    # what a trainer builds on
    "Trainer": "gradiend.trainer.trainer",
    "TrainerConfig": "gradiend.trainer.config",
    "Evaluator": "gradiend.evaluation.evaluator",
    "ModelWithGradiend": "gradiend.model.with_gradiend",
    "GradientTrainingDataset": "gradiend.gradients.dataset",
    "load_training_arguments": "gradiend.model.checkpoint",
    "DEFINITION_HOOKS": "gradiend.trainer.hook_relay",
    # writing files and hashing data
    "atomic_directory": "gradiend.utils.atomic",
    "atomic_write_bytes": "gradiend.utils.atomic",
    "atomic_write_json": "gradiend.utils.atomic",
    "stable_hash": "gradiend.caching",
    "tensor_digest": "gradiend.caching",
    "frame_digest": "gradiend.caching",
    # demos (gradiend demo MODALITY)
    "DEMO_REPORT_NAME": "gradiend.demo",
    "finish_demo": "gradiend.demo",
    "print_summary": "gradiend.demo",
}

if TYPE_CHECKING:  # the lazy names, for type checkers (tests/plugin_contract checks they match _LAZY)
    from gradiend.caching import frame_digest, stable_hash, tensor_digest
    from gradiend.definition import (
        DEFINITION_STEPS,
        ENCODER_DATA_COLUMNS,
        SPLIT_ALIASES,
        SPLITS,
        TRAINING_DATA_COLUMNS,
        BaseModelScores,
        DecoderEvalData,
        FeatureLearningDefinition,
        GradientBatches,
        PairedLoss,
        ReportSection,
        UtilityScore,
        normalize_split,
        select_targets,
    )
    from gradiend.demo import DEMO_REPORT_NAME, finish_demo, print_summary
    from gradiend.evaluation.evaluator import Evaluator
    from gradiend.gradients.dataset import GradientTrainingDataset
    from gradiend.model.checkpoint import load_training_arguments
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.trainer.config import TrainerConfig
    from gradiend.trainer.hook_relay import DEFINITION_HOOKS
    from gradiend.trainer.trainer import Trainer
    from gradiend.utils.atomic import atomic_directory, atomic_write_bytes, atomic_write_json

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "AUTOLOAD_ENV_VAR",
    "DEFINITION_HOOKS",
    "DEFINITION_STEPS",
    "DEMO_REPORT_NAME",
    "ENCODER_DATA_COLUMNS",
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "SPLITS",
    "SPLIT_ALIASES",
    "TRAINING_DATA_COLUMNS",
    "BaseModelScores",
    "DecoderEvalData",
    "DuplicateModalityError",
    "Evaluator",
    "FeatureLearningDefinition",
    "GradientBatches",
    "GradientTrainingDataset",
    "ModalityRegistrar",
    "ModalityRegistry",
    "ModalitySpec",
    "ModelWithGradiend",
    "PairedLoss",
    "ReportSection",
    "Trainer",
    "TrainerConfig",
    "UnknownModalityError",
    "UtilityScore",
    "atomic_directory",
    "atomic_write_bytes",
    "atomic_write_json",
    "create_plugin_manager",
    "finish_demo",
    "frame_digest",
    "get_plugin_manager",
    "get_registry",
    "hookimpl",
    "hookspec",
    "lazy_exports",
    "load_training_arguments",
    "normalize_split",
    "print_summary",
    "register_plugin",
    "reset_plugin_manager",
    "resolve_reference",
    "select_targets",
    "stable_hash",
    "tensor_digest",
    "unregister_plugin",
]
