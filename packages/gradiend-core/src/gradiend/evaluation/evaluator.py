"""The Evaluator: encoder analysis, the decoder grid with selection, and base-model rewrites."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from torch import nn

from gradiend.definition import BaseModelScores, DecoderEvalData, UtilityScore, normalize_split
from gradiend.evaluation.decoder_grid import DecoderGrid
from gradiend.evaluation.decoder_search import (
    DataProbabilityFn,
    Direction,
    adaptive_decoder_search,
    check_search_mode,
    search_directions,
)
from gradiend.evaluation.encoder_metrics import compute_encoder_metrics
from gradiend.evaluation.encoding import GradientEncoder
from gradiend.evaluation.grid_work import BaseModelScorer, GridWork, evaluate_grid
from gradiend.evaluation.selection import default_feature_factor, summarize_decoder_grid
from gradiend.run_files import CACHE_DIR
from gradiend.utils.safe_paths import check_path_component, check_rewrite_target, mark_rewrite

if TYPE_CHECKING:
    from gradiend.executors.base import Executor
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.run_context import RunContext

logger = logging.getLogger(__name__)

Selector = Callable[..., dict[str, Any]]


def model_digest(model: ModelWithGradiend) -> str:
    """A digest of a GRADIEND's weights and parameter map (cache keys follow the exact model)."""
    from gradiend.caching import stable_hash, tensor_digest

    weights = tensor_digest(
        [*model.gradiend.state_dict().values(), *model.param_map.index_tensors().values()]
    )
    return stable_hash([weights, model.param_map.to_dict(), model.base_model_id])


def _as_encoder_df(value: pd.DataFrame | dict[str, Any]) -> pd.DataFrame:
    if isinstance(value, pd.DataFrame):
        return value
    if isinstance(value, dict) and isinstance(value.get("encoder_df"), pd.DataFrame):
        return value["encoder_df"]
    raise TypeError("encoder_df must be a DataFrame or the dict returned by evaluate_encoder(return_df=True)")


def _classes(target_class: str | Sequence[str] | None, pair: tuple[str, str]) -> list[str]:
    if target_class is None:
        return list(pair)
    classes = [target_class] if isinstance(target_class, str) else list(target_class)
    unknown = [c for c in classes if c not in pair]
    if unknown:
        raise ValueError(f"target_class must name classes of the pair {list(pair)}, got {unknown}")
    return classes


