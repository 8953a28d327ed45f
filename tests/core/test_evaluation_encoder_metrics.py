"""Encoder metrics and the convergence rule on hand-made encoder DataFrames."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from gradiend.evaluation.encoder_metrics import compute_encoder_metrics, is_convergent, pearson

PAIR = ("he", "she")


def _frame(
    encoded: Sequence[object], labels: Sequence[float], classes: Sequence[str], types: Sequence[str]
) -> pd.DataFrame:
    return pd.DataFrame({"encoded": encoded, "label": labels, "feature_class": classes, "type": types})


@pytest.fixture
def encoder_df() -> pd.DataFrame:
    encoded = [0.9, 0.7, 0.2, -0.8, -0.6, -0.1, 0.05, -0.3, 0.6]
    labels = [1, 1, 1, -1, -1, -1, 0, 0, 0]
    classes = ["he", "he", "he", "she", "she", "she", "neutral", "neutral", "it"]
    types = ["training"] * 6 + ["neutral", "neutral_dataset", "training"]
    return _frame(encoded, labels, classes, types)


def test_pearson_matches_numpy() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=50), rng.normal(size=50)
    assert pearson(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)
    assert pearson(x, 2 * x + 1) == pytest.approx(1.0)


def test_pearson_of_constant_input_is_zero_with_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gradiend.evaluation.encoder_metrics"):
        assert pearson([0.3, 0.3, 0.3], [1, -1, 1]) == 0.0
    assert "constant" in caplog.text


def test_pearson_rejects_non_finite_and_mismatched_input() -> None:
    with pytest.raises(ValueError, match="finite"):
        pearson([0.1, float("nan")], [1, -1])
    with pytest.raises(ValueError, match="equal length"):
        pearson([0.1, 0.2, 0.3], [1, -1])


def test_metrics_match_numpy(encoder_df: pd.DataFrame) -> None:
    m = compute_encoder_metrics(encoder_df, PAIR)
    h, y = encoder_df["encoded"].to_numpy(float), encoder_df["label"].to_numpy(float)
    training = ~encoder_df["type"].str.startswith("neutral").to_numpy()
    in_pair = encoder_df["feature_class"].isin(PAIR).to_numpy()
    assert m["n_samples"] == 9
    assert m["correlation"] == pytest.approx(np.corrcoef(h[training], y[training])[0, 1])
    assert m["training_only"] == m["correlation"]
    assert m["all_data"] == pytest.approx(np.corrcoef(h, y)[0, 1])
    assert m["target_classes_only"] == pytest.approx(np.corrcoef(h[in_pair], y[in_pair])[0, 1])
    assert m["mean_by_class"] == pytest.approx({"he": 0.6, "she": -0.5, "it": 0.6})
    assert m["std_by_class"]["he"] == pytest.approx(np.std([0.9, 0.7, 0.2], ddof=1))
    assert m["std_by_class"]["it"] == 0.0
    assert m["mean_by_type"] == pytest.approx({"training": 0.9 / 7, "neutral": 0.05, "neutral_dataset": -0.3})
    assert m["neutral_mean_by_type"] == pytest.approx({"neutral": 0.05, "neutral_dataset": -0.3})
    assert m["boundaries"] == {"positive": 0.5, "negative": -0.5}
    assert m["accuracy"] == pytest.approx(4 / 6)  # 0.2 and -0.1 miss their boundary
    assert m["neutral_accuracy"] == pytest.approx(1.0)
    assert m["label_value_to_class_name"] == {1.0: "he", -1.0: "she", 0.0: "neutral"}
    assert m["correlation_by_feature"] == [m["correlation"]]


def test_multi_feature_encodings_use_feature_zero_and_report_each_feature() -> None:
    first = [0.9, 0.8, -0.7, -0.9]
    second = [0.1, -0.2, 0.3, 0.0]
    labels = [1, 1, -1, -1]
    df = _frame(
        [[a, b] for a, b in zip(first, second, strict=True)],
        labels,
        ["he", "he", "she", "she"],
        ["training"] * 4,
    )
    m = compute_encoder_metrics(df, PAIR)
    assert m["correlation"] == pytest.approx(np.corrcoef(first, labels)[0, 1])
    assert m["correlation_by_feature"][1] == pytest.approx(np.corrcoef(second, labels)[0, 1])
    assert m["mean_by_class"]["she"] == pytest.approx(-0.8)
    assert m["neutral_accuracy"] is None


def test_constant_encodings_give_zero_correlation() -> None:
    df = _frame([0.0] * 4, [1, 1, -1, -1], ["he", "he", "she", "she"], ["training"] * 4)
    m = compute_encoder_metrics(df, PAIR)
    assert m["correlation"] == 0.0 and m["all_data"] == 0.0
    assert not np.isnan(m["target_classes_only"])


def test_bad_input_raises_clear_errors(encoder_df: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="empty"):
        compute_encoder_metrics(encoder_df.iloc[:0], PAIR)
    with pytest.raises(ValueError, match="lacks the column"):
        compute_encoder_metrics(encoder_df.drop(columns="type"), PAIR)
    with pytest.raises(ValueError, match="pair"):
        compute_encoder_metrics(encoder_df, ("he", "he"))


def _metrics(correlation: float, mean_he: float, mean_she: float) -> dict[str, object]:
    return {"correlation": correlation, "mean_by_class": {"he": mean_he, "she": mean_she}}


def test_convergence_needs_correlation_opposite_signs_and_mean_size() -> None:
    assert is_convergent(_metrics(0.9, 0.8, -0.7), pair=PAIR)
    assert is_convergent(_metrics(-0.9, -0.8, 0.7), pair=PAIR)  # |correlation| counts
    assert not is_convergent(_metrics(0.4, 0.8, -0.7), pair=PAIR)
    assert not is_convergent(_metrics(0.9, 0.8, 0.7), pair=PAIR)  # same sign
    assert not is_convergent(_metrics(0.9, 0.8, -0.3), pair=PAIR)  # |mean| below 0.5
    assert is_convergent(_metrics(0.9, 0.8, -0.3), pair=PAIR, mean_by_class_threshold=None)
    assert not is_convergent(_metrics(0.9, 0.8, 0.3), pair=PAIR, mean_by_class_threshold=None)
    assert is_convergent(_metrics(0.6, 0.8, -0.7), pair=PAIR, threshold=0.6)


def test_convergence_on_real_metrics(encoder_df: pd.DataFrame) -> None:
    m = compute_encoder_metrics(encoder_df, PAIR)
    assert m["correlation"] > 0.5
    assert is_convergent(m, pair=PAIR, mean_by_class_threshold=0.5)
    assert not is_convergent(m, pair=PAIR, mean_by_class_threshold=0.55)  # she mean is -0.5


def test_convergence_by_loss() -> None:
    assert is_convergent({}, pair=PAIR, metric="loss", threshold=0.1, loss=0.05)
    assert not is_convergent({"loss": 0.2}, pair=PAIR, metric="loss", threshold=0.1)
    with pytest.raises(ValueError, match="loss"):
        is_convergent({}, pair=PAIR, metric="loss")
    with pytest.raises(ValueError, match="metric must be one of"):
        is_convergent({}, pair=PAIR, metric="accuracy")
