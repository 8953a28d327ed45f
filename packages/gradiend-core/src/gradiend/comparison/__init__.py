"""Compare trained GRADIENDs: weight similarity, top-k overlap, cross-encoding, seed stability.

Every ``compute_*`` function returns a comparison payload (a dict with ``matrix``, ``model_ids`` and,
for rectangular matrices, ``column_ids``); :func:`comparison_to_frame` turns one into a DataFrame and
:mod:`gradiend.plotting.heatmap` draws it.
"""

from gradiend.comparison.anchor_aligned import (
    aggregate_anchor_aligned_encoding_rows,
    build_anchor_aligned_encoding_rows,
    compute_anchor_aligned_encoding_matrix,
    pair_by_id_from_trainers,
)
from gradiend.comparison.common import (
    as_named_models,
    comparison_matrix_from_cell_stat,
    comparison_to_frame,
    topk_weights,
)
from gradiend.comparison.cross_encoding import (
    build_cross_task_encoder_summary,
    compute_cross_encoding_matrix,
    compute_gradiend_feature_cross_encoding_matrix,
    compute_gradiend_transition_cross_encoding_matrix,
    compute_trainer_pair_encoding_matrix,
)
from gradiend.comparison.seeds import aggregate_encoder_dataframes
from gradiend.comparison.similarity import compute_grouped_similarity_matrices, compute_similarity_matrix
from gradiend.comparison.topk import compute_seed_topk_stability, compute_topk_sets, venn_regions

__all__ = [
    "aggregate_anchor_aligned_encoding_rows",
    "aggregate_encoder_dataframes",
    "as_named_models",
    "build_anchor_aligned_encoding_rows",
    "build_cross_task_encoder_summary",
    "comparison_matrix_from_cell_stat",
    "comparison_to_frame",
    "compute_anchor_aligned_encoding_matrix",
    "compute_cross_encoding_matrix",
    "compute_gradiend_feature_cross_encoding_matrix",
    "compute_gradiend_transition_cross_encoding_matrix",
    "compute_grouped_similarity_matrices",
    "compute_seed_topk_stability",
    "compute_similarity_matrix",
    "compute_topk_sets",
    "compute_trainer_pair_encoding_matrix",
    "pair_by_id_from_trainers",
    "topk_weights",
    "venn_regions",
]
