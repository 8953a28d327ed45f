"""The published library's own virtual environment (``benchmarks/.envs/published``, gitignored).

Created with ``python -m venv`` and ``pip install torch==2.13.0 "gradiend[recommended]==0.2.3"``; pip takes
torch from the machine's local wheel directory when its configuration names one. A stamp file records
the requirements, so a second run reuses the environment.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

PUBLISHED_REQUIREMENTS: tuple[str, ...] = ("torch==2.13.0", "gradiend[recommended]==0.2.3")
ENVS_DIR = Path(__file__).resolve().parent / ".envs"


def published_python(envs_dir: Path = ENVS_DIR, *, base_python: str = sys.executable) -> Path:
    """The published venv's interpreter, creating and installing the venv first when needed."""
    env = envs_dir / "published"
    python = env / "bin" / "python"
    stamp = env / ".bench-stamp"
    wanted = "\n".join(PUBLISHED_REQUIREMENTS)
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    logger.info("Creating %s with %s (takes a few minutes)", env, " ".join(PUBLISHED_REQUIREMENTS))
    subprocess.run([base_python, "-m", "venv", "--clear", str(env)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--progress-bar", "off", *PUBLISHED_REQUIREMENTS], check=True
    )
    stamp.write_text(wanted)
    return python


__all__ = ["ENVS_DIR", "PUBLISHED_REQUIREMENTS", "published_python"]
