"""gradiend-core alone: importable and able to train, with neither modality plugin nor its libraries.

The nox session ``core_only`` runs this file in a virtual environment holding only torch, gradiend-core,
the toy plugin (which depends on gradiend-core alone) and pytest.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from gradiend.testing import assert_feature_learned, quick_arguments, set_single_thread

IN_CORE_ONLY_ENV = importlib.util.find_spec("transformers") is None


@pytest.mark.skipif(
    not IN_CORE_ONLY_ENV, reason="runs in the core_only nox session (transformers is installed here)"
)
def test_no_modality_library_is_installed() -> None:
    for name in ("transformers", "tokenizers", "datasets", "torchvision", "gradiend_text", "gradiend_vision"):
        assert importlib.util.find_spec(name) is None, (
            f"{name} must not be installed in the core-only environment"
        )


def test_import_gradiend_imports_no_modality_code() -> None:
    code = (
        "import sys, gradiend; gradiend.Trainer; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'transformers', 'tokenizers', 'torchvision', 'gradiend_text', 'gradiend_vision', 'datasets'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_full_toy_run_trains_evaluates_and_rewrites(tmp_path: Path) -> None:
    from gradiend import Trainer

    set_single_thread()
    trainer = Trainer.for_modality("toy", target_classes=["a", "b"], args=quick_arguments(tmp_path))
    trainer.train()
    assert_feature_learned(trainer)
    decoder = trainer.evaluate_decoder(target_class="b")
    assert decoder["b"]["lms"] >= 0.99 * decoder["b"]["base_lms"]
    path = trainer.rewrite_base_model(target_class="b", output_dir=str(tmp_path / "rewritten"))
    assert (Path(path) / "model.safetensors").is_file()


def test_text_names_explain_the_missing_plugin() -> None:
    import gradiend

    if not IN_CORE_ONLY_ENV:
        pytest.skip("the text plugin is installed here")
    with pytest.raises(AttributeError, match="pip install gradiend-text"):
        gradiend.TextPredictionTrainer  # noqa: B018


def test_the_upstream_text_path_says_what_to_install() -> None:
    if not IN_CORE_ONLY_ENV:
        pytest.skip("the text plugin is installed here")
    with pytest.raises(ImportError, match="pip install gradiend-text"):
        from gradiend.trainer.text.prediction.trainer import TextPredictionTrainer  # noqa: F401
