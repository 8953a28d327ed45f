"""Synthetic tabular data: Gaussian clusters, one per class, with seeded train/validation/test splits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

CLASS_NAMES: tuple[str, ...] = ("a", "b", "c", "d")


@dataclass
class ToyData:
    """Features, integer labels and class names, plus the split of every row."""

    features: torch.Tensor
    labels: torch.Tensor
    class_names: tuple[str, ...]
    splits: np.ndarray

    def class_index(self, name: str) -> int:
        """The integer label of a class name."""
        if name not in self.class_names:
            raise ValueError(f"unknown class {name!r}; classes: {list(self.class_names)}")
        return self.class_names.index(name)


def make_toy_data(n_per_class: int = 200, dim: int = 16, seed: int = 0, spread: float = 1.0) -> ToyData:
    """Clusters around random unit-norm centres (scaled by 3) with Gaussian noise of ``spread``."""
    if n_per_class < 10:
        raise ValueError(f"n_per_class must be >= 10, got {n_per_class}")
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(CLASS_NAMES), dim))
    centres = 3.0 * centres / np.linalg.norm(centres, axis=1, keepdims=True)
    features, labels = [], []
    for index, centre in enumerate(centres):
        features.append(centre + spread * rng.normal(size=(n_per_class, dim)))
        labels.extend([index] * n_per_class)
    order = rng.permutation(len(labels))
    x = np.concatenate(features)[order].astype(np.float32)
    y = np.asarray(labels)[order]
    splits = np.array(["train"] * len(y), dtype=object)
    cut = rng.random(len(y))
    splits[cut >= 0.8] = "validation"
    splits[cut >= 0.9] = "test"
    return ToyData(torch.from_numpy(x), torch.from_numpy(y), CLASS_NAMES, splits)


def rows_frame(
    data: ToyData, pair: tuple[str, str], split: str, max_size: int | None, neutral: bool
) -> pd.DataFrame:
    """Rows of one split: the pair's classes (labels +1/-1) or, with ``neutral``, the other classes (0)."""
    names = [data.class_names[int(i)] for i in data.labels]
    frame = pd.DataFrame({"x_index": np.arange(len(names)), "feature_class": names, "split": data.splits})
    frame = frame[frame["split"] == split]
    in_pair = frame["feature_class"].isin(pair)
    frame = frame[~in_pair] if neutral else frame[in_pair]
    if max_size is not None:
        frame = frame.groupby("feature_class", sort=True).head(max_size)
    frame = frame.copy()
    frame["label"] = frame["feature_class"].map({pair[0]: 1.0, pair[1]: -1.0}).fillna(0.0)
    frame["type"] = "neutral" if neutral else "training"
    return frame.reset_index(drop=True)
