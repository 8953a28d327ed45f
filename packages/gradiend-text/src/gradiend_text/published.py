"""Published text names of features built here: ``resolve_base_data``, ``TextGradientTrainingDataset``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from gradiend.plugins import GradientTrainingDataset

if TYPE_CHECKING:
    from gradiend.plugins import ModelWithGradiend
    from gradiend_text.trainer import TextPredictionTrainer


def resolve_base_data(
    source: str | pd.DataFrame | list[str],
    text_column: str = "text",
    max_size: int | None = None,
    split: str = "train",
    seed: int = 42,
    hf_config: str | None = None,
    trust_remote_code: bool | None = None,
) -> list[str]:
    """The texts of ``source``: a list of strings, a DataFrame, a CSV/Parquet/JSON file or a hub dataset id.

    At most ``max_size`` texts, a seeded random sample (in their original order); ``split`` and
    ``hf_config`` choose the part of a hub dataset.

    Raises:
        ValueError: ``trust_remote_code=True`` (dataset loading scripts are never run here), or
            ``text_column`` is not a column of the data.
    """
    from gradiend_text.data_creator import TextPredictionDataCreator

    if trust_remote_code:
        raise ValueError(
            "trust_remote_code=True is not supported: dataset loading scripts are never run here"
        )
    creator = TextPredictionDataCreator(
        base_data=source, text_column=text_column, base_max_size=max_size, split=split, hf_config=hf_config,
        seed=seed,
    )  # fmt: skip
    return creator.texts()


class TextGradientTrainingDataset(GradientTrainingDataset):
    """The gradient training dataset of a text trainer (single-class batches, gradients computed lazily).

    Args:
        training_data: training rows (``trainer.create_training_data()``).
        trainer: the :class:`~gradiend_text.trainer.TextPredictionTrainer` that computes the losses.
        model_with_gradiend: base model and parameter map (default: a new GRADIEND of the trainer).
        source: gradient kind fed to the encoder.
        target: gradient kind the decoder reconstructs.
        batch_size: rows per batch.
        seed: seed of the batch order.
    """

    def __init__(
        self,
        training_data: pd.DataFrame,
        trainer: TextPredictionTrainer,
        model_with_gradiend: ModelWithGradiend | None = None,
        *,
        source: str = "factual",
        target: str = "diff",
        batch_size: int = 1,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise TypeError(
                f"TextGradientTrainingDataset got unsupported argument(s) {sorted(kwargs)}: gradients are "
                "computed lazily per batch here (no gradient cache directory, dtype or device options)"
            )
        model = model_with_gradiend or trainer.create_model_with_gradiend()
        super().__init__(trainer, training_data, model, source=source, target=target, batch_size=batch_size,
                         seed=seed)  # fmt: skip


__all__ = ["TextGradientTrainingDataset", "resolve_base_data"]
