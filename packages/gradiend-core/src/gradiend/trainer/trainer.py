"""The Trainer: the Hugging Face-like public API of a GRADIEND run (it delegates; logic lives elsewhere)."""

from __future__ import annotations

import logging
import tempfile
import time
from abc import ABC
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from gradiend.arguments import TrainingArguments
from gradiend.logging import ensure_configured as ensure_logging_configured
from gradiend.model.checkpoint import read_checkpoint_config
from gradiend.model.gradiend import GradiendModel
from gradiend.model.param_map import ParamMap
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.pruning.config import PostPruneConfig, PrePruneConfig
from gradiend.trainer.default_steps import CoreDefinitionSteps
from gradiend.trainer.hook_relay import DEFAULT_STEPS_PLUGIN_NAME, create_hook_relay, scores_in_parts
from gradiend.trainer.plotting_mixin import PlottingMixin
from gradiend.trainer.published_api import PublishedApiMixin
from gradiend.trainer.seed_report_mixin import SeedReportMixin
from gradiend.utils.progress import progress_enabled

if TYPE_CHECKING:
    import pluggy

    from gradiend.evaluation.evaluator import Evaluator
    from gradiend.executors.base import Executor
    from gradiend.run_identity import RunIdentity
    from gradiend.training.callbacks import TrainingCallback

logger = logging.getLogger(__name__)

ModelSpec = str | nn.Module | ModelWithGradiend


