"""docs/examples/vision-run.toml runs as it is (``gradiend run``) on the session's digits CNN."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradiend.cli import main as cli_main

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "vision-run.toml"


def test_the_vision_example_config_runs(
    digits: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli_main(["run", str(EXAMPLE)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert abs(results["encoder"]["correlation"]) >= 0.9
    three = results["decoder"]["3"]
    assert three["value"] > three["base_value"]
    rewritten = tmp_path / "runs" / "vision-3-vs-8" / "rewritten-3"
    assert results["rewritten"] == "runs/vision-3-vs-8/rewritten-3"
    assert (rewritten / "README.md").is_file()
