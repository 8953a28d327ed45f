"""One training run for one seed: data, gradients, loop, best checkpoint, sign, post-prune, save."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from gradiend.arguments import TrainingArguments, to_torch_dtype
from gradiend.evaluation.encoder_metrics import compute_encoder_metrics
from gradiend.evaluation.encoding import GradientEncoder
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.training.callbacks import TrainingCallback, default_callbacks
from gradiend.training.loop import EncoderEvaluation, run_training_loop, total_steps
from gradiend.training.published_stats import published_blocks
from gradiend.training.seeding import set_seed
from gradiend.training.state import TrainingState
from gradiend.training.step_checkpoints import StepCheckpointer

if TYPE_CHECKING:
    from gradiend.run_context import RunContext

logger = logging.getLogger(__name__)


@dataclass
class SeedRun:
    """The outcome of training one seed."""

    seed: int
    output_dir: str
    model: ModelWithGradiend
    stats: dict[str, Any]


def validation_rows(trainer: RunContext, args: TrainingArguments, max_size: int | None) -> pd.DataFrame:
    """Validation rows for checkpoint selection (training rows, with a warning, when there are none)."""
    rows = trainer.hook.gradiend_create_training_data(trainer=trainer, split="validation", max_size=max_size)
    if rows is not None and not rows.empty:
        return rows
    logger.warning("the validation split is empty: selecting checkpoints on training rows instead")
    train_rows = trainer.hook.gradiend_create_training_data(trainer=trainer, split="train", max_size=max_size)
    if train_rows is None or train_rows.empty:
        raise ValueError("no training rows: check the data and target_classes")
    return train_rows


def make_encoder_evaluation(
    trainer: RunContext, args: TrainingArguments, rows: pd.DataFrame, *, progress: bool
) -> EncoderEvaluation:
    """An evaluation function that encodes ``rows`` (gradients cached) and returns encoder metrics."""
    encoder = GradientEncoder(
        trainer,
        rows,
        args.source,
        cache_bytes=None,
        cache_relative=None if args.use_cached_gradients else args.gradient_cache_budget,
        cache_dtype=to_torch_dtype(args.gradient_cache_dtype),
        progress=progress,
    )
    pair = trainer.require_pair()

    def evaluate(model_with_gradiend: ModelWithGradiend) -> dict[str, Any]:
        return compute_encoder_metrics(encoder.encode(model_with_gradiend), pair)

    return evaluate


def training_data_size(rows: pd.DataFrame) -> dict[str, Any]:
    """The number of training rows, in all and per feature class (for training.json and the model card)."""
    counts = rows["feature_class"].astype(str).value_counts().sort_index()
    return {"train_rows": len(rows), "rows_per_class": {str(k): int(v) for k, v in counts.items()}}


def normalize_sign(model_with_gradiend: ModelWithGradiend, state: TrainingState) -> bool:
    """Flip the GRADIEND so the first target class encodes positive; return whether it flipped."""
    best = state.best
    if best is None:
        return False
    first, second = state.pair
    means = best.mean_by_class
    if first not in means or second not in means:
        return False
    if means[first] >= means[second]:
        return False
    model_with_gradiend.gradiend.flip_sign_()
    return True


def train_seed(
    trainer: RunContext,
    args: TrainingArguments,
    output_dir: str,
    seed: int,
    *,
    evaluate: EncoderEvaluation | None = None,
    model_with_gradiend: ModelWithGradiend | None = None,
    callbacks: Sequence[TrainingCallback] | None = None,
    progress: bool = True,
    identity: dict[str, Any] | None = None,
) -> SeedRun:
    """Train one GRADIEND with ``seed`` and save it (atomically) to ``output_dir``.

    ``evaluate`` scores the encoder on validation rows for checkpoint selection (``None``: no
    evaluation during training, so the last step is kept and the sign cannot be normalised).
    ``save_strategy="no"`` keeps the last step's weights too; ``"steps"``/``"epoch"`` also write
    resumable step checkpoints (see :mod:`gradiend.training.step_checkpoints`) checked against
    ``identity``.
    """
    start = time.perf_counter()
    set_seed(seed)
    mwg = model_with_gradiend or trainer.create_model_with_gradiend(args=args)
    pair = trainer.require_pair()
    from gradiend.training.tracking import tracking_callbacks  # the report_to trackers of this seed

    callbacks = [*(callbacks or []), *tracking_callbacks(args, output_dir, seed)]
    rows = trainer.hook.gradiend_create_training_data(
        trainer=trainer, split="train", max_size=args.train_max_size
    )
    if rows is None or rows.empty:
        raise ValueError("no training rows: check the data and target_classes")
    dataset = trainer.hook.gradiend_create_gradient_training_dataset(
        trainer=trainer,
        training_data=rows,
        model_with_gradiend=mwg,
        source=args.source,
        target=args.target,
        batch_size=args.train_batch_size,
        seed=seed,
    )
    do_eval = evaluate is not None
    state = TrainingState(
        args=args, model_with_gradiend=mwg, max_steps=total_steps(args, len(dataset)), pair=pair
    )
    all_callbacks = [*default_callbacks(args.eval_steps, do_eval), *(callbacks or [])]
    checkpointer = None
    if args.save_strategy in ("steps", "epoch"):
        checkpointer = StepCheckpointer(args, output_dir, seed, identity, len(dataset))
    run_training_loop(state, dataset, all_callbacks, evaluate, progress=progress, checkpointer=checkpointer)
    if args.save_strategy == "no":
        state.best = state.evaluations[-1] if state.evaluations else None  # describe the saved weights
    elif state.best_state is not None:
        mwg.gradiend.load_state_dict(state.best_state)
    flipped = args.normalize_gradiend and normalize_sign(mwg, state)
    stats = state.to_stats()
    stats.update(seed=seed, sign_flipped=flipped, source=args.source, target=args.target)
    stats["data"] = training_data_size(rows)
    if flipped and stats["best_correlation"] is not None:
        stats["best_correlation"] = -stats["best_correlation"]
        stats["best_mean_by_class"] = {k: -v for k, v in stats["best_mean_by_class"].items()}
    if args.post_prune_config is not None:
        from gradiend.pruning.post import post_prune

        mwg = post_prune(mwg, args.post_prune_config)
        stats["post_prune"] = {"input_dim": mwg.param_map.size, **args.post_prune_config.model_dump()}
    stats["total_time"] = round(time.perf_counter() - start, 4)
    stats.update(published_blocks(stats))
    mwg.save_pretrained(output_dir, training_stats=stats, arguments=args.to_dict())
    if checkpointer is not None:
        checkpointer.finish()
    logger.debug(
        "seed %d: best |correlation| %.4f at step %s, saved to %s",
        seed,
        abs(stats["best_correlation"] or 0.0),
        stats["best_step"],
        output_dir,
    )
    for callback in all_callbacks:
        callback.on_save(state, output_dir)
    return SeedRun(seed=seed, output_dir=output_dir, model=mwg, stats=stats)


__all__ = ["SeedRun", "make_encoder_evaluation", "normalize_sign", "train_seed", "validation_rows"]
