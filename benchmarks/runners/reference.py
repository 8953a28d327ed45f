"""The floor of one training step, measured with plain torch/transformers (no GRADIEND library).

* ``base_forward_backward``: one forward pass of a training batch (8 rows of one class, padded to the
  batch's longest row) and the two backward passes that source "alternative" + target "diff" need
  (``dL_a`` with the graph kept, then ``d(L_f - L_a)``), over the backbone parameters;
* ``gradiend_update``: the GRADIEND update alone on vectors of the same length ``n``: encoder
  ``Linear(n, 1)`` + tanh, decoder ``Linear(1, n)``, MSE, backward, AdamW step.

Both are mean CPU seconds of the process, like the step profile.

Usage: ``python benchmarks/runners/reference.py SPEC.json RESULT.json`` (the benchmark spec).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import torch
from harness import configure_threads, read_spec, write_result
from torch import nn

WARMUP, REPEATS = 3, 20


def _mean_seconds(step: Callable[[int], None]) -> float:
    """Mean CPU seconds (``time.process_time``, as the step profile) of ``step`` after a warm-up."""
    for k in range(WARMUP):
        step(k)
    start = time.process_time()
    for k in range(REPEATS):
        step(WARMUP + k)
    return (time.process_time() - start) / REPEATS


def _batches(spec: dict[str, Any]) -> list[pd.DataFrame]:
    frame = pd.read_csv(spec["data_csv"])
    train = frame[frame["split"] == "train"]
    size = spec["train"]["batch_size"]
    batches = []
    for _, group in train.groupby("label_class"):
        shuffled = group.sample(frac=1.0, random_state=0)
        batches += [shuffled.iloc[i : i + size] for i in range(0, len(shuffled) - size + 1, size)]
    return batches


def _losses(model: nn.Module, tokenizer: Any, rows: pd.DataFrame, objective: str) -> tuple[Any, Any]:
    """Factual and alternative losses of one batch from a single forward pass."""
    if objective == "mlm":
        texts = [m.replace("[MASK]", tokenizer.mask_token) for m in rows["masked"]]
        enc = tokenizer(texts, padding=True, return_tensors="pt")
        rows_idx, cols = (enc["input_ids"] == tokenizer.mask_token_id).nonzero(as_tuple=True)
        prefix = ""
    else:
        texts = [m.split("[MASK]")[0].rstrip() for m in rows["masked"]]
        tokenizer.padding_side = "right"
        enc = tokenizer(texts, padding=True, return_tensors="pt")
        cols = enc["attention_mask"].sum(dim=1) - 1
        rows_idx = torch.arange(len(texts))
        prefix = " "
    logits = model(**enc).logits[rows_idx, cols]

    def ids(words: pd.Series) -> torch.Tensor:
        return torch.tensor([tokenizer(prefix + w, add_special_tokens=False)["input_ids"][0] for w in words])

    ce = nn.functional.cross_entropy
    return ce(logits, ids(rows["label"])), ce(logits, ids(rows["alternative"]))


def base_forward_backward(spec: dict[str, Any]) -> tuple[float, int]:
    """Mean seconds of forward + two backward passes per training batch, and the backbone size n."""
    from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

    auto = AutoModelForMaskedLM if spec["objective"] == "mlm" else AutoModelForCausalLM
    model = auto.from_pretrained(spec["model_dir"]).eval()
    tokenizer = AutoTokenizer.from_pretrained(spec["model_dir"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    params = [p for p in model.base_model.parameters() if p.requires_grad]
    batches = _batches(spec)

    def step(k: int) -> None:
        factual, alternative = _losses(model, tokenizer, batches[k % len(batches)], spec["objective"])
        torch.autograd.grad(alternative, params, retain_graph=True, allow_unused=True)
        torch.autograd.grad(factual - alternative, params, allow_unused=True)

    return _mean_seconds(step), sum(p.numel() for p in params)


def gradiend_update(n: int, dtype: torch.dtype = torch.float32) -> float:
    """Mean seconds of one GRADIEND update (forward, MSE, backward, AdamW step) on length-``n`` inputs."""
    encoder, decoder = nn.Linear(n, 1, dtype=dtype), nn.Linear(1, n, dtype=dtype)
    optimizer = torch.optim.AdamW([*encoder.parameters(), *decoder.parameters()], lr=1e-4)
    source, target = torch.randn(1, n, dtype=dtype), torch.randn(1, n, dtype=dtype)

    def step(_: int) -> None:
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(decoder(torch.tanh(encoder(source))).float(), target.float())
        loss.backward()
        optimizer.step()

    return _mean_seconds(step)


def main(argv: list[str]) -> None:
    """Measure the floor for the spec ``argv[1]`` and write it to ``argv[2]``."""
    spec = read_spec(argv)
    configure_threads(spec["threads"])
    base, n = base_forward_backward(spec)
    update = gradiend_update(n)
    write_result(
        argv[2],
        {
            "input_dim": n,
            "base_forward_backward_seconds": base,
            "gradiend_update_seconds": update,
            "floor_seconds": base + update,
        },
    )


if __name__ == "__main__":
    main(sys.argv)
