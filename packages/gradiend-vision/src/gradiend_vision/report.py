"""Self-contained HTML for reports: example images beside the pair-class probabilities of models.

Images are embedded as base64 PNG ``data:`` URIs (no files, no network), so a section can be pasted
into any HTML page, e.g. to show a base model and its rewrite side by side.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from gradiend_vision.data import ImageData
from gradiend_vision.losses import class_probabilities
from gradiend_vision.rows import resolve_pair


def image_png(image: torch.Tensor, scale: int = 4) -> bytes:
    """One image ``[C, H, W]`` as PNG bytes: min-max scaled to [0, 1], enlarged ``scale`` times (nearest).

    One channel is drawn in grey, three as RGB; other channel counts show their first channel.
    """
    if image.ndim != 3:
        raise ValueError(f"image must have shape [C, H, W], got {tuple(image.shape)}")
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    from matplotlib import image as mpl_image

    pixels = image.detach().cpu().float()
    low, high = float(pixels.min()), float(pixels.max())
    pixels = (pixels - low) / (high - low) if high > low else torch.zeros_like(pixels)
    pixels = pixels.repeat_interleave(scale, dim=1).repeat_interleave(scale, dim=2)
    array = pixels.permute(1, 2, 0).numpy() if pixels.shape[0] == 3 else pixels[0].numpy()
    buffer = io.BytesIO()
    mpl_image.imsave(buffer, np.ascontiguousarray(array), format="png", cmap="gray", vmin=0.0, vmax=1.0)
    return buffer.getvalue()


def image_data_uri(image: torch.Tensor, scale: int = 4) -> str:
    """``data:image/png;base64,...`` of :func:`image_png`."""
    return "data:image/png;base64," + base64.b64encode(image_png(image, scale)).decode("ascii")


def examples_html(
    data: ImageData,
    rows: pd.DataFrame,
    models: Mapping[str, nn.Module],
    pair: Sequence[str | int],
    *,
    max_rows: int = 8,
    scale: int = 4,
    batch_size: int = 64,
) -> str:
    """An HTML table: each row's image and class, then per model P(pair[0]), P(pair[1]) and its prediction.

    Args:
        data: the images the rows index.
        rows: a row frame (column ``image_index`` and ``true_class``); the first ``max_rows`` are shown.
        models: column groups, e.g. ``{"base": model, "rewritten": rewritten}``.
        pair: the feature's two classes.
        max_rows: number of rows shown.
        scale: image enlargement.
        batch_size: evaluation batch size.
    """
    if not models:
        raise ValueError("models is empty: name at least one model to show")
    first, second = resolve_pair(data, pair)
    shown = rows.head(max_rows)
    index = torch.tensor(shown["image_index"].to_numpy(dtype=np.int64))
    images = data.images[index]
    ids = (data.class_index(first), data.class_index(second))
    probs = {name: class_probabilities(model, images, batch_size) for name, model in models.items()}
    esc = html.escape
    head = "".join(
        f"<th>{esc(name)}: P({esc(first)})</th><th>{esc(name)}: P({esc(second)})</th>"
        f"<th>{esc(name)}: predicted</th>"
        for name in models
    )
    body = []
    for position, (image, true_class) in enumerate(zip(images, shown["true_class"], strict=True)):
        cells = [f'<td><img src="{image_data_uri(image, scale)}" alt="{esc(str(true_class))}"></td>']
        cells.append(f"<td>{esc(str(true_class))}</td>")
        for name in models:
            p = probs[name][position]
            predicted = data.class_names[int(p.argmax())]
            cells.append(
                f"<td>{float(p[ids[0]]):.3f}</td><td>{float(p[ids[1]]):.3f}</td><td>{esc(predicted)}</td>"
            )
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table class="gradiend-vision-examples">'
        f"<thead><tr><th>image</th><th>class</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


__all__ = ["examples_html", "image_data_uri", "image_png"]
