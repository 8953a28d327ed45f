"""Publishing to the Hugging Face Hub: a GRADIEND checkpoint or a rewritten base model, with its card.

:func:`prepare_upload` copies what would be uploaded into a staging folder and checks it (a model card
``README.md`` is written when the folder has none), so the upload can be inspected offline;
:func:`push_to_hub` prepares the folder and uploads it with ``huggingface_hub`` (``pip install
"gradiend-core[hub]"``). With ``HF_HUB_OFFLINE=1`` nothing is uploaded and :class:`OfflineError` says so.

Example::

    from gradiend.model.hub import push_to_hub

    push_to_hub(trainer.model_path, "me/gradiend-he-she-smollm2")           # the GRADIEND
    push_to_hub("results/rewritten/she", "me/smollm2-135m-more-she")       # a rewritten base model
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gradiend.model.card import MODEL_CARD_FILE, write_model_card
from gradiend.model.checkpoint import is_gradiend_checkpoint
from gradiend.utils.atomic import PathLike, atomic_write_text

OFFLINE_VARIABLES: tuple[str, ...] = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


class OfflineError(RuntimeError):
    """An upload was asked for while the Hugging Face Hub is switched off (``HF_HUB_OFFLINE=1``)."""


def hub_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` or ``TRANSFORMERS_OFFLINE`` is set to a true value."""
    return any(
        os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"} for name in OFFLINE_VARIABLES
    )


def rewritten_model_card(
    base_model_id: str, gradiend_dir: str | None, target_class: str, rewrite: Mapping[str, Any]
) -> str:
    """The README.md of a base model rewritten by a GRADIEND (``theta += lr * decoder(f)``).

    ``target_class`` is the decoder-results key of the rewrite (``"she"``, or ``"she_weaken"``);
    ``rewrite`` holds ``feature_factor`` and ``learning_rate`` (and, when known, ``value``,
    ``base_value``, ``lms``, ``base_lms``).
    """
    meta = {
        "base_model": base_model_id,
        "tags": ["gradiend", "rewritten", f"rewrite:{target_class}"],
        "gradiend_rewrite": {
            "target_class": target_class,
            "feature_factor": float(rewrite["feature_factor"]),
            "learning_rate": float(rewrite["learning_rate"]),
            "gradiend": gradiend_dir,
        },
    }
    lines = [
        "---",
        yaml.safe_dump(meta, sort_keys=False).rstrip(),
        "---",
        "",
        f"# `{base_model_id}` rewritten by a GRADIEND for `{target_class}`",
        "",
        "The weights of the base model plus one GRADIEND decoder update: theta + learning_rate x "
        f"decoder(feature_factor) with feature_factor {float(rewrite['feature_factor']):+g} and "
        "learning_rate "
        f"{float(rewrite['learning_rate']):g}.",
    ]
    if "value" in rewrite and "base_value" in rewrite:
        lines.append(
            f"The target value went from {float(rewrite['base_value']):.4f} to {float(rewrite['value']):.4f}"
            + (
                f" while the utility score kept {float(rewrite['lms']) / float(rewrite['base_lms']):.3f} x "
                "the base model's."
                if rewrite.get("base_lms")
                else "."
            )
        )
    lines.append("")
    return "\n".join(lines)


def write_rewritten_card(
    directory: PathLike,
    base_model_id: str,
    gradiend_dir: str | None,
    target_class: str,
    rewrite: Mapping[str, Any],
) -> Path:
    """Write the card of a rewritten base model saved in ``directory``; returns its path."""
    path = Path(directory) / MODEL_CARD_FILE
    atomic_write_text(path, rewritten_model_card(base_model_id, gradiend_dir, target_class, rewrite))
    return path


def prepare_upload(folder: PathLike, staging: PathLike) -> Path:
    """Copy ``folder`` into the empty or new ``staging`` folder as it would be uploaded; returns it.

    A GRADIEND checkpoint gets its model card (re)written from its files; any other folder (a
    rewritten base model) must already hold a ``README.md``.

    Raises:
        FileNotFoundError: ``folder`` is not a directory, or holds neither a GRADIEND checkpoint nor a card.
        FileExistsError: ``staging`` exists and is not empty.
    """
    source, target = Path(folder), Path(staging)
    if not source.is_dir():
        raise FileNotFoundError(f"nothing to upload: {source} is not a directory")
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"staging folder {target} is not empty")
    is_checkpoint = is_gradiend_checkpoint(source)
    if not is_checkpoint and not (source / MODEL_CARD_FILE).is_file():
        raise FileNotFoundError(
            f"{source} is neither a GRADIEND checkpoint nor a folder with a model card ({MODEL_CARD_FILE}); "
            "save rewritten models with trainer.rewrite_base_model(output_dir=...), which writes the card"
        )
    shutil.copytree(source, target, dirs_exist_ok=True)
    if is_checkpoint:
        write_model_card(target)
    return target


def push_to_hub(
    folder: PathLike,
    repo_id: str,
    *,
    private: bool | None = None,
    token: str | None = None,
    commit_message: str = "Upload with gradiend",
    staging: PathLike | None = None,
) -> str:
    """Upload a GRADIEND checkpoint or a rewritten base model to the Hub repository ``repo_id``.

    The folder is first prepared (:func:`prepare_upload`) in ``staging`` (default: a temporary folder,
    removed afterwards). Creates the repository when missing. Returns the URL of the commit.

    Raises:
        OfflineError: ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set.
        ImportError: huggingface_hub is not installed (``pip install "gradiend-core[hub]"``).
    """
    if not repo_id or repo_id.count("/") > 1:
        raise ValueError(f"repo_id must look like 'user/name' or 'name', got {repo_id!r}")
    if hub_offline():
        raise OfflineError(
            f"not uploading {folder} to {repo_id!r}: HF_HUB_OFFLINE/TRANSFORMERS_OFFLINE is set; "
            "inspect the upload offline with gradiend.model.hub.prepare_upload(folder, staging)"
        )
    try:
        from huggingface_hub import HfApi
    except ImportError as err:
        raise ImportError('push_to_hub needs huggingface_hub: pip install "gradiend-core[hub]"') from err
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gradiend-upload-") as scratch:
        prepared = prepare_upload(folder, staging or Path(scratch) / "upload")
        api = HfApi(token=token)
        api.create_repo(repo_id, private=private, exist_ok=True)
        info = api.upload_folder(folder_path=str(prepared), repo_id=repo_id, commit_message=commit_message)
    return str(getattr(info, "commit_url", info))


__all__ = [
    "OfflineError",
    "hub_offline",
    "prepare_upload",
    "push_to_hub",
    "rewritten_model_card",
    "write_rewritten_card",
]