class Trainer(PublishedApiMixin, SeedReportMixin, PlottingMixin, CoreDefinitionSteps, ABC):
    """Abstract GRADIEND trainer; a modality subclass supplies the definition (data, losses, scores).

    Args:
        model: base model id or path, a loaded ``nn.Module``, or a ``ModelWithGradiend``.
        target_classes: the feature pair, e.g. ``["3SG", "3PL"]`` (first encodes +1).
        args: the :class:`~gradiend.arguments.TrainingArguments` (``training_args`` is an alias).
        run_id: sub-directory of ``args.experiment_dir`` for this run.
        n_features: latent dimension when ``args.latent_dim`` is unset.
        evaluator_class: evaluator to use (default :class:`~gradiend.evaluation.evaluator.Evaluator`).
        all_classes: every class in the data (inferred from the data when omitted).
        training_args: alias of ``args``.
        **kwargs: trainer attributes to set (the published ``**kwargs``): only the names in
            :attr:`ATTRIBUTE_KWARGS` (e.g. ``model_with_gradiend_cls``); any other name raises TypeError.
    """

    MODALITY_NAME: ClassVar[str | None] = None
    """The name under which a plugin registers this trainer (e.g. ``"text"``)."""

    def __init__(
        self,
        model: ModelSpec,
        target_classes: Sequence[str] | None = None,
        args: TrainingArguments | None = None,
        run_id: str | None = None,
        n_features: int = 1,
        evaluator_class: type[Evaluator] | None = None,
        all_classes: Sequence[str] | None = None,
        *,
        training_args: TrainingArguments | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            target_classes=target_classes, run_id=run_id, n_features=n_features, all_classes=all_classes
        )
        if args is not None and training_args is not None:
            raise ValueError("pass the arguments once: either args= or training_args=, not both")
        self.training_args = args if args is not None else training_args
        ensure_logging_configured()  # the library's log lines are visible from the first use on
        if not isinstance(model, (str, Path, nn.Module, ModelWithGradiend)):
            raise TypeError(
                f"model must be a model id/path, an nn.Module or a ModelWithGradiend, got {type(model)!r}"
            )
        self._model_spec: ModelSpec = str(model) if isinstance(model, Path) else model
        if isinstance(self._model_spec, str):
            from gradiend.model.checkpoint import check_model_spec

            check_model_spec(self._model_spec)
        self._base_model: nn.Module | None = None
        self._param_map: ParamMap | None = None
        self._model_with_gradiend: ModelWithGradiend | None = (
            model if isinstance(model, ModelWithGradiend) else None
        )
        self._model_path: str | None = None
        self._evaluator_class = evaluator_class
        self._evaluator: Evaluator | None = None
        self._hook_manager = create_hook_relay()
        self.seed_runs: dict[int, ModelWithGradiend] | None = None
        self.model_with_gradiend_cls: type[ModelWithGradiend] | None = None
        self.set_attribute_kwargs(kwargs)

    def __str__(self) -> str:
        """One line naming the trainer, its base model and its pair."""
        return f"{type(self).__name__}(model={self.base_model_path!r}, target_classes={self.target_classes})"

    def progress_bars(self) -> bool:
        """Whether long steps show progress bars: not with ``args.disable_tqdm`` or ``TQDM_DISABLE``."""
        return progress_enabled(True, self.args.disable_tqdm)

    # --- pickling (executors ship trainers to worker processes) ----------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """Everything but the hook manager (its plugins travel, and must pickle) and the evaluator."""
        state = self.__dict__.copy()
        manager = state.pop("_hook_manager")
        state["_evaluator"] = None
        state.pop("_active_executor", None)  # executors hold workers and connections: never shipped
        state["_hook_plugins"] = [
            (name, plugin)
            for name, plugin in manager.list_name_plugin()
            if name != DEFAULT_STEPS_PLUGIN_NAME and plugin is not None
        ]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the state; a fresh hook manager gets the plugins again, in registration order."""
        plugins = state.pop("_hook_plugins", [])
        self.__dict__.update(state)
        self._hook_manager = create_hook_relay()
        for name, plugin in plugins:
            self._hook_manager.register(plugin, name=name)

    # --- modality lookup -------------------------------------------------------------------------

    @classmethod
    def for_modality(cls, name: str, **kwargs: Any) -> Trainer:
        """The trainer of an installed modality plugin, e.g. ``Trainer.for_modality("text", model=...)``."""
        from gradiend.hooks.registry import get_registry

        trainer_cls = get_registry().trainer_class(name)
        if not issubclass(trainer_cls, Trainer):
            raise TypeError(f"modality {name!r} registered {trainer_cls!r}, which is not a gradiend Trainer")
        return trainer_cls(**kwargs)

    # --- hooks -------------------------------------------------------------------------------------

    @property
    def hook(self) -> pluggy.HookRelay:
        """This trainer's hook relay: ``trainer.hook.gradiend_<step>(trainer=trainer, ...)``."""
        return self._hook_manager.hook

    def register_plugin(self, plugin: object, name: str | None = None) -> None:
        """Override or wrap definition steps of this trainer with a plugin object's ``gradiend_*`` hooks.

        Raises:
            ValueError: the object implements no ``gradiend_*`` hook.
            pluggy.PluginValidationError: it implements a hook that is not a definition step (a typo, or
                ``gradiend_register_modalities``, which belongs on the process-wide manager).
        """
        self._hook_manager.register(plugin, name=name)

    def unregister_plugin(self, plugin: object) -> None:
        """Remove a plugin registered with :meth:`register_plugin`."""
        self._hook_manager.unregister(plugin)

    def scores_in_parts(self) -> bool:
        """Whether ``evaluate_base_model`` is for sure ``evaluate_probabilities`` + ``evaluate_utility``.

        See :func:`gradiend.trainer.hook_relay.scores_in_parts`; the adaptive decoder search scores
        points from the two parts only then.
        """
        return scores_in_parts(self._hook_manager, type(self))

    # --- arguments and paths -------------------------------------------------------------------------

    @property
    def training_args(self) -> TrainingArguments | None:
        """The TrainingArguments of this trainer (read when ``train()`` runs)."""
        return self._training_args

    @training_args.setter
    def training_args(self, value: TrainingArguments | None) -> None:
        if value is not None and not isinstance(value, TrainingArguments):
            raise TypeError(f"args must be a gradiend TrainingArguments, got {type(value).__name__}")
        self._training_args = value

    @property
    def args(self) -> TrainingArguments:
        """The arguments in force (defaults when none were given)."""
        if self._training_args is None:
            self._training_args = TrainingArguments()
        return self._training_args

    @property
    def experiment_dir(self) -> str | None:
        """``args.experiment_dir``, with ``run_id`` appended when set."""
        root = self._training_args.experiment_dir if self._training_args is not None else None
        if root is None:
            return None
        return str(Path(root) / self.run_id) if self.run_id else root

    @property
    def base_model_path(self) -> str:
        """The base model id or path given at construction (e.g. ``"bert-base-cased"``)."""
        spec = self._model_spec
        if isinstance(spec, ModelWithGradiend):
            return spec.base_model_id
        if isinstance(spec, nn.Module):
            return model_identifier(spec)
        return spec

    @property
    def model_path(self) -> str:
        """The base model before training; the trained GRADIEND directory after ``train()``."""
        return self._model_path or self.base_model_path

    def default_output_dir(self) -> str:
        """Where ``train()`` saves without an explicit output_dir."""
        if self.args.output_dir:
            return self.args.output_dir
        if self.experiment_dir:
            return str(Path(self.experiment_dir) / "model")
        folder = tempfile.mkdtemp(prefix="gradiend-")
        logger.warning(
            "no experiment_dir or output_dir given: the model is saved in the temporary folder %s", folder
        )
        return folder

    def cache_fingerprint(self) -> str:
        """A digest of what decides this trainer's results (its :meth:`run_identity`)."""
        return self.run_identity().digest()

    def run_identity(self) -> RunIdentity:
        """The run identity: base model by content, pair and order, data, arguments, format version."""
        from gradiend.run_identity import RunIdentity, base_model_digest, result_arguments

        digest = self.__dict__.get("_base_model_digest")
        if digest is None:
            store = Path(self.experiment_dir) if self.experiment_dir else None
            spec = self._model_spec
            source = spec.base_model if isinstance(spec, ModelWithGradiend) else spec
            digest = base_model_digest(source, lambda: self.base_model, store)
            self._base_model_digest = digest
        return RunIdentity(
            modality=type(self).__name__,
            target_classes=tuple(self.require_pair()),
            base_model=digest,
            base_model_name=self.base_model_path,
            data=self.data_fingerprint(),
            arguments=result_arguments(self.args.to_dict()),
        )

    # --- models --------------------------------------------------------------------------------------

    @property
    def base_model(self) -> nn.Module:
        """The base model, loaded on first use through the modality."""
        if self._base_model is None:
            spec = self._model_spec
            source: str | nn.Module = spec.base_model if isinstance(spec, ModelWithGradiend) else spec
            self._base_model = self.load_base_model(source)
        return self._base_model

    @property
    def param_map(self) -> ParamMap:
        """The base-model parameters GRADIEND reads (``args.params`` or the backbone; pre-pruned if so)."""
        if self._param_map is None:
            model = self.base_model
            defaults = self.default_parameter_names(model)
            patterns = self.args.params
            self._param_map = (
                ParamMap.from_patterns(model, patterns, defaults)
                if patterns
                else ParamMap.from_model(model, defaults)
            )
        return self._param_map

    def create_model_with_gradiend(
        self, args: TrainingArguments | None = None, param_map: ParamMap | None = None
    ) -> ModelWithGradiend:
        """A fresh (untrained) GRADIEND over ``param_map`` (default: :attr:`param_map`).

        It is initialised from the current torch seed.
        """
        args = args or self.args
        param_map = self.param_map if param_map is None else param_map
        gradiend = GradiendModel(
            param_map.size,
            latent_dim=args.latent_dim or self.n_features,
            activation_encoder=args.activation_encoder or "tanh",
            activation_decoder=args.activation_decoder or "identity",
            bias_decoder=True if args.bias_decoder is None else args.bias_decoder,
            dtype=args.gradiend_torch_dtype,
        )
        device = args.gradiend_device or model_device(self.base_model)
        gradiend.to(device)
        metadata = {"modality": self.MODALITY_NAME} if self.MODALITY_NAME else {}
        return ModelWithGradiend(
            self.base_model, gradiend, param_map, base_model_id=self.base_model_path, metadata=metadata
        )

    def get_model(
        self, use_cache: bool | None = None, load_directory: str | None = None, **kwargs: Any
    ) -> ModelWithGradiend:
        """The trainer's ModelWithGradiend: in memory if set, else loaded (and cached) from disk."""
        if load_directory is not None:
            self._model_with_gradiend = self.load_model(load_directory, **kwargs)
            return self._model_with_gradiend
        if self._model_with_gradiend is None and self._model_path is None:
            from gradiend.training.reuse import reopen_finished_model

            reopened = reopen_finished_model(self)  # a finished run of the same identity on disk
            if reopened is None:
                raise ValueError("no trained GRADIEND yet: call train() or get_model(load_directory=...)")
            self._model_path, self._model_with_gradiend = reopened
        if self._model_with_gradiend is None:
            assert self._model_path is not None
            self._model_with_gradiend = self.load_model(self._model_path, **kwargs)
        return self._model_with_gradiend

    def load_model(
        self,
        load_directory: str,
        model_with_gradiend_cls: type[ModelWithGradiend] | None = None,
        **kwargs: Any,
    ) -> ModelWithGradiend:
        """Load a GRADIEND checkpoint; its base model comes from this trainer when the ids match."""
        config = read_checkpoint_config(load_directory)
        base_id = str(config["base_model_id"])
        base = self.base_model if base_id == self.base_model_path else self.load_base_model(base_id)
        cls = model_with_gradiend_cls or self.model_with_gradiend_cls or ModelWithGradiend
        return cls.from_pretrained(load_directory, base_model=base, **kwargs)

    # --- devices ---------------------------------------------------------------------------------------

    def to(self, device: str | torch.device) -> Trainer:
        """Move the base model and the GRADIEND (when loaded) to ``device``."""
        if self._base_model is not None:
            self._base_model.to(device)
        if self._model_with_gradiend is not None:
            self._model_with_gradiend.to(device)
        return self

    def cuda(self, device: int | str | torch.device | None = None) -> Trainer:
        """Move to CUDA: ``None`` -> ``cuda``, an int N -> ``cuda:N``."""
        if not torch.cuda.is_available():
            raise RuntimeError(
                "trainer.cuda(): no CUDA device is available (torch.cuda.is_available() is False)"
            )
        target = "cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device
        return self.to(target)

    def cpu(self) -> Trainer:
        """Move to the CPU."""
        return self.to("cpu")

    # --- training --------------------------------------------------------------------------------------

    def train(
        self,
        output_dir: str | None = None,
        model: ModelSpec | None = None,
        model_with_gradiend_cls: type[ModelWithGradiend] | None = None,
        callbacks: list[TrainingCallback] | None = None,
        executor: Executor | str | None = None,
        **training_args_overrides: Any,
    ) -> Trainer | dict[int, ModelWithGradiend]:
        """Train a GRADIEND (pre-prune, seeds, post-prune as the arguments say) and save it.

        Seeds run on ``executor``: an :class:`~gradiend.executors.Executor`, or ``"local"``/``"ray"``
        (which, like the default, is read from ``args.executor`` and ``args.ray_address``).
        Returns the trainer, or ``{seed: ModelWithGradiend}`` when ``keep_seed_runs`` is set.
        """
        from gradiend.training.orchestration import run_training
        from gradiend.training.run_output import announce_training, prepare_run_output

        started = time.perf_counter()
        if isinstance(executor, str):
            training_args_overrides["executor"] = executor
            executor = None
        if training_args_overrides:
            self._training_args = self.args.with_overrides(**training_args_overrides)
        if model is not None:
            self._reset_model(model)
        prepare_run_output(self.args)
        result = run_training(
            self,
            self.args,
            output_dir or self.default_output_dir(),
            callbacks=callbacks,
            model_with_gradiend_cls=model_with_gradiend_cls or self.model_with_gradiend_cls,
            executor=executor,
            progress=self.progress_bars(),
        )
        announce_training(result.output_dir, self.args, self.require_pair(), started)
        if result.param_map is not None:  # the run pre-pruned: later models use the pruned map
            self._param_map = result.param_map
        self._model_path = result.output_dir
        self._model_with_gradiend = result.model
        self._evaluator = None
        self.post_training()
        if self.args.keep_seed_runs:
            return dict(result.seed_models)
        return self

    def _reset_model(self, model: ModelSpec) -> None:
        self._model_spec = model
        self.__dict__.pop("_base_model_digest", None)
        self._base_model = None
        self._param_map = None
        self._model_with_gradiend = model if isinstance(model, ModelWithGradiend) else None

    def post_training(self) -> None:
        """Hook for subclasses: runs after ``train()``; the default does nothing."""

    def push_to_hub(self, repo_id: str, folder: str | None = None, **kwargs: Any) -> str:
        """Upload the trained GRADIEND (default) or ``folder`` (e.g. a rewritten model) with its card.

        See :func:`gradiend.model.hub.push_to_hub` for the keyword arguments and the offline behaviour.
        """
        from gradiend.model.hub import push_to_hub

        if folder is None and self._model_path is None:
            raise ValueError("nothing to push yet: call train() first, or pass folder=")
        return push_to_hub(folder or self.model_path, repo_id, **kwargs)

    def pre_prune(
        self, pre_cfg: PrePruneConfig | None = None, executor: Executor | str | None = None
    ) -> ParamMap:
        """Shrink the parameter map to the most important inputs before training; returns the new map.

        The sample gradients are computed on ``executor`` (default: the one ``args.executor`` names).
        """
        from gradiend.executors.factory import executor_scope
        from gradiend.pruning.pre import pre_prune

        cfg = pre_cfg or self.args.pre_prune_config
        if cfg is None:
            raise ValueError("pre_prune needs a PrePruneConfig (argument or args.pre_prune_config)")
        with executor_scope(self.args, executor) as resolved:
            self._param_map = pre_prune(self, cfg, resolved)
        return self._param_map

    def post_prune(self, post_cfg: PostPruneConfig | None = None) -> ModelWithGradiend:
        """Keep the most important GRADIEND inputs by weight; the pruned model stays in memory."""
        from gradiend.pruning.post import post_prune

        cfg = post_cfg or self.args.post_prune_config
        if cfg is None:
            raise ValueError("post_prune needs a PostPruneConfig (argument or args.post_prune_config)")
        self._model_with_gradiend = post_prune(self.get_model(), cfg)
        self._evaluator = None
        return self._model_with_gradiend

    # --- evaluation (delegated to the Evaluator) ----------------------------------------------------------

    @property
    def evaluator(self) -> Evaluator:
        """The evaluator of this trainer (created on first use)."""
        if self._evaluator is None:
            from gradiend.evaluation.evaluator import Evaluator

            cls = self._evaluator_class or Evaluator
            self._evaluator = cls(self)
        return self._evaluator

    def get_training_stats(self, model_path: str | None = None) -> dict[str, Any] | None:
        """The training.json of a trained model (default: this trainer's model)."""
        from gradiend.model.checkpoint import load_training_stats

        return load_training_stats(model_path or self.model_path)


def model_identifier(model: nn.Module) -> str:
    """A readable id of an in-memory model (its ``name_or_path`` when a Hugging Face model)."""
    config = model.__dict__.get("config")
    name = config.__dict__.get("_name_or_path") if config is not None else None
    return str(name) if name else f"<in-memory {type(model).__name__}>"


def model_device(model: nn.Module) -> torch.device:
    """The device of a model's first parameter (CPU for a parameterless model)."""
    for parameter in model.parameters():
        return parameter.device
    return torch.device("cpu")


__all__ = ["Trainer", "model_device", "model_identifier"]
