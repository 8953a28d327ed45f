"""HTML of the text modality's report section: target-word probabilities per example and model."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import pandas as pd
from torch import nn
from transformers import PreTrainedTokenizerBase

from gradiend_text.objectives import Objective
from gradiend_text.scoring import target_word_probabilities


def probability_table_html(
    rows: pd.DataFrame,
    models: Mapping[str, nn.Module],
    tokenizer: PreTrainedTokenizerBase,
    targets: Mapping[str, Sequence[str]],
    objective: Objective,
    placeholder: str,
) -> str:
    """A table: each example text, then per model the probability of each class's words."""
    if not models:
        raise ValueError("models is empty: name at least one model to show")
    per_model = {
        name: target_word_probabilities(model, tokenizer, rows, targets, objective, placeholder=placeholder)
        for name, model in models.items()
    }
    classes = list(targets)
    head = "".join(f"<th>{html.escape(m)}<br>P({html.escape(c)})</th>" for m in models for c in classes)
    body = []
    for index, row in rows.iterrows():
        cells = "".join(f"<td>{per_model[m].loc[index, c]:.3f}</td>" for m in models for c in classes)
        text = html.escape(str(row["masked"]))
        body.append(f"<tr><td>{text}</td><td>{html.escape(str(row['factual']))}</td>{cells}</tr>")
    return (
        '<table class="examples"><thead><tr><th>text</th><th>factual</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


__all__ = ["probability_table_html"]
