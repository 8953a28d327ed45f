"""Loading, inspecting and saving Hugging Face masked, causal and encoder-decoder language models."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from gradiend_text.fileio import atomic_directory
from gradiend_text.objectives import resolve_objective

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

logger = logging.getLogger(__name__)


def _load_tokenizer(source: str, trust_remote_code: bool = False) -> PreTrainedTokenizerBase:
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)


def prepare_tokenizer(tokenizer: PreTrainedTokenizerBase, objective: str) -> PreTrainedTokenizerBase:
    """Check the tokenizer fits ``objective``; a causal LM's tokenizer without pad token pads with EOS."""
    if objective == "mlm" and tokenizer.mask_token is None:
        raise ValueError(
            f"tokenizer {tokenizer.name_or_path!r} has no mask token, so it cannot serve a masked LM"
        )
    if objective == "seq2seq":
        from gradiend_text.seq2seq import check_seq2seq_tokenizer

        check_seq2seq_tokenizer(tokenizer)
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ValueError(f"tokenizer {tokenizer.name_or_path!r} has neither a pad nor an EOS token")
        logger.info("Tokenizer has no pad token; padding with the EOS token %r", tokenizer.eos_token)
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_text_model(
    model: str | os.PathLike[str] | PreTrainedModel,
    objective: str = "auto",
    *,
    tokenizer: PreTrainedTokenizerBase | str | None = None,
    dtype: torch.dtype | None = None,
    device_map: str | dict[str, Any] | None = None,
    max_memory: dict[str, str] | None = None,
    trust_remote_code: bool = False,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Load a masked or causal LM and its tokenizer.

    Args:
        model: a local directory or hub id, or an already loaded ``PreTrainedModel``.
        objective: ``"auto"`` (detect from the config), ``"mlm"``, ``"clm"`` (or the published names
            ``"mlm_mask_token"``/``"clm_next_token"``) or ``"seq2seq_encoder_mlm"``; picks
            ``AutoModelForMaskedLM``, ``AutoModelForCausalLM`` or ``AutoModelForSeq2SeqLM``.
        tokenizer: a tokenizer or where to load it from; defaults to the model's own path.
        dtype: weights dtype when loading (default: as saved).
        device_map: Hugging Face ``device_map`` for large models (needs ``accelerate``), e.g. ``"auto"``.
        max_memory: Hugging Face ``max_memory`` used with ``device_map``.
        trust_remote_code: run the model's own code (``auto_map`` in its config); off by default.

    Returns:
        ``(model, tokenizer)``; a causal LM's tokenizer without pad token gets EOS as pad token.
    """
    from transformers import (
        AutoConfig,
        AutoModelForCausalLM,
        AutoModelForMaskedLM,
        AutoModelForSeq2SeqLM,
        PreTrainedModel,
    )

    if isinstance(model, PreTrainedModel):
        loaded, source = model, model.name_or_path
        resolved = resolve_objective(objective, loaded)
    elif isinstance(model, (str, os.PathLike)):
        source = os.fspath(model)
        config = AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
        resolved = resolve_objective(objective, config)
        auto = {"mlm": AutoModelForMaskedLM, "clm": AutoModelForCausalLM, "seq2seq": AutoModelForSeq2SeqLM}[
            resolved
        ]
        options: dict[str, Any] = {"trust_remote_code": trust_remote_code}
        if dtype is not None:
            options["dtype"] = dtype
        if device_map is not None:
            options["device_map"] = device_map
        if max_memory is not None:
            options["max_memory"] = max_memory
        try:
            loaded = auto.from_pretrained(source, **options)
        except ValueError as error:
            raise ValueError(
                f"cannot load {source!r} with {auto.__name__} (objective {resolved!r}): {error}"
            ) from error
    else:
        raise TypeError(f"model must be a path, a hub id or a PreTrainedModel, got {type(model).__name__}")
    if tokenizer is None:
        if not source:
            raise ValueError("the model has no name_or_path to load its tokenizer from; pass tokenizer=")
        tokenizer = source
    loaded_tokenizer = (
        _load_tokenizer(os.fspath(tokenizer), trust_remote_code)
        if isinstance(tokenizer, (str, os.PathLike))
        else tokenizer
    )
    return loaded, prepare_tokenizer(loaded_tokenizer, resolved)


def backbone_parameter_names(model: nn.Module) -> list[str]:
    """Names (as in ``model.named_parameters()``) of the trainable parameters of the backbone.

    The backbone is ``model.base_model`` (e.g. ``bert``, ``transformer``, ``model``); output heads
    (``lm_head``, ``cls.predictions`` with its transform) lie outside it and are excluded. An input
    embedding tied to the output head is a backbone parameter and is listed once.

    Encoder-decoders (``config.is_encoder_decoder``, objective ``seq2seq_encoder_mlm``): the encoder
    stack and the shared token embedding (:func:`seq2seq_encoder_parameter_names`); the decoder and
    the output head are left out.
    """
    from transformers import PreTrainedModel

    if not isinstance(model, PreTrainedModel):
        raise TypeError(f"model must be a transformers PreTrainedModel, got {type(model).__name__}")
    if getattr(model.config, "is_encoder_decoder", False):
        return seq2seq_encoder_parameter_names(model)
    backbone = model.base_model
    prefix = "" if backbone is model else f"{model.base_model_prefix}."
    names = [prefix + name for name, p in backbone.named_parameters() if p.requires_grad]
    known = dict(model.named_parameters(remove_duplicate=False))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"backbone parameter names {unknown[:3]} are not parameters of {type(model).__name__}"
        )
    return names


def seq2seq_encoder_parameter_names(model: PreTrainedModel) -> list[str]:
    """The encoder's trainable parameters and the input embedding it reads (shared with the decoder).

    The input embedding is listed once under the first name ``named_parameters()`` gives it (e.g.
    ``shared.weight`` for T5, ``model.shared.weight`` for BART).
    """
    encoder = model.get_encoder()
    embedding = model.get_input_embeddings()
    wanted = {id(p) for p in encoder.parameters() if p.requires_grad}
    wanted |= {id(p) for p in embedding.parameters() if p.requires_grad}
    names = [name for name, p in model.named_parameters() if id(p) in wanted]
    if not names:
        raise ValueError(f"{type(model).__name__} has no trainable encoder parameters")
    return names


def save_text_model(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, output_dir: str | os.PathLike[str]
) -> str:
    """Save model and tokenizer to ``output_dir`` atomically (temporary sibling directory, then rename).

    The directory loads back with ``AutoModelForMaskedLM``/``AutoModelForCausalLM``/
    ``AutoModelForSeq2SeqLM.from_pretrained``.
    """
    with atomic_directory(output_dir) as tmp:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
    logger.info("Saved %s to %s", type(model).__name__, output_dir)
    return os.fspath(output_dir)


__all__ = [
    "backbone_parameter_names",
    "load_text_model",
    "prepare_tokenizer",
    "save_text_model",
    "seq2seq_encoder_parameter_names",
]
