"""Masked LM, causal LM or encoder-decoder: which objective a model has; the paired losses of GRADIEND.

:func:`compute_paired_loss` is the text modality's ``compute_losses``: the mean cross-entropy over the
target sub-tokens of a batch (every sub-token of every row weighs the same, as Hugging Face's
``labels`` loss), for the factual words and for the alternative words. When every row encodes its
factual and alternative words to the same inputs and positions (single-token targets, or MLM targets
of equal sub-token count) one forward pass serves both losses; otherwise two are made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from gradiend.plugins import PairedLoss
from gradiend_text.encoding import (
    MASK_PLACEHOLDER,
    EncodedRow,
    Objective,
    TargetBatch,
    check_objective,
    collate,
    encode_row,
    pad_token_id,
)

if TYPE_CHECKING:
    from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

PREDICTION_OBJECTIVES: tuple[str, ...] = (
    "auto",
    "mlm",
    "clm",
    "mlm_mask_token",
    "clm_next_token",
    "seq2seq_encoder_mlm",
    "clm_mlm_head",
    "clm_sequence_cloze",
    "seq2seq_decoder_sequence_cloze",
)
"""Accepted ``prediction_objective`` values (``mlm_mask_token``, ``clm_next_token``,
``seq2seq_encoder_mlm`` and ``clm_mlm_head`` are the published names). ``clm_mlm_head`` scores like
``clm_next_token``; its training loss comes from an auxiliary head (:mod:`gradiend_text.mlm_head`).
``clm_sequence_cloze`` (experimental) also scores like ``clm_next_token``; its training loss covers the
word and its right context (:mod:`gradiend_text.cloze`); ``seq2seq_decoder_sequence_cloze``
(experimental) is its encoder-decoder counterpart (:func:`gradiend_text.seq2seq.encode_seq2seq_cloze_row`)."""

_ALIASES: dict[str, Objective] = {
    "mlm": "mlm",
    "clm": "clm",
    "mlm_mask_token": "mlm",
    "clm_next_token": "clm",
    "seq2seq_encoder_mlm": "seq2seq",
    "clm_mlm_head": "clm",
    "clm_sequence_cloze": "clm",
    "seq2seq_decoder_sequence_cloze": "seq2seq",
}
_FAMILY = {"mlm": "a masked LM (BERT-like)", "clm": "a causal LM (GPT-like)", "seq2seq": "an encoder-decoder"}


def _mapping_names(mapping: Mapping[str, str | tuple[str, ...]]) -> set[str]:
    names: set[str] = set()
    for value in mapping.values():
        names.update((value,) if isinstance(value, str) else value)
    return names


def detect_objective(model: PreTrainedModel | PretrainedConfig) -> Objective:
    """``"seq2seq"`` for encoder-decoder configs, else ``"clm"`` or ``"mlm"``.

    Encoder-decoders are recognised by ``config.is_encoder_decoder``; the others from the model class,
    else the config's architectures, ``is_decoder``, model type.

    Raises:
        ValueError: when none of these says which objective the model has.
    """
    from transformers import PretrainedConfig
    from transformers.models.auto.modeling_auto import (
        MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
        MODEL_FOR_MASKED_LM_MAPPING_NAMES,
    )

    causal, masked = (
        _mapping_names(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES),
        _mapping_names(MODEL_FOR_MASKED_LM_MAPPING_NAMES),
    )
    config = model if isinstance(model, PretrainedConfig) else model.config
    if getattr(config, "is_encoder_decoder", False):
        return "seq2seq"
    names = [] if isinstance(model, PretrainedConfig) else [type(model).__name__]
    for name in [*names, *(config.architectures or [])]:
        if name in causal and name not in masked:
            return "clm"
        if name in masked:
            return "mlm"
    if getattr(config, "is_decoder", False):
        return "clm"
    model_type = getattr(config, "model_type", "")
    if model_type in MODEL_FOR_MASKED_LM_MAPPING_NAMES:
        return "mlm"
    if model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES:
        return "clm"
    raise ValueError(
        f"cannot tell whether {type(model).__name__} (model_type {model_type!r}) is a masked or causal LM; "
        "set prediction_objective to 'mlm' or 'clm'"
    )


def resolve_objective(prediction_objective: str, model: PreTrainedModel | PretrainedConfig) -> Objective:
    """The objective for ``prediction_objective`` (:data:`PREDICTION_OBJECTIVES`); ``"auto"`` detects it.

    Raises:
        ValueError: for an unknown name, or an encoder-decoder objective on a model that is not one
            (and the reverse).
    """
    if prediction_objective == "auto":
        return detect_objective(model)
    if prediction_objective not in _ALIASES:
        raise ValueError(
            f"prediction_objective must be one of {PREDICTION_OBJECTIVES}, got {prediction_objective!r}"
        )
    objective = _ALIASES[prediction_objective]
    from transformers import PretrainedConfig

    config = model if isinstance(model, PretrainedConfig) else model.config
    is_seq2seq = bool(getattr(config, "is_encoder_decoder", False))
    if is_seq2seq != (objective == "seq2seq"):
        actual = "an encoder-decoder (use 'seq2seq_encoder_mlm' or 'auto')" if is_seq2seq else "not one"
        raise ValueError(
            f"prediction_objective={prediction_objective!r} needs {_FAMILY[objective]} model, but "
            f"{type(model).__name__} (model_type {getattr(config, 'model_type', '')!r}) is {actual}"
        )
    return objective


@contextmanager
def evaluation_mode(model: nn.Module) -> Iterator[None]:
    """Put ``model`` in eval mode without gradients; restore its previous mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        model.train(was_training)


