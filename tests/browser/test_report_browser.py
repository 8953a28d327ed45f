"""The HTML report and the standalone scatter render offline in headless Chromium, without script errors.

Rendered means: plotly drew its SVG (``main-svg`` in the DOM after scripts ran), no script raised (the
report records errors on ``<html data-js-errors>``), the console stayed silent (no errors, no failed
resource loads: every host lookup fails in these runs) and the screenshot is not blank.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gradiend_toy import ToyTrainer
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.timeout(1200)]


def assert_rendered(run: Any, size: tuple[int, int]) -> None:
    assert run.returncode == 0, run.stderr[-2000:]
    assert "main-svg" in run.dom, "plotly drew its SVG: the inlined plotly.js ran without the network"
    assert re.search(r"<html[^>]*data-js-errors=", run.dom) is None, "a script raised an error on the page"
    assert "Uncaught" not in run.stderr
    assert run.console_messages() == [], "the page wrote to the console (errors or failed loads)"
    image = Image.open(run.screenshot)
    assert image.size == size
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    drawn = (pixels < 245).any(axis=1).mean()
    assert drawn > 0.003, f"the screenshot is blank ({drawn:.2%} of the pixels are not white)"
    assert len(np.unique(pixels, axis=0)) > 30, "the screenshot shows no figures (too few colours)"


def test_report_renders_offline(
    toy_run: ToyTrainer, open_page: Callable[[Path], Any], window_size: tuple[int, int]
) -> None:
    run = open_page(Path(toy_run.report()))
    assert_rendered(run, window_size)
    for section in ("overview", "training", "encoder", "decoder", "timings"):
        assert f'id="{section}"' in run.dom


def test_standalone_scatter_renders_offline(
    toy_run: ToyTrainer, open_page: Callable[[Path], Any], window_size: tuple[int, int]
) -> None:
    assert_rendered(open_page(Path(toy_run.plot_encoder_scatter())), window_size)
