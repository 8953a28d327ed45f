"""Vision figures: example images annotated with their GRADIEND encodings."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from gradiend.plugins import atomic_write_bytes
from gradiend_vision.data import ImageData


def _image_array(data: ImageData, index: int) -> np.ndarray:
    image = data.images[index].detach().float().cpu().numpy()
    image = np.transpose(image, (1, 2, 0))
    low, high = float(image.min()), float(image.max())
    image = (image - low) / (high - low) if high > low else np.zeros_like(image)
    return image[..., 0] if image.shape[-1] == 1 else image


def plot_example_encodings(
    data: ImageData, encoder_df: pd.DataFrame, path: str | Path, *, per_group: int = 6, dpi: int = 150
) -> Path:
    """A grid of example images per group (each pair class, neutral) titled with their encoding h.

    Args:
        data: the images the rows refer to (column ``image_index``).
        encoder_df: the frame of ``evaluate_encoder(return_df=True)["encoder_df"]``.
        path: the PNG to write (atomically).
        per_group: images shown per group (one figure row per group).
        dpi: resolution.
    """
    if "image_index" not in encoder_df.columns or encoder_df.empty:
        raise ValueError("encoder_df must be a non-empty frame with an 'image_index' column")
    groups = list(dict.fromkeys(encoder_df["feature_class"]))
    fig, axes = plt.subplots(
        len(groups), per_group, figsize=(1.4 * per_group, 1.6 * len(groups)), squeeze=False
    )
    for row, group in enumerate(groups):
        subset = encoder_df[encoder_df["feature_class"] == group].head(per_group)
        for col in range(per_group):
            ax = axes[row][col]
            ax.axis("off")
            if col >= len(subset):
                continue
            item = subset.iloc[col]
            ax.imshow(_image_array(data, int(item["image_index"])), cmap="gray_r", interpolation="nearest")
            ax.set_title(f"{item['true_class']}  h={float(item['encoded']):+.2f}", fontsize=8)
        axes[row][0].text(
            -0.25, 0.5, str(group), transform=axes[row][0].transAxes, ha="right", va="center", fontsize=10
        )
    fig.suptitle("Example test images and their GRADIEND encodings", fontsize=10)
    fig.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    atomic_write_bytes(target, buffer.getvalue())
    return target


__all__ = ["plot_example_encodings"]
