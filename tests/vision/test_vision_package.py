"""The package's public names resolve lazily, and plain-module work never imports transformers."""

from __future__ import annotations

import subprocess
import sys

import gradiend_vision


def test_every_public_name_resolves() -> None:
    for name in gradiend_vision.__all__:
        assert getattr(gradiend_vision, name) is not None, name
    assert set(dir(gradiend_vision)) >= set(gradiend_vision.__all__)


def test_plain_module_path_does_not_import_transformers() -> None:
    script = (
        "import sys, torch\n"
        "import gradiend_vision as gv\n"
        "assert 'torch' in sys.modules and 'gradiend_vision.data' not in sys.modules\n"
        "for name in gv.__all__: getattr(gv, name)\n"
        "data = gv.ImageData.from_arrays(torch.rand(12, 8, 8), [0, 1, 2] * 4)\n"
        "model = gv.DigitsCNN(num_classes=3)\n"
        "gv.check_model_fits_data(model, data)\n"
        "rows = gv.training_rows(data, ['0', '1'], 'train')\n"
        "gv.rows_losses(model, data, rows)\n"
        "gv.backbone_parameter_names(model)\n"
        "assert 'transformers' not in sys.modules, 'transformers was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
