"""A symmetric suite over three digit classes on the digits CNN (the suite is modality-generic)."""

from __future__ import annotations

import pytest

from gradiend import SymmetricTrainerSuite
from gradiend.testing import quick_arguments
from gradiend_vision.trainer import ImageClassificationTrainer


def test_three_digit_classes_train_three_gradiends(digits, tmp_path) -> None:  # type: ignore[no-untyped-def]
    suite = SymmetricTrainerSuite(
        ImageClassificationTrainer,
        model=digits.model,
        data=digits.data,
        target_classes=["3", "5", "8"],
        args=quick_arguments(tmp_path, max_steps=200),
    )
    suite.train()
    assert list(suite.keys()) == ["3__5", "3__8", "5__8"]
    encoder = suite.evaluate_encoder(max_size=40)
    for child_id, result in encoder.items():
        assert abs(result["correlation"]) >= 0.9, (child_id, result["correlation"])
    cross = suite.compute_cross_encoding_matrix(metric="correlation", max_size=40)
    for i in range(3):
        assert abs(cross["matrix"][i][i]) >= 0.9
    similarity = suite.compute_similarity_matrix(part="decoder-weight")
    assert similarity["matrix"][0][0] == pytest.approx(1.0)
