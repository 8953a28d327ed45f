"""What the plotting functions need from a trainer (the Trainer satisfies it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

    from gradiend.arguments import TrainingArguments


class PlottableTrainer(Protocol):
    """The part of :class:`gradiend.trainer.Trainer` the plotting functions use."""

    @property
    def experiment_dir(self) -> str | None:
        """Where figures go (``<experiment_dir>/plots``); None: a temporary directory."""

    @property
    def model_path(self) -> str:
        """The trained GRADIEND's directory (holds training.json)."""

    @property
    def args(self) -> TrainingArguments:
        """The arguments in force."""

    def require_pair(self) -> tuple[str, str]:
        """The feature pair."""

    def get_training_stats(self, model_path: str | None = None) -> dict[str, Any] | None:
        """The training.json of a trained model."""

    def get_encodings(self, model_path: str | None = None, **kwargs: Any) -> pd.DataFrame:
        """The encoder DataFrame of a split (``split=``, ``max_size=`` keywords)."""

    def describe_rows(self, rows: pd.DataFrame) -> list[str]:
        """One human-readable description per row."""

    def evaluate_decoder(self, **kwargs: Any) -> dict[str, Any]:
        """Decoder grid results."""


__all__ = ["PlottableTrainer"]
