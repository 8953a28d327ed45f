"""Locate and read the files of a run directory that the HTML report is rendered from.

The names and readers live in :mod:`gradiend.run_files`; this module keeps the report's names of them.
"""

from __future__ import annotations

from gradiend.run_files import RunFiles, find_model_dir, load_run_files

__all__ = ["RunFiles", "find_model_dir", "load_run_files"]
