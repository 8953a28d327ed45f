"""Scoring and fine-tuning text classifiers (the helpers of :mod:`gradiend_text.classification_trainer`).

TextClassificationTrainer: GRADIEND on a text classifier, the feature being a pair of labels.

The modality ``"text-classification"`` (``Trainer.for_modality("text-classification")``) works on
Hugging Face sequence classifiers (``AutoModelForSequenceClassification``):

* the feature is a pair of labels, e.g. ``["positive", "negative"]``; a row of one of them is a
  training row, with its own label as the factual target and the other label as the alternative (the
  same text, the other label): the paired losses are the classifier's cross-entropy for both;
* the default GRADIEND parameters are the backbone (everything except the classification head);
* decoder evaluation measures each label's mean probability on the rows of each label of the pair (a
  strengthen rewrite raises the target label's probability on the other label's rows);
* the utility score (``lms``) is the classifier's accuracy on held-out rows of the classes outside the
  pair (validation and test splits), or on ``TextClassificationConfig.eval_neutral_data``.

:meth:`TextClassificationTrainer.train_classification_head` first fine-tunes a model (e.g. a
pre-trained encoder with a new head) on the data's labels and continues with the result.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from gradiend_text.objectives import model_device
from gradiend_text.scoring import evaluation_mode

logger = logging.getLogger(__name__)


def label_ids(model: nn.Module, labels: Sequence[str]) -> list[int]:
    """The class ids of ``labels`` through the model's ``config.label2id`` (raises on unknown labels)."""
    config = getattr(model, "config", None)
    label2id = {str(k): int(v) for k, v in (getattr(config, "label2id", None) or {}).items()}
    unknown = sorted({label for label in labels if label not in label2id})
    if unknown:
        raise ValueError(
            f"labels {unknown} are not classes of the model (its label2id: {sorted(label2id)}); "
            "train_classification_head(...) fits a model to the data's labels"
        )
    return [label2id[label] for label in labels]


def classifier_logits(
    model: nn.Module, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], max_length: int = 256
) -> torch.Tensor:
    """The classifier's logits for ``texts`` (one batch; gradients flow when enabled)."""
    encoded = tokenizer(
        list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )
    encoded = {k: v.to(model_device(model)) for k, v in encoded.items()}
    return model(**encoded).logits


def label_probabilities(
    model: nn.Module, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], batch_size: int = 32
) -> torch.Tensor:
    """Softmax over the labels for every text, shape ``[len(texts), num_labels]``."""
    parts = []
    with evaluation_mode(model):
        for start in range(0, len(texts), batch_size):
            logits = classifier_logits(model, tokenizer, texts[start : start + batch_size])
            parts.append(torch.softmax(logits.float(), dim=-1).cpu())
    return torch.cat(parts) if parts else torch.zeros((0, 0))


def fine_tune_classifier(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    *,
    epochs: int = 3,
    batch_size: int = 8,
    lr: float = 2e-5,
    seed: int = 0,
    max_length: int = 256,
) -> PreTrainedModel:
    """Fine-tune ``model`` in place on ``rows`` (``text``, ``label``) with AdamW; left in eval mode.

    Texts are truncated to ``max_length`` tokens.
    """
    from tqdm.auto import tqdm

    if epochs < 1 or batch_size < 1 or max_length < 1:
        raise ValueError(
            f"epochs, batch_size and max_length must be >= 1, got {epochs}, {batch_size} and {max_length}"
        )
    targets = torch.tensor(label_ids(model, rows["label"].tolist()))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    texts = rows["text"].tolist()
    for epoch in tqdm(range(epochs), desc="classification head", unit="epoch"):
        model.train()
        order = torch.randperm(len(texts), generator=generator).tolist()
        total = 0.0
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            logits = classifier_logits(model, tokenizer, [texts[i] for i in chosen], max_length)
            loss = F.cross_entropy(logits.float(), targets[chosen].to(logits.device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(chosen)
        logger.info("classification head epoch %d: mean loss %.4f", epoch + 1, total / len(texts))
    return model.eval()


__all__ = ["classifier_logits", "fine_tune_classifier", "label_ids", "label_probabilities"]
