"""Every hook spec of gradiend in one place (old path; the specs live with their managers).

* ``gradiend_register_modalities``: the process-wide plugin manager's one hook
  (:mod:`gradiend.hooks.registration`).
* ``gradiend_<step>`` for each definition step: a trainer's hook relay (:mod:`gradiend.trainer.hook_relay`),
  derived from the methods of :class:`gradiend.definition.FeatureLearningDefinition`.
"""

from gradiend.hooks.registration import gradiend_register_modalities
from gradiend.trainer.hook_relay import DEFINITION_HOOKS, DEFINITION_SPECS

gradiend_create_training_data = DEFINITION_SPECS["gradiend_create_training_data"]
gradiend_create_gradient_training_dataset = DEFINITION_SPECS["gradiend_create_gradient_training_dataset"]
gradiend_create_decoder_eval_data = DEFINITION_SPECS["gradiend_create_decoder_eval_data"]
gradiend_decoder_eval_targets = DEFINITION_SPECS["gradiend_decoder_eval_targets"]
gradiend_evaluate_base_model = DEFINITION_SPECS["gradiend_evaluate_base_model"]
gradiend_analyze_encoder = DEFINITION_SPECS["gradiend_analyze_encoder"]

__all__ = [
    "DEFINITION_HOOKS",
    "gradiend_analyze_encoder",
    "gradiend_create_decoder_eval_data",
    "gradiend_create_gradient_training_dataset",
    "gradiend_create_training_data",
    "gradiend_decoder_eval_targets",
    "gradiend_evaluate_base_model",
    "gradiend_register_modalities",
]