class Evaluator:
    """Evaluates a run's GRADIEND: encoder metrics, decoder grid and selection, rewrites (it never plots).

    Args:
        trainer: the run (a :class:`~gradiend.run_context.RunContext`, e.g. the trainer) whose model,
            data and hooks are used.
    """

    def __init__(self, trainer: RunContext) -> None:
        self.trainer = trainer
        self.last_decoder_results: dict[str, dict[str, Any]] = {}
        self.last_grid: DecoderGrid | None = None
        """The grid of the last :meth:`evaluate_decoder` call (what its plot draws)."""
        self._preloaded: dict[tuple[str, str, int | None], GradientEncoder] = {}

    # --- encoder -----------------------------------------------------------------------------------

    def evaluate_encoder(
        self,
        model_with_gradiend: ModelWithGradiend | None = None,
        encoder_df: pd.DataFrame | dict[str, Any] | None = None,
        split: str = "test",
        source: str | None = None,
        max_size: int | None = None,
        neutral_data_df: pd.DataFrame | None = None,
        use_cache: bool | None = None,
        return_df: bool = False,
        executor: Executor | str | None = None,
        pre_load_gradients: bool | None = None,
    ) -> dict[str, Any]:
        """Encode one gradient per test row (plus neutral rows) and compute the encoder metrics.

        The gradients are computed on ``executor`` (an Executor, ``"local"`` or ``"ray"``; default:
        ``args.executor``): an executor that runs work elsewhere gets one shard of rows per worker.
        With ``pre_load_gradients`` (None: ``args.use_cached_gradients``) the per-row gradients are kept
        in memory and later calls with the same split, source and size only re-encode them.
        """
        trainer = self.trainer
        pair = trainer.require_pair()
        if encoder_df is not None:
            frame = _as_encoder_df(encoder_df)
        elif self._preload(pre_load_gradients) and neutral_data_df is None:
            frame = self._encode_preloaded(model_with_gradiend, normalize_split(split), source, max_size)
        else:
            frame = self._encode(
                model_with_gradiend, normalize_split(split), source, max_size, neutral_data_df, use_cache,
                executor,
            )  # fmt: skip
        metrics = compute_encoder_metrics(frame, pair)
        from gradiend.evaluation.outcomes import note_encoder_result

        saved_model = encoder_df is None and model_with_gradiend is None
        shown_split = normalize_split(split) if encoder_df is None else "given"
        note_encoder_result(trainer.model_path, shown_split, metrics, saved_model=saved_model)
        if return_df:
            metrics["encoder_df"] = frame
        return metrics

    def _encode(
        self,
        model_with_gradiend: ModelWithGradiend | None,
        split: str,
        source: str | None,
        max_size: int | None,
        neutral_data_df: pd.DataFrame | None,
        use_cache: bool | None,
        executor: Executor | str | None,
    ) -> pd.DataFrame:
        from gradiend.executors.factory import executor_scope

        trainer = self.trainer
        args = trainer.args
        model = model_with_gradiend or trainer.get_model()
        source = source or args.source
        max_size = max_size or args.encoder_eval_max_size
        cache = self._cache(use_cache)
        key = None
        if cache is not None and neutral_data_df is None:
            key = cache.key(
                "encoder", model=model_digest(model), split=split, source=source, max_size=max_size
            )
            cached = cache.load_frame(key)
            if cached is not None:
                return cached
        with executor_scope(args, executor) as resolved, trainer.running_on(resolved):
            frame = trainer.hook.gradiend_analyze_encoder(
                trainer=trainer,
                model_with_gradiend=model,
                split=split,
                max_size=max_size,
                neutral_data=neutral_data_df,
                source=source,
            )
        if cache is not None and key is not None:
            cache.save_frame(key, frame)
        return frame

    def _preload(self, pre_load_gradients: bool | None) -> bool:
        if pre_load_gradients is None:
            return self.trainer.args.use_cached_gradients
        return bool(pre_load_gradients)

    def _encode_preloaded(
        self,
        model_with_gradiend: ModelWithGradiend | None,
        split: str,
        source: str | None,
        max_size: int | None,
    ) -> pd.DataFrame:
        """Encode with gradients kept from an earlier call of the same split, source and size."""
        trainer = self.trainer
        source = source or trainer.args.source
        max_size = max_size or trainer.args.encoder_eval_max_size
        key = (split, source, max_size)
        encoder = self._preloaded.get(key)
        if encoder is None:
            rows = trainer.encoder_rows(split=split, max_size=max_size)
            encoder = GradientEncoder(
                trainer, rows, source, cache_bytes=None, progress=trainer.progress_bars()
            )
            self._preloaded[key] = encoder
        return encoder.encode(model_with_gradiend or trainer.get_model())

    def _cache(self, use_cache: bool | None) -> Any:
        from gradiend.caching import ResultCache

        enabled = self.trainer.args.caches_results if use_cache is None else use_cache
        directory = self.trainer.experiment_dir
        if not enabled or directory is None:
            return None
        return ResultCache(Path(directory) / CACHE_DIR, self.trainer.cache_fingerprint())

    # --- decoder -----------------------------------------------------------------------------------

    def decoder_eval_data(
        self,
        max_size_training_like: int | None,
        max_size_neutral: int | None,
        training_like_df: pd.DataFrame | None,
        neutral_df: pd.DataFrame | None,
    ) -> DecoderEvalData:
        """The decoder-evaluation data: the modality's, with caller-given frames taking precedence."""
        trainer = self.trainer
        args = trainer.args
        if training_like_df is not None and neutral_df is not None:
            return DecoderEvalData(training_like=training_like_df, neutral=neutral_df)
        data = trainer.hook.gradiend_create_decoder_eval_data(
            trainer=trainer,
            max_size_training_like=max_size_training_like or args.decoder_eval_max_size_training_like,
            max_size_neutral=max_size_neutral or args.decoder_eval_max_size_neutral,
        )
        return DecoderEvalData(
            training_like=training_like_df if training_like_df is not None else data.training_like,
            neutral=neutral_df if neutral_df is not None else data.neutral,
        )

    def score_function(
        self, eval_data: DecoderEvalData, batch_size: int
    ) -> Callable[[nn.Module], BaseModelScores]:
        """Scores one base model through the trainer's ``gradiend_evaluate_base_model`` hook."""
        return BaseModelScorer(self.trainer, eval_data, batch_size)

    def utility_function(
        self, eval_data: DecoderEvalData, batch_size: int
    ) -> Callable[[nn.Module, float | None], UtilityScore | None]:
        """Scores the utility alone through the trainer's ``evaluate_utility`` (None: not available)."""
        trainer = self.trainer

        def utility(model: nn.Module, minimum: float | None) -> UtilityScore | None:
            return trainer.evaluate_utility(model, eval_data, batch_size=batch_size, minimum=minimum)

        return utility

    def probability_function(
        self, eval_data: DecoderEvalData, batch_size: int, target_classes: Sequence[str] | None = None
    ) -> Callable[[nn.Module], dict[str, dict[str, float]] | None]:
        """Scores the probabilities alone via the trainer's ``evaluate_probabilities`` (None: not offered)."""
        trainer = self.trainer
        classes = None if target_classes is None else list(target_classes)

        def probabilities(model: nn.Module) -> dict[str, dict[str, float]] | None:
            return trainer.evaluate_probabilities(model, eval_data, batch_size=batch_size, classes=classes)

        return probabilities

    def _probabilities_on(self, batch_size: int) -> DataProbabilityFn | None:
        """The probability-only scorer for the search, where the full scoring is the parts put together."""
        if not self.trainer.scores_in_parts():
            logger.debug(
                "decoder search: evaluate_base_model is overridden or hooked; scoring points in full"
            )
            return None
        return lambda data, classes: self.probability_function(data, batch_size, classes)

    def evaluate_decoder(
        self,
        lrs: Sequence[float] | None = None,
        feature_factors: Sequence[float] | None = None,
        use_cache: bool | None = None,
        max_size_training_like: int | None = None,
        max_size_neutral: int | None = None,
        eval_batch_size: int | None = None,
        training_like_df: pd.DataFrame | None = None,
        neutral_df: pd.DataFrame | None = None,
        selector: Selector | None = None,
        summary_extractor: Any = None,
        summary_metrics: Sequence[str] | None = None,
        target_class: str | Sequence[str] | None = None,
        increase_target_probabilities: bool = True,
        executor: Executor | str | None = None,
        decoder_search: str | None = None,
    ) -> dict[str, Any]:
        """Grid over feature factors x learning rates; per class the best admissible rewrite.

        Returns a dict with one summary per class (``"C"`` to strengthen, ``"C_weaken"`` to weaken)
        and ``"grid"`` (records of the evaluated points, the base model first). The grid's groups of
        points run on ``executor`` (an Executor, ``"local"`` or ``"ray"``; default: ``args.executor``).
        ``decoder_search`` (default ``args.decoder_search``): ``"adaptive"`` scores only the points the
        selection needs (:mod:`gradiend.evaluation.decoder_search`; ``"grid"`` then lists those
        points only), ``"grid"`` every point. A custom ``selector``, ``summary_metrics``,
        ``summary_extractor``, an executor with several workers, or a learning rate <= 0 need every
        point, so the search is exhaustive with them (logged).
        """
        trainer = self.trainer
        args = trainer.args
        pair = trainer.require_pair()
        classes = _classes(target_class, pair)
        increase = increase_target_probabilities
        factors = list(feature_factors or args.decoder_eval_feature_factors or [])
        if not factors:
            factors = sorted(
                {default_feature_factor(c, pair, args.target, increase=increase) for c in classes}
            )
        rates = list(lrs or args.decoder_learning_rates)
        search = check_search_mode(args.decoder_search if decoder_search is None else decoder_search)
        if search == "adaptive" and (selector or summary_metrics or summary_extractor is not None):
            logger.info("decoder search: a selector or summary metrics need every point; using the grid")
            search = "grid"
        adaptive = None
        if search == "adaptive":
            adaptive = search_directions(factors, pair, classes, increase=increase, target=args.target)
        grid = self._grid(
            factors, rates, use_cache, eval_batch_size or args.eval_batch_size,
            self.decoder_eval_data(max_size_training_like, max_size_neutral, training_like_df, neutral_df),
            custom_data=training_like_df is not None or neutral_df is not None, executor=executor,
            directions=adaptive,
        )  # fmt: skip
        select = selector or summarize_decoder_grid
        results = select(
            grid,
            pair,
            classes,
            increase=increase,
            target=args.target,
            utility_ratio=args.decoder_eval_utility_ratio,
            summary_extractor=summary_extractor,
            summary_metrics=summary_metrics,
        )
        self.last_decoder_results.update({k: v for k, v in results.items() if k != "grid"})
        from gradiend.evaluation.outcomes import note_decoder_selection

        note_decoder_selection(trainer.model_path, results)
        self.last_grid = grid
        return results

    def _grid(
        self,
        factors: list[float],
        rates: list[float],
        use_cache: bool | None,
        batch_size: int,
        eval_data: DecoderEvalData,
        *,
        custom_data: bool,
        executor: Executor | str | None = None,
        directions: list[Direction] | None = None,
    ) -> DecoderGrid:
        trainer = self.trainer
        cache = None if custom_data else self._cache(use_cache)
        key = None
        model = trainer.get_model()
        if cache is not None:
            sizes = [
                trainer.args.decoder_eval_max_size_training_like,
                trainer.args.decoder_eval_max_size_neutral,
            ]
            extra: dict[str, Any] = {}
            if directions is not None:
                extra["search"] = [dataclasses.asdict(d) for d in directions]
                extra["utility_ratio"] = trainer.args.decoder_eval_utility_ratio
            key = cache.key(
                "decoder_grid", model=model_digest(model), factors=factors, rates=rates, sizes=sizes, **extra
            )
            cached = cache.load_json(key)
            if cached is not None:
                return DecoderGrid.from_dict(cached)
        from gradiend.executors.factory import executor_scope

        with executor_scope(trainer.args, executor) as resolved:
            progress = trainer.progress_bars()
            if directions is not None and (not resolved.in_process or resolved.workers > 1):
                logger.info("decoder search: the executor has several workers; scoring the whole grid")
                directions = None
            if directions is not None and min(rates) <= 0:
                logger.info("decoder search: a learning rate <= 0 in %s; scoring the whole grid", rates)
                directions = None
            if directions is None:
                work = GridWork(self.score_function(eval_data, batch_size), model, progress=progress)
                grid = evaluate_grid(resolved, work, factors, rates)
            else:
                grid = adaptive_decoder_search(
                    model,
                    lambda data: self.score_function(data, batch_size),
                    eval_data,
                    directions,
                    rates,
                    utility_ratio=trainer.args.decoder_eval_utility_ratio,
                    utility_on=lambda data: self.utility_function(data, batch_size),
                    probabilities_on=self._probabilities_on(batch_size),
                )
        if cache is not None and key is not None:
            cache.save_json(key, grid.to_dict())
        return grid

    # --- rewrite -----------------------------------------------------------------------------------

    def rewrite_base_model(
        self,
        decoder_results: dict[str, Any] | None = None,
        target_class: str | list[str] | None = None,
        increase_target_probabilities: bool = True,
        output_dir: str | None = None,
        base_model: ModelWithGradiend | None = None,
        metric_name: str | None = None,
        decoder_kwargs: dict[str, Any] | None = None,
    ) -> Any:
        """Apply the selected ``theta += lr * decoder(f)`` and return (or save) the rewritten base model.

        ``metric_name`` names the summary entry to apply (default: each target class's own);
        ``decoder_kwargs`` are the evaluate_decoder arguments of the grid run when no entry is at hand.
        """
        trainer = self.trainer
        pair = trainer.require_pair()
        classes = [target_class] if isinstance(target_class, str) else list(target_class or [pair[0]])
        if metric_name is not None and len(classes) != 1:
            raise ValueError(
                f"decoder_stats_metric_name={metric_name!r} selects one summary entry: pass one "
                "target_class, "
                f"not {classes}"
            )
        keys = {name: metric_name or name for name in classes}
        model = base_model or trainer.get_model()
        results = decoder_results
        if results is None:
            missing = [
                c
                for c in classes
                if decoder_kwargs
                or self._entry(self.last_decoder_results, keys[c], increase_target_probabilities) is None
            ]
            if missing:
                self.evaluate_decoder(
                    **{
                        "target_class": missing,
                        "increase_target_probabilities": increase_target_probabilities,
                        **(decoder_kwargs or {}),
                    }
                )
            results = self.last_decoder_results
        outputs = []
        for name in classes:
            entry = self._entry(results, keys[name], increase_target_probabilities)
            if entry is None:
                raise KeyError(f"decoder results hold no entry for {keys[name]!r}; keys: {sorted(results)}")
            factor, rate = float(entry["feature_factor"]), float(entry["learning_rate"])
            if (
                not increase_target_probabilities
                and not name.endswith("_weaken")
                and f"{name}_weaken" not in results
            ):
                factor = -factor
            rewritten = model.rewrite(feature_factor=factor, learning_rate=rate)
            logger.info(
                "rewrote the base model for %r: feature_factor %+g, learning_rate %g", name, factor, rate
            )
            saved = self._save(rewritten, name, output_dir, len(classes), increase_target_probabilities)
            if isinstance(saved, str):
                from gradiend.evaluation.outcomes import note_rewrite_saved

                key = name if increase_target_probabilities else f"{name}_weaken"
                rewrite = {**entry, "feature_factor": factor}
                note_rewrite_saved(saved, model.base_model_id, self.trainer.model_path, key, rewrite)
            outputs.append(saved)
        return outputs[0] if isinstance(target_class, str) or target_class is None else outputs

    @staticmethod
    def _entry(results: dict[str, Any], name: str, increase: bool) -> dict[str, Any] | None:
        if not increase and f"{name}_weaken" in results:
            return results[f"{name}_weaken"]
        entry = results.get(name)
        return entry if isinstance(entry, dict) else None

    def _save(self, model: nn.Module, name: str, output_dir: str | None, count: int, increase: bool) -> Any:
        if output_dir is None and count == 1:
            return model
        if count > 1 or output_dir is None:
            root = self.trainer.experiment_dir
            if root is None and output_dir is None:
                return model
            suffix = "" if increase else "_weaken"
            folder = check_path_component(f"{name}{suffix}", "target class")
            directory = str(Path(output_dir or Path(root or ".") / "rewritten") / folder)
        else:
            directory = output_dir
        check_rewrite_target(directory)
        self.trainer.save_base_model(model, directory)
        mark_rewrite(directory, {"target_class": name, "base_model": self.trainer.base_model_path})
        return directory


__all__ = ["Evaluator"]
