"""docs/examples/text-run.yaml runs as it is (``gradiend run``) on the tiny causal LM."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gradiend.cli import main as cli_main
from gradiend_text.testing import TinyLM, gender_template_frame

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "text-run.yaml"


def test_the_text_example_config_runs(
    tiny_clm: TinyLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(tiny_clm.path, tmp_path / "models" / "tiny-clm")
    (tmp_path / "data").mkdir()
    gender_template_frame(60, seed=3, classes=("he", "she"))[["masked", "label", "label_class"]].to_csv(
        tmp_path / "data" / "he_she.csv", index=False
    )
    assert cli_main(["run", str(EXAMPLE)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert abs(results["encoder"]["correlation"]) >= 0.9
    she = results["decoder"]["she"]
    assert she["value"] > she["base_value"] and she["lms"] >= 0.99 * she["base_lms"]
    rewritten = tmp_path / "runs" / "text-he-she" / "rewritten-she"
    assert results["rewritten"] == "runs/text-he-she/rewritten-she"
    assert (rewritten / "config.json").is_file() and (rewritten / "README.md").is_file()