def model_device(model: nn.Module) -> torch.device:
    """The device of the model's first parameter (CPU for a model without parameters)."""
    for parameter in model.parameters():
        return parameter.device
    return torch.device("cpu")


def target_logits(model: nn.Module, batch: TargetBatch) -> torch.Tensor:
    """One forward pass; the logits at the scoring positions, shape ``[n sub-tokens, vocabulary]``.

    A batch with decoder ``labels`` (encoder-decoder rows) feeds them, shifted right, to the decoder.
    """
    batch = batch.to(model_device(model))
    inputs = {"input_ids": batch.input_ids, "attention_mask": batch.attention_mask}
    if batch.labels is not None:
        from gradiend_text.seq2seq import decoder_input_ids

        inputs["decoder_input_ids"] = decoder_input_ids(model, batch.labels)
    logits = model(**inputs).logits
    return logits[batch.row_index, batch.positions]


def _mean_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(logits.float(), targets.to(logits.device))


def _encode(
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    column: str,
    objective: Objective,
    placeholder: str,
    encoder: Callable[..., EncodedRow] | None = None,
) -> list[EncodedRow]:
    # Plain lists: iterating a Series of (Arrow) strings costs more than tokenising a short row.
    pairs = zip(rows["masked"].tolist(), rows[column].tolist(), strict=True)
    if encoder is not None:
        return [encoder(tokenizer, str(m), str(w), placeholder) for m, w in pairs]
    return [encode_row(tokenizer, str(m), str(w), objective, placeholder) for m, w in pairs]


def _has_alternatives(rows: pd.DataFrame) -> bool:
    if "alternative" not in rows.columns:
        return False
    present = ~pd.isna(rows["alternative"].to_numpy())  # numpy: a fraction of the pandas cost per row
    if present.any() and not present.all():
        raise ValueError(
            f"{int((~present).sum())} of {len(rows)} rows have no alternative; a batch must be all paired "
            "rows or all neutral rows"
        )
    return bool(present.all())


def compute_paired_loss(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    objective: Objective,
    placeholder: str = MASK_PLACEHOLDER,
    encoder: Callable[..., EncodedRow] | None = None,
) -> PairedLoss:
    """Mean cross-entropy of the factual and alternative target words of ``rows`` (see module docstring).

    Args:
        model: a masked, causal or encoder-decoder LM returning ``.logits``.
        tokenizer: its tokenizer.
        rows: columns ``masked``, ``factual`` and optionally ``alternative`` (missing or all null for
            neutral rows: the result's ``alternative`` is ``None``).
        objective: ``"mlm"``, ``"clm"`` or ``"seq2seq"``.
        placeholder: the placeholder in ``masked``.
        encoder: encodes one row instead of ``encode_row`` (e.g. :func:`gradiend_text.cloze.cloze_encoder`).
    """
    objective = check_objective(objective)
    if len(rows) == 0:
        raise ValueError("rows is empty")
    pad = pad_token_id(tokenizer)
    factual = _encode(tokenizer, rows, "factual", objective, placeholder, encoder)
    factual_batch = collate(factual, pad)
    if not _has_alternatives(rows):
        return PairedLoss(
            factual=_mean_cross_entropy(target_logits(model, factual_batch), factual_batch.targets)
        )
    alternative = _encode(tokenizer, rows, "alternative", objective, placeholder, encoder)
    alternative_batch = collate(alternative, pad)
    if all(f.shares_input(a) for f, a in zip(factual, alternative, strict=True)):
        logits = target_logits(model, factual_batch)
        return PairedLoss(
            factual=_mean_cross_entropy(logits, factual_batch.targets),
            alternative=_mean_cross_entropy(logits, alternative_batch.targets),
        )
    return PairedLoss(
        factual=_mean_cross_entropy(target_logits(model, factual_batch), factual_batch.targets),
        alternative=_mean_cross_entropy(target_logits(model, alternative_batch), alternative_batch.targets),
    )


__all__ = [
    "PREDICTION_OBJECTIVES",
    "compute_paired_loss",
    "detect_objective",
    "evaluation_mode",
    "model_device",
    "resolve_objective",
    "target_logits",
]
