"""Decoder-evaluation scores on the real digits CNN."""

from __future__ import annotations

import copy

import pytest
import torch

from gradiend.definition import BaseModelScores, DecoderEvalData
from gradiend_vision.losses import class_probabilities
from gradiend_vision.rows import decoder_eval_data, training_rows
from gradiend_vision.scoring import decoder_eval_targets, score_base_model


def test_scores_of_the_digits_model(digits) -> None:
    data = digits.data
    eval_data = decoder_eval_data(data, ["3", "8"])
    scores = score_base_model(digits.model, data, ["3", "8"], eval_data, batch_size=16)
    assert isinstance(scores, BaseModelScores)
    assert set(scores.probabilities) == {"3", "8"}
    assert scores.probability("3", on_class="3") > 0.8 and scores.probability("8", on_class="8") > 0.8
    assert scores.probability("3", on_class="8") < 0.2
    assert scores.lms >= 0.9
    assert scores.extras["n_neutral"] == len(eval_data.neutral)


def test_scores_equal_a_direct_computation(digits) -> None:
    data = digits.data
    eval_data = decoder_eval_data(data, ["3", "8"], max_size_training_like=10, max_size_neutral=40)
    scores = score_base_model(digits.model, data, ["3", "8"], eval_data)
    like = eval_data.training_like
    eights = torch.tensor(like[like.feature_class == "8"].image_index.to_numpy())
    expected = float(class_probabilities(digits.model, data.images[eights])[:, 3].mean())
    assert scores.probability("3", on_class="8") == pytest.approx(expected, abs=1e-6)
    neutral_index = torch.tensor(eval_data.neutral.image_index.to_numpy())
    predictions = class_probabilities(digits.model, data.images[neutral_index]).argmax(dim=1)
    assert scores.lms == pytest.approx(float((predictions == data.labels[neutral_index]).float().mean()))


def test_a_rewritten_head_moves_the_target_probability(digits) -> None:
    data = digits.data
    eval_data = decoder_eval_data(data, ["3", "8"])
    base = score_base_model(digits.model, data, ["3", "8"], eval_data)
    rewritten = copy.deepcopy(digits.model)
    with torch.no_grad():
        rewritten.classifier.bias[3] += 6.0
    scores = score_base_model(rewritten, data, ["3", "8"], eval_data)
    assert scores.probability("3", on_class="8") > 2 * base.probability("3", on_class="8")
    assert scores.lms <= base.lms


def test_decoder_eval_targets_are_the_class_labels(digits) -> None:
    assert decoder_eval_targets(digits.data, [3, "8"]) == {"3": ["3"], "8": ["8"]}


def test_scoring_rejects_missing_or_foreign_rows(digits) -> None:
    data = digits.data
    like = training_rows(data, ["3", "8"], "test")
    with pytest.raises(ValueError, match="training-like and neutral rows"):
        score_base_model(digits.model, data, ["3", "8"], DecoderEvalData(like, like.iloc[:0]))
    other = training_rows(data, ["1", "2"], "test")
    with pytest.raises(ValueError, match=r"must be of the pair \['3', '8'\], got classes \['1', '2'\]"):
        score_base_model(digits.model, data, ["3", "8"], DecoderEvalData(other, like))
