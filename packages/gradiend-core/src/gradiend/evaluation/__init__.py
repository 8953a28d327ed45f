"""Evaluation of a trained GRADIEND: encoder metrics, the decoder grid and the selection of rewrites."""

from __future__ import annotations

from gradiend.evaluation.decoder_grid import (
    DecoderGrid,
    GridPoint,
    evaluate_decoder_grid,
    evaluate_grid_points,
)
from gradiend.evaluation.encoder_metrics import compute_encoder_metrics, is_convergent, pearson
from gradiend.evaluation.paper_metrics import bpi_fpi_mpi, paper_summary_extractor
from gradiend.evaluation.selection import default_feature_factor, summarize_decoder_grid

__all__ = [
    "DecoderGrid",
    "GridPoint",
    "bpi_fpi_mpi",
    "compute_encoder_metrics",
    "default_feature_factor",
    "evaluate_decoder_grid",
    "evaluate_grid_points",
    "is_convergent",
    "paper_summary_extractor",
    "pearson",
    "summarize_decoder_grid",
]
