"""A trainer's evaluation methods with the published gradiend signatures (delegating to the Evaluator).

Published keyword arguments are accepted and act: ``evaluate_encoder(is_decoder_only_model=...)`` is
checked against the model, ``pre_load_gradients`` keeps the encoder's per-row gradients between calls,
``get_encodings(model_path=...)`` / ``get_encoder_metrics(model_path=...)`` evaluate the GRADIEND saved
there, ``rewrite_base_model(decoder_stats_metric_name=..., **decoder_stats_kwargs)`` picks the summary
entry and the grid that supplies it, and ``evaluate()`` routes each keyword to the evaluation that takes it.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

if TYPE_CHECKING:
    from gradiend.evaluation.evaluator import Evaluator
    from gradiend.model.with_gradiend import ModelWithGradiend


class PublishedApiMixin:
    """Evaluation entry points of :class:`~gradiend.Trainer` (published names and keyword arguments)."""

    ATTRIBUTE_KWARGS: ClassVar[Mapping[str, str]] = {
        "model_with_gradiend_cls": "ModelWithGradiend subclass used by train(), get_model() and load_model()",
        "img_format": "format of saved static figures (TrainerConfig.img_format; 'png' only)",
        "img_dpi": "default resolution of the plot_* figures (TrainerConfig.img_dpi)",
    }
    """Trainer attributes that ``Trainer(..., **kwargs)`` may set, with what each does."""

    img_dpi: int | None = None
    """Default dpi of the ``plot_*`` methods (None: 150)."""

    if TYPE_CHECKING:

        @property
        def model_path(self) -> str:
            """Declared by Trainer."""

        @property
        def evaluator(self) -> Evaluator:
            """Declared by Trainer."""

        def get_model(
            self, use_cache: bool | None = None, load_directory: str | None = None
        ) -> ModelWithGradiend:
            """Declared by Trainer."""

        def load_model(self, load_directory: str) -> ModelWithGradiend:
            """Declared by Trainer."""

    def set_attribute_kwargs(self, kwargs: Mapping[str, Any]) -> None:
        """Set the trainer attributes given as ``**kwargs`` to the constructor.

        Raises:
            TypeError: a name is not in :attr:`ATTRIBUTE_KWARGS` (the message lists the accepted ones).
        """
        unknown = sorted(set(kwargs) - set(self.ATTRIBUTE_KWARGS))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}() got unexpected keyword argument(s) {unknown}; the trainer "
                f"attributes it accepts as keywords are {sorted(self.ATTRIBUTE_KWARGS)}"
            )
        if "img_format" in kwargs or "img_dpi" in kwargs:
            from gradiend.trainer.config import TrainerConfig

            TrainerConfig(kwargs.get("img_format", "png"), kwargs.get("img_dpi"))  # validates both
        for name, value in kwargs.items():
            setattr(self, name, value)

    def is_decoder_only_model(self) -> bool | None:
        """Whether the base model is decoder-only (causal LM); None when the modality has no such notion."""
        return None

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
        plot: bool = False,
        plot_kwargs: dict[str, Any] | None = None,
        is_decoder_only_model: bool | None = None,
        pre_load_gradients: bool | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """Encoder metrics (correlation, means by class and type, accuracy) of one model.

        Args:
            model_with_gradiend: the model to evaluate (default: this trainer's, see ``get_model()``).
            encoder_df: encodings computed earlier (a DataFrame or ``{"encoder_df": ...}``): no encoding.
            split: the split whose rows are encoded (``"validation"``/``"val"``, ``"test"``, ``"train"``).
            source: gradient kind to encode (default: ``args.source``).
            max_size: rows per class (default: ``args.encoder_eval_max_size``).
            neutral_data_df: neutral rows to encode instead of the modality's.
            use_cache: reuse a cached result (default: ``use_cache`` of the arguments).
            return_df: include the encodings as ``"encoder_df"``.
            plot: also draw the encoder distributions.
            plot_kwargs: keyword arguments of ``plot_encoder_distributions``.
            is_decoder_only_model: what the caller expects the base model to be (causal LM or not). The
                objective is decided by the model and ``prediction_objective``; a mismatch raises
                ValueError instead of evaluating another objective than the caller meant.
            pre_load_gradients: keep the per-row gradients of this evaluation in memory and re-encode
                them on later calls with the same split, source and size (None: ``use_cached_gradients``).
            **kwargs: ``executor`` (an Executor, ``"local"`` or ``"ray"``).
        """
        self._check_decoder_only(is_decoder_only_model)
        metrics = self.evaluator.evaluate_encoder(
            model_with_gradiend=model_with_gradiend, encoder_df=encoder_df, split=split, source=source,
            max_size=max_size, neutral_data_df=neutral_data_df, use_cache=use_cache,
            return_df=return_df or plot, pre_load_gradients=pre_load_gradients, **kwargs,
        )  # fmt: skip
        if plot:  # the evaluator computes; the facade draws
            frame = metrics["encoder_df"] if return_df else metrics.pop("encoder_df")
            metrics["plot_path"] = self.plot_encoder_distributions(frame, **(plot_kwargs or {}))  # type: ignore[attr-defined]
        return metrics

    def _check_decoder_only(self, expected: bool | None) -> None:
        if expected is None:
            return
        actual = self.is_decoder_only_model()
        if actual is not None and actual != bool(expected):
            kind = "decoder-only (causal LM)" if actual else "not decoder-only (masked LM)"
            raise ValueError(
                f"is_decoder_only_model={expected!r}, but the base model "
                f"{getattr(self, 'base_model_path', '')!r} is {kind}; pass is_decoder_only_model={actual!r} "
                "or None (inferred from the model)"
            )

    def encode(self, split: str = "test", max_size: int | None = None) -> list[float | list[float]]:
        """Encoded values of the rows of ``split`` (training rows and neutral rows)."""
        frame = self.get_encodings(split=split, max_size=max_size)
        return [float(v) if not isinstance(v, list) else v for v in frame["encoded"]]

    def get_encodings(self, model_path: str | None = None, **kwargs: Any) -> pd.DataFrame:
        """The encoder DataFrame (``encoded``, ``label``, ``feature_class``, ``type``, modality columns).

        Args:
            model_path: a saved GRADIEND to encode with (default: this trainer's model).
            **kwargs: passed to :meth:`evaluate_encoder` (``split``, ``max_size``, ``use_cache``...).
        """
        model = self._model_at(model_path)
        result = self.evaluate_encoder(model_with_gradiend=model, return_df=True, **kwargs)
        frame = result["encoder_df"]
        assert isinstance(frame, pd.DataFrame)
        return frame

    def get_encoder_metrics(
        self, model_path: str | None = None, encoder_df: pd.DataFrame | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Encoder metrics of ``encoder_df`` when given, else of the GRADIEND at ``model_path`` (or ours)."""
        model = None if encoder_df is not None else self._model_at(model_path)
        return self.evaluate_encoder(model_with_gradiend=model, encoder_df=encoder_df, **kwargs)

    def _model_at(self, model_path: str | None) -> ModelWithGradiend | None:
        """The GRADIEND saved at ``model_path``; None (the trainer's model) for None or our own path."""
        if model_path is None or str(model_path) == str(self.model_path):
            return None
        return self.load_model(str(model_path))

    # --- decoder and both ----------------------------------------------------------------------------

    def evaluate_decoder(self, plot: bool = False, show: bool | None = None, **kwargs: Any) -> dict[str, Any]:
        """Decoder grid and selection per class; see ``Evaluator.evaluate_decoder``.

        Args:
            plot: also draw the grid and its selection (the path is returned as ``"plot_path"``).
            show: display the figure (with ``plot``).
            **kwargs: the arguments of ``Evaluator.evaluate_decoder``.
        """
        results = self.evaluator.evaluate_decoder(**kwargs)
        if plot:  # the evaluator computes; the facade draws
            grid = self.evaluator.last_grid
            results["plot_path"] = self.plot_decoder_grid(results, grid=grid, show=show)  # type: ignore[attr-defined]
        return results

    def evaluate(
        self,
        *,
        kwargs_encoder: dict[str, Any] | None = None,
        kwargs_decoder: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """``{"encoder": evaluate_encoder(...), "decoder": evaluate_decoder(...)}``.

        Each keyword in ``kwargs`` goes to the evaluation(s) that accept it (``max_size`` to the encoder,
        ``lrs`` to the decoder, ``use_cache`` to both); ``kwargs_encoder`` / ``kwargs_decoder`` go to one
        evaluation only (published names).

        Raises:
            TypeError: a keyword neither evaluation accepts, or ``kwargs_encoder``/``kwargs_decoder`` not
                a dict.
        """
        for name, value in (("kwargs_encoder", kwargs_encoder), ("kwargs_decoder", kwargs_decoder)):
            if value is not None and not isinstance(value, dict):
                raise TypeError(f"{name} must be a dict or None, got {type(value).__name__}")
        encoder_names = _parameter_names(self.evaluate_encoder, self.evaluator.evaluate_encoder)
        decoder_names = _parameter_names(self.evaluate_decoder, self.evaluator.evaluate_decoder)
        unknown = sorted(set(kwargs) - encoder_names - decoder_names)
        if unknown:
            raise TypeError(
                f"evaluate() got keyword(s) {unknown} that neither evaluate_encoder nor evaluate_decoder "
                f"accepts; encoder: {sorted(encoder_names)}; decoder: {sorted(decoder_names)}"
            )
        encoder = {k: v for k, v in kwargs.items() if k in encoder_names} | (kwargs_encoder or {})
        decoder = {k: v for k, v in kwargs.items() if k in decoder_names} | (kwargs_decoder or {})
        return {"encoder": self.evaluate_encoder(**encoder), "decoder": self.evaluate_decoder(**decoder)}

    def rewrite_base_model(
        self,
        decoder_results: dict[str, Any] | None = None,
        target_class: str | list[str] | None = None,
        increase_target_probabilities: bool = True,
        output_dir: str | None = None,
        base_model: ModelWithGradiend | None = None,
        decoder_stats_metric_name: str | None = None,
        **decoder_stats_kwargs: Any,
    ) -> Any:
        """Apply the selected decoder update ``theta += lr * decoder(f)`` to the base model.

        Args:
            decoder_results: evaluate_decoder output (default: the last results, else a new grid).
            target_class: class (or list of classes) to strengthen or weaken (default: the first class).
            increase_target_probabilities: strengthen (True) or weaken (False) the class.
            output_dir: save the rewritten model there (and return the path) instead of returning it.
            base_model: the ModelWithGradiend to apply (default: this trainer's).
            decoder_stats_metric_name: the summary key whose entry gives the feature factor and learning
                rate (default: the target class, e.g. ``"3SG"``; a paper metric such as ``"bpi"`` when
                evaluate_decoder computed it). One target class only.
            **decoder_stats_kwargs: arguments of :meth:`evaluate_decoder` (``lrs``, ``feature_factors``,
                ``use_cache``, sizes...) for the grid that supplies the entry when ``decoder_results`` is
                not given (with ``use_cache`` on, a cached grid of the same arguments is reused).
        """
        return self.evaluator.rewrite_base_model(
            decoder_results=decoder_results, target_class=target_class,
            increase_target_probabilities=increase_target_probabilities, output_dir=output_dir,
            base_model=base_model, metric_name=decoder_stats_metric_name, decoder_kwargs=decoder_stats_kwargs,
        )  # fmt: skip


def _parameter_names(*functions: Any) -> set[str]:
    """Keyword names the functions accept (``self`` and ``**kwargs`` excluded)."""
    names: set[str] = set()
    for function in functions:
        for parameter in inspect.signature(function).parameters.values():
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                names.add(parameter.name)
    return names


__all__ = ["PublishedApiMixin"]
