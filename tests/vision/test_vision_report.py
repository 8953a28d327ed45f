"""Report building blocks: embedded PNG images and the examples table."""

from __future__ import annotations

import base64
import copy
import io
import re

import pytest
import torch
from PIL import Image

from gradiend_vision.losses import class_probabilities
from gradiend_vision.report import examples_html, image_data_uri, image_png
from gradiend_vision.rows import describe_rows, training_rows


def test_image_png_is_a_scaled_png() -> None:
    grey = Image.open(io.BytesIO(image_png(torch.rand(1, 8, 8), scale=3)))
    assert grey.size == (24, 24)
    rgb = Image.open(io.BytesIO(image_png(torch.rand(3, 5, 4) * 10 - 5, scale=2)))
    assert rgb.size == (8, 10)
    assert image_data_uri(torch.zeros(1, 2, 2)).startswith("data:image/png;base64,")
    with pytest.raises(ValueError, match=r"\[C, H, W\]"):
        image_png(torch.rand(8, 8))


def test_examples_table_shows_each_model(digits) -> None:
    data = digits.data
    rows = training_rows(data, ["3", "8"], "test", max_size=3)
    rewritten = copy.deepcopy(digits.model)
    with torch.no_grad():
        rewritten.classifier.bias[3] += 50.0
    page = examples_html(data, rows, {"base": digits.model, "<rewritten>": rewritten}, ["3", "8"], max_rows=4)
    assert page.count("<tr>") == 1 + 4
    assert "&lt;rewritten&gt;: P(3)" in page and "<rewritten>" not in page
    first_uri = re.search(r'src="(data:image/png;base64,[^"]+)"', page)
    assert first_uri is not None
    Image.open(io.BytesIO(base64.b64decode(first_uri.group(1).split(",", 1)[1])))
    p3 = float(
        class_probabilities(digits.model, data.images[int(rows.image_index.iloc[0])].unsqueeze(0))[0, 3]
    )
    assert f"<td>{p3:.3f}</td>" in page
    assert page.count("<td>3</td>") >= 4  # the rewritten model predicts 3 everywhere
    with pytest.raises(ValueError, match="models is empty"):
        examples_html(data, rows, {}, ["3", "8"])


def test_describe_rows(digits) -> None:
    rows = training_rows(digits.data, ["3", "8"], "test", max_size=1)
    assert describe_rows(rows) == [
        f"3 (image {rows.image_index.iloc[0]}, test)",
        f"8 (image {rows.image_index.iloc[1]}, test)",
    ]
