"""Atomic writes: files and directories are either the complete old or the complete new version."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from gradiend.utils.atomic import (
    atomic_directory,
    atomic_save_safetensors,
    atomic_write_json,
    atomic_write_text,
)


def test_write_text_replaces_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "notes.txt"
    atomic_write_text(target, "first")
    atomic_write_text(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["notes.txt"]


def test_write_json_converts_numpy_and_torch_values(tmp_path: Path) -> None:
    target = tmp_path / "stats.json"
    value = {
        "b": np.float32(0.5),
        "a": torch.tensor(3),
        "arr": np.arange(3),
        "vec": torch.tensor([1.5, 2.5]),
        "dtype": torch.bfloat16,
        "path": Path("x/y"),
        "set": {2, 1},
    }
    atomic_write_json(target, value, sort_keys=True)
    text = target.read_text()
    assert json.loads(text) == {
        "a": 3,
        "arr": [0, 1, 2],
        "b": 0.5,
        "dtype": "bfloat16",
        "path": "x/y",
        "set": [1, 2],
        "vec": [1.5, 2.5],
    }
    assert text.index('"a"') < text.index('"b"')
    assert '\n  "a": 3' in text  # indent 2


def test_write_json_failure_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "stats.json"
    atomic_write_json(target, {"ok": 1})
    with pytest.raises(TypeError, match="not JSON serializable"):
        atomic_write_json(target, {"bad": object()})
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["stats.json"]


def test_save_safetensors(tmp_path: Path) -> None:
    target = tmp_path / "w.safetensors"
    transposed = torch.arange(6.0).reshape(2, 3).t()  # not contiguous
    atomic_save_safetensors(target, {"t": transposed, "i": torch.tensor([1, 2])}, metadata={"format": "pt"})
    loaded = load_file(str(target))
    assert torch.equal(loaded["t"], transposed)
    assert torch.equal(loaded["i"], torch.tensor([1, 2]))
    assert [p.name for p in tmp_path.iterdir()] == ["w.safetensors"]


def test_atomic_directory_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "ckpt"
    with atomic_directory(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target and not any(tmp.iterdir())
        (tmp / "a.txt").write_text("1")
        assert not target.exists()  # nothing is visible before the block ends
    assert (target / "a.txt").read_text() == "1"
    with atomic_directory(target) as tmp:
        (tmp / "b.txt").write_text("2")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]  # no backup or temporary left


def test_atomic_directory_keeps_old_checkpoint_on_error(tmp_path: Path) -> None:
    target = tmp_path / "ckpt"
    with atomic_directory(target) as tmp:
        (tmp / "model.safetensors").write_bytes(b"old weights")
        (tmp / "config.json").write_text("{}")
    with pytest.raises(RuntimeError, match="interrupted"), atomic_directory(target) as tmp:
        (tmp / "model.safetensors").write_bytes(b"new wei")  # half-written
        raise RuntimeError("interrupted")
    assert (target / "model.safetensors").read_bytes() == b"old weights"
    assert (target / "config.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt"]


def test_atomic_directory_error_without_previous_target(tmp_path: Path) -> None:
    target = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt), atomic_directory(target) as tmp:
        (tmp / "x").write_text("partial")
        raise KeyboardInterrupt
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_files_get_the_usual_permissions(tmp_path: Path) -> None:
    import os

    from gradiend.utils.atomic import atomic_write_text

    mask = os.umask(0o022)
    try:
        path = atomic_write_text(tmp_path / "report.html", "<html></html>")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
