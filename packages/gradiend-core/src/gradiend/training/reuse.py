"""Reusing what an earlier run left on disk, only when it is the same run (see :mod:`gradiend.run_identity`).

* :func:`check_output_dir` decides what to do with a finished model already at ``output_dir``: reuse
  it, replace it, or refuse (another run's result, without ``overwrite_output_dir``).
* :func:`finished_seeds` lists the seeds an interrupted multi-seed run of the same identity completed;
  a seed whose weights no longer match the digest recorded at save is trained again.
* :func:`recover_run_dirs` repairs what a killed writer left (a half-done directory swap, temp folders).
* :func:`promote_checkpoint` copies the selected seed to ``output_dir`` after verifying its weights.
"""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiend.arguments import TrainingArguments
from gradiend.model.checkpoint import (
    CONFIG_FILE,
    CheckpointError,
    check_replaceable,
    is_gradiend_checkpoint,
    load_training_stats,
    read_json_file,
    verify_checkpoint_weights,
)
from gradiend.run_files import MODEL_DIR
from gradiend.run_identity import (
    METADATA_KEY,
    RunIdentity,
    RunIdentityError,
    identity_differences,
    mismatch_message,
)
from gradiend.training.multi_seed import SeedRecord, record_from_stats
from gradiend.utils.atomic import atomic_directory, atomic_write_json, recover_interrupted_writes

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.run_context import RunContext

logger = logging.getLogger(__name__)

_SEED_DIR = re.compile(r"^seed_\d+$")


def stored_identity(directory: Path) -> Any:
    """The run identity recorded in a checkpoint's ``config.json`` (``None`` when it has none)."""
    config = read_json_file(directory / CONFIG_FILE)
    metadata = config.get("metadata") if isinstance(config, dict) else None
    return metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None


def _require_readable(directory: Path) -> None:
    """A directory with a ``config.json`` that is not a readable GRADIEND config: name the file."""
    config_path = directory / CONFIG_FILE
    if config_path.is_file():
        read_json_file(config_path)  # raises CheckpointError naming the damaged file
        raise CheckpointError(
            f"{config_path} is not a GRADIEND checkpoint config (damaged or another kind of folder); "
            f"delete {directory} or choose another output_dir"
        )
    check_replaceable(directory)


def check_output_dir(output_dir: str | Path, identity: RunIdentity, overwrite: bool) -> bool:
    """Whether ``output_dir`` holds a finished, intact model of exactly this run.

    Raises:
        RunIdentityError: it holds the model of another run (other base model, data, pair or result
            arguments) and ``overwrite`` is False; the message names what differs.
        CheckpointError: its ``config.json`` is damaged (the file is named).
        FileExistsError: it is a non-empty folder that is not a GRADIEND checkpoint.
    """
    root = Path(output_dir)
    if not root.exists():
        return False
    if not is_gradiend_checkpoint(root):
        _require_readable(root)
        return False
    stored = stored_identity(root)
    if identity_differences(stored, identity, for_seed=True):
        if not overwrite:
            raise RunIdentityError(
                mismatch_message(root, identity_differences(stored, identity, for_seed=True))
            )
        logger.warning("overwrite_output_dir=True: replacing the earlier run's model at %s", root)
        return False
    if identity_differences(stored, identity):
        return False  # the same seeds, selected under other rules: select again
    try:
        verify_checkpoint_weights(root)
    except CheckpointError as error:
        logger.warning("%s; training again", error)
        return False
    return True


