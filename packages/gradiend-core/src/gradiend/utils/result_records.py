"""The result formats evaluation writes and plotting and the report read: encoder rows, decoder-grid records.

An encoder DataFrame has one row per evaluated input, with its encoding in ``encoded`` (a float, or a
list/array when the latent dimension exceeds one; a JSON string of either in cached CSV files) and its
row ``type`` (``"training"`` or a type starting with ``"neutral"``). A decoder grid is a list of flat
records, the base model's under the id :data:`BASE_ID`. Living at the bottom of the layers, these
helpers let plotting and the report read results without importing the evaluation that computes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

BASE_ID = "base"
"""The id of the base model's record in a decoder grid."""


def encoded_matrix(encoded: pd.Series) -> np.ndarray:
    """The ``encoded`` column as a float matrix of shape ``(rows, latent_dim)``.

    Cells may be floats, lists/arrays (latent_dim > 1) or JSON strings of either (cached CSV files).
    """
    cells = [json.loads(v) if isinstance(v, str) else v for v in encoded.tolist()]
    rows = [np.atleast_1d(np.asarray(v, dtype=np.float64)).ravel() for v in cells]
    widths = {r.size for r in rows}
    if len(widths) != 1:
        raise ValueError(f"encoded cells must all have the same length, got lengths {sorted(widths)}")
    return np.stack(rows)


def is_neutral_type(row_type: Any) -> bool:
    """Whether a ``type`` value marks a neutral row (``"neutral"``, ``"neutral_dataset"``, ...)."""
    return str(row_type).lower().startswith("neutral")


def checked_encoder_frame(frame: Any, columns: Sequence[str], purpose: str) -> pd.DataFrame:
    """``frame`` when it is a non-empty DataFrame with ``columns``; else an error naming what is wrong.

    Args:
        frame: the encoder DataFrame to check.
        columns: the columns it needs.
        purpose: what the rows are for, completing "there are no encoded rows to ...".
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"encoder_df must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"encoder_df lacks the column(s) {missing}; it needs {list(columns)}")
    if frame.empty:
        raise ValueError(f"encoder_df is empty: there are no encoded rows to {purpose}")
    return frame


__all__ = ["BASE_ID", "checked_encoder_frame", "encoded_matrix", "is_neutral_type"]
