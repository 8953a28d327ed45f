"""The GRADIEND network, the parameter map, and the checkpoint format.

* :class:`GradiendModel` -- the encoder-decoder over flat gradient vectors;
* :class:`ParamMap` -- which base-model parameters (and entries) form that vector;
* :class:`ModelWithGradiend` -- base model + network + map, with rewrite and save/load;
* :mod:`gradiend.model.checkpoint` -- the on-disk format and its validation.
"""

from gradiend.model.checkpoint import (
    CONFIG_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    TRAINING_ARGS_FILE,
    TRAINING_STATS_FILE,
    WEIGHTS_FILE,
    is_gradiend_checkpoint,
    load_training_arguments,
    load_training_stats,
    read_checkpoint_config,
)
from gradiend.model.gradiend import ACTIVATIONS, IMPORTANCE_PARTS, GradiendModel
from gradiend.model.param_map import ParamMap, normalize_keep
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.utils.atomic import CheckpointError

__all__ = [
    "ACTIVATIONS",
    "CONFIG_FILE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "IMPORTANCE_PARTS",
    "TRAINING_ARGS_FILE",
    "TRAINING_STATS_FILE",
    "WEIGHTS_FILE",
    "CheckpointError",
    "GradiendModel",
    "ModelWithGradiend",
    "ParamMap",
    "is_gradiend_checkpoint",
    "load_training_arguments",
    "load_training_stats",
    "normalize_keep",
    "read_checkpoint_config",
]