def finished_seeds(
    seeds_dir: Path,
    args: TrainingArguments,
    pair: tuple[str, str],
    identity: RunIdentity,
    overwrite: bool = False,
) -> dict[int, SeedRecord]:
    """Seeds an earlier run of the same identity completed, with intact weights.

    ``use_cache="always"`` takes every intact seed without comparing identities;
    ``"only_convergent"`` only seeds that converged.

    Raises:
        RunIdentityError: a seed folder holds another run's seed (without ``overwrite``; with it the
            folder is deleted).
    """
    records: dict[int, SeedRecord] = {}
    if not seeds_dir.is_dir():
        return records
    for directory in sorted(seeds_dir.glob("seed_*")):
        if not is_gradiend_checkpoint(directory):
            continue
        differences = identity_differences(stored_identity(directory), identity, for_seed=True)
        if differences and args.use_cache == "always":
            logger.warning("use_cache='always': reusing %s without comparing its run identity", directory)
        elif differences:
            if not overwrite:
                raise RunIdentityError(mismatch_message(directory, differences))
            logger.warning("overwrite_output_dir=True: deleting the other run's seed %s", directory)
            shutil.rmtree(directory)
            continue
        try:
            verify_checkpoint_weights(directory)
        except CheckpointError as error:
            logger.warning("%s; this seed is trained again", error)
            continue
        record = _seed_record(directory, args, pair)
        if record is None or (args.use_cache == "only_convergent" and not record.converged):
            continue
        records[record.seed] = record
    return records


def _seed_record(directory: Path, args: TrainingArguments, pair: tuple[str, str]) -> SeedRecord | None:
    stats = load_training_stats(directory) or {}
    seed = stats.get("seed")
    if not isinstance(seed, int):
        return None
    return record_from_stats(
        seed, str(directory), stats, args, pair, stats.get("eval_correlation"), trained=False
    )


def recover_run_dirs(output_dir: str | Path, seeds_dir: Path | None, report_name: str) -> None:
    """Repair what a killed run left: a half-done swap of ``output_dir`` or a seed, and temp files."""
    out = Path(output_dir)
    recover_interrupted_writes(out.parent, lambda name: name in {out.name, report_name})
    if seeds_dir is not None:
        recover_interrupted_writes(seeds_dir, lambda name: bool(_SEED_DIR.match(name)) or name == report_name)


def promote_checkpoint(source: str, destination: str, identity: RunIdentity) -> None:
    """Copy the selected seed's checkpoint to ``destination`` (whole or not at all).

    Its weights are verified against the digest recorded at save first, and the copy records the
    identity of this run (so a later run with other seed-selection rules selects again).

    Raises:
        CheckpointError: the seed's weights are damaged (``destination`` is left untouched).
    """
    verify_checkpoint_weights(source)
    check_replaceable(destination)
    with atomic_directory(destination) as staging:
        shutil.copytree(source, staging, dirs_exist_ok=True)
        config = read_json_file(staging / CONFIG_FILE)
        config.setdefault("metadata", {})[METADATA_KEY] = identity.to_dict()
        atomic_write_json(staging / CONFIG_FILE, config)


def finished_model_dir(trainer: RunContext) -> str | None:
    """Where a finished model of this trainer's run would be (``None`` when nothing is there)."""
    args = trainer.args
    directory = args.output_dir or (
        str(Path(trainer.experiment_dir) / MODEL_DIR) if trainer.experiment_dir else None
    )
    if directory is None:
        return None
    recover_interrupted_writes(Path(directory).parent, lambda name: name == Path(directory).name)
    return directory if is_gradiend_checkpoint(directory) else None


def reopen_finished_model(trainer: RunContext) -> tuple[str, ModelWithGradiend] | None:
    """The finished model of this run on disk (same identity): its directory and the loaded model.

    ``None`` when there is none.

    Raises:
        RunIdentityError: the model there belongs to another run (the message names what differs).
    """
    directory = finished_model_dir(trainer)
    if directory is None:
        return None
    check_identity_of = identity_differences(
        stored_identity(Path(directory)), trainer.run_identity(), for_seed=True
    )
    if check_identity_of:
        raise RunIdentityError(mismatch_message(directory, check_identity_of))
    logger.info("loading the finished model of this run from %s", directory)
    verify_checkpoint_weights(directory)
    return directory, trainer.load_model(directory)


__all__ = [
    "check_output_dir",
    "finished_model_dir",
    "finished_seeds",
    "promote_checkpoint",
    "recover_run_dirs",
    "reopen_finished_model",
    "stored_identity",
]
