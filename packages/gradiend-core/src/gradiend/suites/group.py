"""What every group of trainers does: train members on an executor, evaluate, tabulate, compare, rewrite."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from gradiend.executors.base import Executor
from gradiend.suites.members import MemberResult, MemberSetup, share_base_model, train_member
from gradiend.trainer.trainer import Trainer

logger = logging.getLogger(__name__)


class SuiteTrainingError(RuntimeError):
    """Some members failed every attempt; the others trained and keep their models."""

    def __init__(self, failed: Mapping[str, MemberResult]) -> None:
        self.failed = dict(failed)
        details = "; ".join(f"{k}: {r.error}" for k, r in self.failed.items())
        super().__init__(f"{len(self.failed)} suite member(s) failed after retries: {details}")


class MemberGroup:
    """Trainers by id, trained and analysed together (base of suites and collections)."""

    trainers: dict[str, Trainer]
    retain_models_in_memory: bool = True
    model_device: str = "cpu"

    def _init_group(self, trainers: Mapping[str, Trainer]) -> None:
        self.trainers = dict(trainers)
        self._loaded: dict[tuple[str, ...], dict[str, Any]] = {}
        self._models: dict[str, Any] = {}
        self._last_encoder_eval: dict[str, Any] | None = None
        self.last_results: dict[str, MemberResult] = {}

    # --- mapping protocol ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.trainers)

    def __iter__(self) -> Iterator[str]:
        return iter(self.trainers)

    def keys(self) -> Iterable[str]:
        """Member ids."""
        return self.trainers.keys()

    def values(self) -> Iterable[Trainer]:
        """Member trainers."""
        return self.trainers.values()

    def items(self) -> Iterable[tuple[str, Trainer]]:
        """``(id, trainer)`` pairs."""
        return self.trainers.items()

    def get_trainer(self, child_id: str) -> Trainer:
        """One member's trainer."""
        if child_id not in self.trainers:
            raise KeyError(f"no member {child_id!r}; members: {list(self.trainers)}")
        return self.trainers[child_id]

    def get_trainers(self) -> dict[str, Trainer]:
        """``{id: trainer}`` (a copy of the mapping)."""
        return dict(self.trainers)

    # --- training ----------------------------------------------------------------------------------

    def train(
        self,
        *,
        use_cache: bool | None = None,
        executor: Executor | str | None = None,
        max_retries: int = 1,
        **training_args_overrides: Any,
    ) -> dict[str, MemberResult]:
        """Train every member (each one resumes from its own run folder when ``use_cache`` holds).

        Args:
            use_cache: reuse a member's finished model when its fingerprint matches (default:
                each member's ``args.use_cache``).
            executor: ``"local"`` (in order, in this process), ``"ray"`` (one member per group, in
                parallel across workers) or an Executor.
            max_retries: how many times a failed member is trained again.
            **training_args_overrides: passed to every member's ``train()``.

        Raises:
            SuiteTrainingError: members that failed every attempt (the others keep their models).
        """
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        overrides = dict(training_args_overrides)
        if use_cache is not None:
            overrides["use_cache"] = use_cache
        pending = list(self.trainers)
        results: dict[str, MemberResult] = {}
        for attempt in range(max_retries + 1):
            if attempt:
                logger.warning("retrying %d failed suite member(s): %s", len(pending), pending)
            batch = self._run_members(pending, overrides, executor)
            results.update(batch)
            pending = [k for k in pending if not batch[k].ok]
            if not pending:
                break
        self.last_results = results
        self._models.clear()
        failed = {k: results[k] for k in pending}
        if failed:
            raise SuiteTrainingError(failed)
        return results

    def _run_members(
        self, ids: list[str], overrides: dict[str, Any], executor: Executor | str | None
    ) -> dict[str, MemberResult]:
        from gradiend.executors.factory import in_worker_overrides, make_executor

        if (
            executor is None
            or executor == "local"
            or (isinstance(executor, Executor) and executor.in_process)
        ):
            return {k: train_member(self._loaded, (k, self.trainers[k], overrides)) for k in ids}
        remote_overrides = {**overrides, **in_worker_overrides()}
        items = [(k, self.trainers[k], remote_overrides) for k in ids]
        owned = not isinstance(executor, Executor)
        runner = make_executor(executor) if isinstance(executor, str) else executor
        try:
            returned = runner.map_with_setup(MemberSetup(), train_member, items, group_size=1)
        finally:
            if owned:
                runner.close()
        out = {}
        for result in returned:
            out[result.child_id] = result
            if result.ok:
                self._adopt(result)
        return out

    def _adopt(self, result: MemberResult) -> None:
        """Point the local trainer at the model a worker saved (loaded on first use)."""
        trainer = self.trainers[result.child_id]
        trainer._model_path = result.model_path
        trainer._model_with_gradiend = None
        trainer._evaluator = None

    # --- models ------------------------------------------------------------------------------------

    def get_model(self, child_id: str) -> Any:
        """One member's ModelWithGradiend (the base model shared with the other members)."""
        if child_id in self._models:
            return self._models[child_id]
        trainer = self.get_trainer(child_id)
        share_base_model(trainer, self._loaded)
        model = trainer.get_model()
        if self.model_device == "cuda":
            model = model.cuda()
        if self.retain_models_in_memory:
            self._models[child_id] = model
        return model

    def get_models(self) -> dict[str, Any]:
        """``{id: ModelWithGradiend}`` of every member."""
        return {k: self.get_model(k) for k in self.trainers}

    # --- evaluation --------------------------------------------------------------------------------

    def _each(self, method: str, **kwargs: Any) -> dict[str, Any]:
        out = {}
        for child_id, trainer in self.trainers.items():
            self.get_model(child_id)
            logger.info("suite member %s: %s", child_id, method)
            out[child_id] = getattr(trainer, method)(**kwargs)
        return out

    def evaluate_encoder(self, *, full_eval: bool | None = None, **kwargs: Any) -> dict[str, dict[str, Any]]:
        """``{id: trainer.evaluate_encoder(**kwargs)}``.

        Args:
            full_eval: keep the rows of classes outside a member's pair (the suite's other classes, which
                the member encodes as neutral rows) in its metrics. Default (published): True for
                ``split="test"``, False for other splits. False drops those rows before the metrics;
                the neutral sentences stay.
            **kwargs: arguments of ``trainer.evaluate_encoder`` (``split``, ``max_size``, ``plot``...).
        """
        split = str(kwargs.get("split", "test"))
        self._last_encoder_eval = {"split": split, "max_size": kwargs.get("max_size")}
        keep_other_classes = (split.lower() == "test") if full_eval is None else bool(full_eval)
        if keep_other_classes:
            return self._each("evaluate_encoder", **kwargs)
        if "encoder_df" in kwargs or "model_with_gradiend" in kwargs:
            raise TypeError(
                "full_eval=False encodes each member's own data: do not pass encoder_df/model_with_gradiend"
            )
        encode_keys = {"split", "max_size", "source", "use_cache"}
        encode = {k: v for k, v in kwargs.items() if k in encode_keys}
        metric_kwargs = {k: v for k, v in kwargs.items() if k not in encode_keys}
        out = {}
        for child_id, trainer in self.trainers.items():
            self.get_model(child_id)
            frame = trainer.get_encodings(**encode)
            pair = set(trainer.require_pair())
            own = frame["feature_class"].isin(pair) | (frame["feature_class"] == "neutral")
            logger.info(
                "suite member %s: evaluate_encoder without %d other-class rows", child_id, int((~own).sum())
            )
            out[child_id] = trainer.evaluate_encoder(
                encoder_df=frame[own].reset_index(drop=True), **metric_kwargs
            )
        return out

    def evaluate_decoder(self, **kwargs: Any) -> dict[str, dict[str, Any]]:
        """``{id: trainer.evaluate_decoder(**kwargs)}``."""
        return self._each("evaluate_decoder", **kwargs)

    def evaluate(self, **kwargs: Any) -> dict[str, dict[str, Any]]:
        """``{id: {"encoder": ..., "decoder": ...}}`` with default arguments for both."""
        if kwargs:
            raise TypeError(
                f"suite.evaluate takes no arguments (got {sorted(kwargs)}); call evaluate_encoder/_decoder"
            )
        enc, dec = self.evaluate_encoder(), self.evaluate_decoder()
        return {k: {"encoder": enc[k], "decoder": dec[k]} for k in self.trainers}

    def rewrite_base_model(
        self,
        *,
        decoder_results: Mapping[str, Mapping[str, Any]] | None = None,
        output_dir: str | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """One rewrite (or set of rewrites) per member: ``{id: trainer.rewrite_base_model(...)}``.

        Args:
            decoder_results: ``{member: evaluate_decoder() results}`` (default: each member's last
                decoder evaluation, e.g. from :meth:`evaluate_decoder`).
            output_dir: save each member's rewritten model under ``output_dir/<member>`` (members
                that rewrite towards the same class do not overwrite each other).
            **kwargs: further arguments of ``trainer.rewrite_base_model`` (``target_class``, ...).
        """
        unknown = [k for k in (decoder_results or {}) if k not in self.trainers]
        if unknown:
            raise ValueError(
                f"decoder_results must be keyed by member ids {list(self.trainers)}; unknown: {unknown}"
            )
        out = {}
        for child_id, trainer in self.trainers.items():
            self.get_model(child_id)
            member_kwargs = dict(kwargs)
            if decoder_results is not None:
                member_kwargs["decoder_results"] = dict(decoder_results[child_id])
            if output_dir is not None:
                member_kwargs["output_dir"] = str(Path(output_dir) / child_id)
            out[child_id] = trainer.rewrite_base_model(**member_kwargs)
        return out

    def member_table(
        self,
        encoder_results: Mapping[str, Mapping[str, Any]] | None = None,
        decoder_results: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> pd.DataFrame:
        """One row per member: pair, correlation, accuracy, selected rewrite and its utility.

        Uses the given evaluation results, else evaluates (encoder always; decoder only when given).
        Decoder columns describe the rewrite selected for the member's first class.
        """
        enc = encoder_results if encoder_results is not None else self.evaluate_encoder()
        rows = []
        for child_id, trainer in self.trainers.items():
            pair = list(trainer.target_classes or [])
            e = enc.get(child_id, {})
            row: dict[str, Any] = {
                "member": child_id,
                "label": getattr(self, "label_mapping", {}).get(child_id, child_id),
                "target_classes": " / ".join(pair),
                "correlation": e.get("correlation", math.nan),
                "accuracy": e.get("accuracy", math.nan),
                "model_path": trainer.model_path,
            }
            selected = (decoder_results or {}).get(child_id, {}).get(pair[0]) if pair else None
            if isinstance(selected, Mapping):
                row.update(
                    rewrite_class=pair[0],
                    feature_factor=selected.get("feature_factor"),
                    learning_rate=selected.get("learning_rate"),
                    target_value=selected.get("value"),
                    base_value=selected.get("base_value"),
                    utility=selected.get("utility"),
                    base_utility=selected.get("base_utility"),
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def report(self, output: str | None = None, **kwargs: Any) -> str:
        """Write every member's report and the suite report (member table, comparison heatmaps, links).

        Keyword arguments go to :func:`gradiend.report.suite.report_suite` (``split``, ``max_size``,
        ``topk``, ``member_reports``, ``decoder_results``). Returns the suite report's path.
        """
        from gradiend.report.suite import report_suite

        return report_suite(self, output, **kwargs)

    # --- comparison --------------------------------------------------------------------------------

    def compute_similarity_matrix(self, **kwargs: Any) -> dict[str, Any]:
        """:func:`gradiend.comparison.compute_similarity_matrix` over the members' models."""
        from gradiend.comparison import compute_similarity_matrix

        return compute_similarity_matrix(self.get_models(), **kwargs)

    def compute_grouped_similarity_matrices(self, **kwargs: Any) -> dict[str, dict[str, Any]]:
        """:func:`gradiend.comparison.compute_grouped_similarity_matrices` over the members' models."""
        from gradiend.comparison import compute_grouped_similarity_matrices

        return compute_grouped_similarity_matrices(self.get_models(), **kwargs)

    def compute_cross_encoding_matrix(self, **kwargs: Any) -> dict[str, Any]:
        """:func:`gradiend.comparison.compute_cross_encoding_matrix` over the members."""
        from gradiend.comparison import build_cross_task_encoder_summary, compute_cross_encoding_matrix

        if "encoder_summary" not in kwargs:
            kwargs["encoder_summary"] = build_cross_task_encoder_summary(
                self.trainers,
                split=kwargs.get("split", "test"),
                max_size=kwargs.get("max_size"),
                models=self.get_models(),
            )
        positive = getattr(self, "positive_class_by_trainer", lambda: None)()
        if positive and "positive_class_by_trainer" not in kwargs:
            kwargs["positive_class_by_trainer"] = positive
        return compute_cross_encoding_matrix(self.trainers, **kwargs)

    compute_trainer_pair_encoding_matrix = compute_cross_encoding_matrix

    def plot_similarity_heatmap(self, **kwargs: Any) -> Any:
        """:func:`gradiend.plotting.comparison.plot_similarity_heatmap` with the members' labels."""
        from gradiend.plotting.comparison import plot_similarity_heatmap

        kwargs.setdefault("row_label_mapping", getattr(self, "label_mapping", None))
        kwargs.setdefault("column_label_mapping", getattr(self, "label_mapping", None))
        return plot_similarity_heatmap(self.get_models(), **kwargs)

    def plot_topk_overlap_heatmap(self, **kwargs: Any) -> Any:
        """:func:`gradiend.plotting.comparison.plot_topk_overlap_heatmap` over the members."""
        from gradiend.plotting.comparison import plot_topk_overlap_heatmap

        kwargs.setdefault("row_label_mapping", getattr(self, "label_mapping", None))
        kwargs.setdefault("column_label_mapping", getattr(self, "label_mapping", None))
        return plot_topk_overlap_heatmap(self.get_models(), **kwargs)

    def encoding_scope(
        self, run_evaluation: bool, split: str | None, max_size: int | None
    ) -> tuple[str, Any]:
        """The ``(split, max_size)`` a cross-encoding encodes.

        ``run_evaluation=True``: the given values (defaults ``"test"``, None). ``run_evaluation=False``
        (published): reuse the last :meth:`evaluate_encoder` call's split and size (its cached
        encodings when result caching is on); raises ValueError when there was none or the split differs.
        """
        if run_evaluation:
            return split or "test", max_size
        last = self._last_encoder_eval
        if last is None:
            raise ValueError(
                "run_evaluation=False reuses the last suite.evaluate_encoder(...) call, but there was none: "
                "call suite.evaluate_encoder(split=..., max_size=...) first or pass run_evaluation=True"
            )
        if split is not None and split != last["split"]:
            raise ValueError(
                f"run_evaluation=False reuses the evaluation of split {last['split']!r}, but split={split!r} "
                "was given: evaluate that split first or pass run_evaluation=True"
            )
        return last["split"], last["max_size"] if max_size is None else max_size

    def plot_cross_encoding_heatmap(
        self, metric: str = "positive_mean", *, run_evaluation: bool = True, **kwargs: Any
    ) -> Any:
        """Compute the members' cross-encoding matrix and draw it (diagonal outlined).

        ``run_evaluation=False`` encodes with the split and size of the last :meth:`evaluate_encoder`
        call (see :meth:`encoding_scope`).
        """
        from gradiend.plotting.comparison import plot_cross_encoding_heatmap

        kwargs["split"], kwargs["max_size"] = self.encoding_scope(
            run_evaluation, kwargs.get("split"), kwargs.get("max_size")
        )
        compute_keys = ("split", "max_size", "encoder_summary", "positive_class_by_trainer")
        data = self.compute_cross_encoding_matrix(
            metric=metric, **{k: kwargs.pop(k) for k in compute_keys if k in kwargs}
        )
        kwargs.setdefault("row_label_mapping", getattr(self, "label_mapping", None))
        kwargs.setdefault("column_label_mapping", getattr(self, "label_mapping", None))
        return plot_cross_encoding_heatmap(data, **kwargs)


__all__ = ["MemberGroup", "SuiteTrainingError"]
