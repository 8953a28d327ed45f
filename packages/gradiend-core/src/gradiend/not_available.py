"""Published gradiend names whose feature this implementation does not have (yet).

``gradiend.<name>`` and ``from gradiend import <name>`` raise :class:`NotAvailableYetError` with the
reason and what to use instead, rather than an ``AttributeError``.
"""

from __future__ import annotations

NOT_AVAILABLE: dict[str, str] = {
    "LRSearchConfig": "learning-rate search is not implemented; set TrainingArguments.learning_rate "
    "(pre-pruned inputs usually train well around 1e-3)",
    "configure_plot_style": "figures use one built-in style applied per figure; there is no global "
    "style configuration (see gradiend.plotting.style)",
    "PlotStyleConfig": "figures use one built-in style applied per figure (no LaTeX/font configuration)",
    "PlotStyleStatus": "figures use one built-in style applied per figure (no style status object)",
    "PairedTextFilterConfig": "paired (two-slot) text filters are not implemented; use one "
    "TextFilterConfig per class with TextPredictionDataCreator",
    "create_model_with_gradiend": "a new ModelWithGradiend comes from its trainer, which knows the "
    "modality: trainer.create_model_with_gradiend(args)",
    "plot_gradiend_feature_cross_encoding_heatmap": "compute the matrix with "
    "compute_gradiend_feature_cross_encoding_matrix and draw it with plot_cross_encoding_heatmap",
    "plot_gradiend_transition_cross_encoding_heatmap": "compute the matrix with "
    "compute_gradiend_transition_cross_encoding_matrix and draw it with plot_cross_encoding_heatmap",
    "format_transition_label": "a label helper of the published plot style, which is not built; "
    "heatmaps here label transitions themselves",
    "transition_bidi_arrow": "a label helper of the published plot style, which is not built",
    "transition_directed_arrow": "a label helper of the published plot style, which is not built",
}
"""Published public name -> why it is not available here and what to use instead."""


class NotAvailableYetError(ImportError, NotImplementedError):
    """A published gradiend name whose feature this implementation does not provide yet."""


def not_available_error(name: str) -> NotAvailableYetError:
    """The error for the published name ``name`` (which must be in :data:`NOT_AVAILABLE`)."""
    return NotAvailableYetError(
        f"gradiend.{name} is not available yet in this implementation: {NOT_AVAILABLE[name]}"
    )


__all__ = ["NOT_AVAILABLE", "NotAvailableYetError", "not_available_error"]
