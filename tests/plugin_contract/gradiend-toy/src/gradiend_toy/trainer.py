"""ToyTrainer: the toy modality's implementation of the FeatureLearningDefinition."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from gradiend.arguments import TrainingArguments
from gradiend.plugins import BaseModelScores, DecoderEvalData, PairedLoss, Trainer, atomic_directory
from gradiend_toy.data import ToyData, make_toy_data, rows_frame
from gradiend_toy.model import ToyMLP, train_toy_mlp

DEFAULT_MODEL_ID = "toy-mlp"
"""Model id that trains a fresh ToyMLP on the trainer's data."""


class ToyTrainer(Trainer):
    """GRADIEND on a small MLP classifier over synthetic tabular data.

    Args:
        model: ``"toy-mlp"`` (train one on the data), a directory written by ``save_base_model``, or a
            :class:`~gradiend_toy.model.ToyMLP`.
        data: the synthetic data (default: ``make_toy_data()``).
        target_classes: the class pair, e.g. ``["a", "b"]``.
        args: TrainingArguments.
        **kwargs: further Trainer arguments (run_id, n_features, ...).
    """

    MODALITY_NAME: ClassVar[str | None] = "toy"

    def __init__(
        self,
        model: str | nn.Module = DEFAULT_MODEL_ID,
        data: ToyData | None = None,
        target_classes: Sequence[str] = ("a", "b"),
        args: TrainingArguments | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model=model, target_classes=target_classes, args=args, **kwargs)
        self.data = data if data is not None else make_toy_data()
        for name in self.require_pair():
            self.data.class_index(name)

    # --- data ---------------------------------------------------------------------------------------

    def infer_all_classes(self) -> list[str]:
        """Every class of the synthetic data."""
        return list(self.data.class_names)

    def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
        """Rows of the pair's two classes in ``split``."""
        return rows_frame(self.data, self.require_pair(), split, max_size, neutral=False)

    def create_neutral_data(self, split: str = "test", max_size: int | None = None) -> pd.DataFrame:
        """Rows of the other classes in ``split``."""
        return rows_frame(self.data, self.require_pair(), split, max_size, neutral=True)

    def data_fingerprint(self) -> str:
        """Digest of the features, labels and splits."""
        from gradiend.plugins import stable_hash, tensor_digest

        return stable_hash([tensor_digest([self.data.features, self.data.labels]), list(self.data.splits)])

    # --- the base model ------------------------------------------------------------------------------

    def load_base_model(self, model: str | nn.Module) -> nn.Module:
        """Train the default MLP, load a saved directory, or accept a module."""
        if isinstance(model, nn.Module):
            return model
        if model == DEFAULT_MODEL_ID:
            return train_toy_mlp(self.data, seed=0)
        return load_saved_mlp(model)

    @classmethod
    def load_checkpoint_base_model(cls, base_model_id: str, checkpoint_dir: object) -> nn.Module:
        """The base model of a GRADIEND checkpoint (``ModelWithGradiend.from_pretrained(dir)`` alone)."""
        if base_model_id == DEFAULT_MODEL_ID:
            return train_toy_mlp(make_toy_data(), seed=0)
        return load_saved_mlp(base_model_id)

    def default_parameter_names(self, base_model: nn.Module) -> list[str]:
        """Every parameter except the classification head."""
        return [name for name, _ in base_model.named_parameters() if not name.startswith("head.")]

    def compute_losses(self, base_model: nn.Module, rows: pd.DataFrame) -> PairedLoss:
        """Cross-entropy with the true class and with the other class of the pair (one forward pass)."""
        device = next(base_model.parameters()).device
        index = torch.tensor(rows["x_index"].tolist(), dtype=torch.long)
        logits = base_model(self.data.features[index].to(device))
        true = self.data.labels[index].to(device)
        factual = nn.functional.cross_entropy(logits, true)
        if float(rows["label"].iloc[0]) == 0.0:
            return PairedLoss(factual=factual)
        first, second = (self.data.class_index(c) for c in self.require_pair())
        alternative_labels = torch.where(true == first, second, first)
        return PairedLoss(
            factual=factual, alternative=nn.functional.cross_entropy(logits, alternative_labels)
        )

    def save_base_model(self, base_model: nn.Module, output_dir: str) -> None:
        """``model.safetensors`` + ``config.json`` (constructor arguments), written atomically."""
        if not isinstance(base_model, ToyMLP):
            raise TypeError(f"the toy modality saves ToyMLP models, got {type(base_model).__name__}")
        with atomic_directory(output_dir) as staging:
            state = {k: v.detach().cpu().contiguous() for k, v in base_model.state_dict().items()}
            save_file(state, str(staging / "model.safetensors"))
            config = {
                "dim": base_model.dim,
                "hidden": base_model.hidden,
                "num_classes": base_model.num_classes,
            }
            (staging / "config.json").write_text(json.dumps(config))

    # --- decoder evaluation ----------------------------------------------------------------------------

    def create_decoder_eval_data(
        self, max_size_training_like: int | None = None, max_size_neutral: int | None = None
    ) -> DecoderEvalData:
        """Test rows of the pair (training-like) and of the other classes (neutral)."""
        neutral = self.create_neutral_data("test")
        if max_size_neutral is not None:
            neutral = neutral.head(max_size_neutral)
        return DecoderEvalData(
            training_like=self.create_training_data("test", max_size_training_like), neutral=neutral
        )

    def decoder_eval_targets(self) -> dict[str, list[str]]:
        """Each class is measured by its own probability."""
        return {name: [name] for name in self.require_pair()}

    def evaluate_base_model(
        self, base_model: nn.Module, eval_data: DecoderEvalData, batch_size: int = 32
    ) -> BaseModelScores:
        """Mean probability of each pair class on each class's rows; accuracy on neutral rows."""
        device = next(base_model.parameters()).device
        pair = self.require_pair()
        probabilities: dict[str, dict[str, float]] = {}
        with torch.no_grad():
            for name, group in eval_data.training_like.groupby("feature_class"):
                index = torch.tensor(group["x_index"].tolist(), dtype=torch.long)
                probs = base_model(self.data.features[index].to(device)).softmax(dim=-1)
                probabilities[str(name)] = {c: float(probs[:, self.data.class_index(c)].mean()) for c in pair}
            index = torch.tensor(eval_data.neutral["x_index"].tolist(), dtype=torch.long)
            predictions = base_model(self.data.features[index].to(device)).argmax(dim=-1)
            accuracy = float((predictions.cpu() == self.data.labels[index]).float().mean())
        return BaseModelScores(probabilities=probabilities, lms=accuracy)


def load_saved_mlp(model: str) -> nn.Module:
    """A ToyMLP saved by ``ToyTrainer.save_base_model``."""
    directory = Path(model)
    if not (directory / "config.json").is_file():
        raise ValueError(
            f"model must be {DEFAULT_MODEL_ID!r} or a directory saved by ToyTrainer, got {model!r}"
        )
    config = json.loads((directory / "config.json").read_text())
    loaded = ToyMLP(**config)
    loaded.load_state_dict(load_file(str(directory / "model.safetensors")))
    return loaded.eval()
