"""What evaluation, training, pruning and their units of work need from a run: the :class:`RunContext`.

The :class:`~gradiend.trainer.trainer.Trainer` facade satisfies this Protocol (mypy checks it wherever
the facade passes itself on), so the layers below it never import the facade: they see only the
members listed here. Hook calls still pass the context on as ``trainer=`` (the definition hooks'
argument name), and at run time it is the facade itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd
    import pluggy
    from torch import nn

    from gradiend.arguments import TrainingArguments
    from gradiend.definition import DecoderEvalData, PairedLoss, UtilityScore
    from gradiend.model.param_map import ParamMap
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.run_identity import RunIdentity


class LossDefinition(Protocol):
    """Anything that computes the paired losses of rows on a base model (a definition or a run)."""

    def compute_losses(self, base_model: nn.Module, rows: pd.DataFrame) -> PairedLoss:
        """The losses of ``rows`` on ``base_model`` (see ``FeatureLearningDefinition.compute_losses``)."""
        ...


class EncoderEvaluating(Protocol):
    """The part of an evaluator that training uses: an encoder evaluation of one model."""

    def evaluate_encoder(
        self,
        *,
        model_with_gradiend: ModelWithGradiend | None = None,
        split: str = "test",
        max_size: int | None = None,
        use_cache: bool | None = None,
        executor: str | None = None,
    ) -> dict[str, Any]:
        """Encoder metrics (``correlation``...) of ``model_with_gradiend`` on ``split``."""
        ...


class RunContext(LossDefinition, Protocol):
    """The members of a run (a trainer) that evaluation, training, pruning and the executors' units use."""

    @property
    def args(self) -> TrainingArguments:
        """The arguments in force."""
        ...

    @property
    def hook(self) -> pluggy.HookRelay:
        """The hook relay of the definition steps (call with ``trainer=`` this context)."""
        ...

    @property
    def param_map(self) -> ParamMap:
        """The base-model parameters GRADIEND reads."""
        ...

    @property
    def base_model(self) -> nn.Module:
        """The base model (loaded on first use)."""
        ...

    @property
    def base_model_path(self) -> str:
        """The base model's id or path."""
        ...

    @property
    def model_path(self) -> str:
        """The trained GRADIEND's directory (the base model's id before training)."""
        ...

    @property
    def experiment_dir(self) -> str | None:
        """Where the run keeps its files (``None``: nowhere)."""
        ...

    @property
    def evaluator(self) -> EncoderEvaluating:
        """The run's evaluator (used for the seed-selection encoder evaluation)."""
        ...

    def require_pair(self) -> tuple[str, str]:
        """The target-class pair (raises when it is not set)."""
        ...

    def cache_fingerprint(self) -> str:
        """A digest of what decides the run's results (result-cache keys)."""
        ...

    def run_identity(self) -> RunIdentity:
        """The run identity (base model, pair, data, result arguments)."""
        ...

    def progress_bars(self) -> bool:
        """Whether long steps show progress bars."""
        ...

    def create_model_with_gradiend(
        self, args: TrainingArguments | None = None, param_map: ParamMap | None = None
    ) -> ModelWithGradiend:
        """A fresh GRADIEND over ``param_map`` (default: :attr:`param_map`), from the current torch seed."""
        ...

    def get_model(self) -> ModelWithGradiend:
        """The run's trained GRADIEND."""
        ...

    def load_model(
        self, load_directory: str, model_with_gradiend_cls: type[ModelWithGradiend] | None = None
    ) -> ModelWithGradiend:
        """Load a GRADIEND checkpoint over this run's base model."""
        ...

    def save_base_model(self, base_model: nn.Module, output_dir: str) -> None:
        """Save a (rewritten) base model in the modality's format."""
        ...

    def encoder_rows(self, split: str = "test", max_size: int | None = None) -> pd.DataFrame:
        """The rows an encoder analysis encodes (training rows of ``split``, then neutral rows)."""
        ...

    def evaluate_utility(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        minimum: float | None = None,
    ) -> UtilityScore | None:
        """The utility score alone (``None``: the modality does not offer it)."""
        ...

    def scores_in_parts(self) -> bool:
        """Whether the full scoring is for sure the two parts put together (no plugin or override)."""
        ...

    def evaluate_probabilities(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        classes: Sequence[str] | None = None,
    ) -> dict[str, dict[str, float]] | None:
        """The target-class probabilities alone (``None``: the modality does not offer them)."""
        ...

    def running_on(self, executor: Any) -> AbstractContextManager[None]:
        """Inside the block, encoder analysis computes its gradients on ``executor`` (an Executor)."""
        ...


__all__ = ["EncoderEvaluating", "LossDefinition", "RunContext"]
