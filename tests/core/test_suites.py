"""Suites on the toy modality: members, shared base model, per-member cache, retries, cross-encoding."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from gradiend_toy import ToyTrainer, make_toy_data

from gradiend import PositiveTrainerSuite, SymmetricTrainerSuite, TrainerCollection
from gradiend.comparison import (
    compute_gradiend_feature_cross_encoding_matrix,
    compute_gradiend_transition_cross_encoding_matrix,
)
from gradiend.suites import SuitePairDefinition, SuiteTrainingError
from gradiend.testing import quick_arguments


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> SymmetricTrainerSuite:
    """A symmetric suite over the toy classes a, b, c, trained once for the module."""
    directory = tmp_path_factory.mktemp("suite")
    built = SymmetricTrainerSuite(
        ToyTrainer,
        data=make_toy_data(),
        target_classes=["a", "b", "c"],
        args=quick_arguments(directory, max_steps=300),
        run_id="abc",
    )
    built.train(use_cache=True)
    return built


def test_one_member_per_unordered_pair(suite: SymmetricTrainerSuite) -> None:
    assert list(suite.keys()) == ["a__b", "a__c", "b__c"]
    assert suite.pairs == [("a", "b"), ("a", "c"), ("b", "c")]
    assert suite.label_mapping["a__c"] == "a <-> c"
    for child_id, trainer in suite.items():
        assert Path(trainer.model_path).parent == Path(trainer.args.experiment_dir) / "abc" / child_id
    # the base model is loaded once and shared by every member
    bases = {id(t.base_model) for t in suite.values()}
    assert len(bases) == 1


def test_members_learn_and_cross_encode(suite: SymmetricTrainerSuite) -> None:
    encoder = suite.evaluate_encoder()
    for child_id, result in encoder.items():
        assert abs(result["correlation"]) >= 0.9, child_id
    table = suite.member_table(encoder_results=encoder)
    assert list(table["member"]) == ["a__b", "a__c", "b__c"]
    assert (table["correlation"].abs() >= 0.9).all()
    cross = suite.compute_cross_encoding_matrix(metric="correlation")
    matrix = pd.DataFrame(cross["matrix"], index=cross["model_ids"], columns=cross["model_ids"])
    for child_id in suite.trainers:
        assert abs(matrix.loc[child_id, child_id]) >= 0.9
        assert cross["n_matrix"][0][0] > 0
    # the diagonal of the correlation matrix is each member's own held-out correlation
    assert matrix.loc["a__b", "a__b"] == pytest.approx(encoder["a__b"]["correlation"], abs=1e-4)
    positive = suite.compute_cross_encoding_matrix(metric="positive_mean")
    assert positive["positive_class_by_column"] == {"a__b": "a", "a__c": "a", "b__c": "b"}


def test_feature_transition_and_anchor_matrices(suite: SymmetricTrainerSuite) -> None:
    from gradiend.comparison import build_cross_task_encoder_summary

    summary = build_cross_task_encoder_summary(suite.trainers, models=suite.get_models())
    feature = compute_gradiend_feature_cross_encoding_matrix(
        suite.trainers, ["a", "b", "c"], encoder_summary=summary
    )
    frame = pd.DataFrame(feature["matrix"], index=feature["model_ids"], columns=feature["column_ids"])
    # a member's classes encode with opposite signs (class b's rows include b->c transitions too)
    assert frame.loc["a__b", "a"] > 0 > frame.loc["a__b", "b"]
    assert (
        feature["n_matrix"][0][1]
        == sum(feature["n_matrix"][0]) - feature["n_matrix"][0][0] - feature["n_matrix"][0][2]
    )
    transition = compute_gradiend_transition_cross_encoding_matrix(suite.trainers, encoder_summary=summary)
    assert set(transition["column_ids"]) == {"a->b", "b->a", "a->c", "c->a", "b->c", "c->b"}
    moves = pd.DataFrame(
        transition["matrix"], index=transition["model_ids"], columns=transition["column_ids"]
    )
    assert moves.loc["a__b", "a->b"] > 0.5 and moves.loc["a__b", "b->a"] < -0.5
    anchor = suite.compute_anchor_aligned_encoding_matrix(encoder_summary=summary)
    aligned = pd.DataFrame(anchor["matrix"], index=anchor["rows"], columns=anchor["columns"])
    for cls in ("a", "b", "c"):
        # aligned to itself, a class encodes positive, and more so than any other class does
        assert aligned.loc[cls, cls] > 0 and aligned.loc[cls].idxmax() == cls
    assert anchor["n_matrix"][0][0] == 2  # class a is anchored by two members


def test_comparison_shortcuts(suite: SymmetricTrainerSuite, tmp_path: Path) -> None:
    sim = suite.compute_similarity_matrix(part="decoder-weight")
    assert [sim["matrix"][i][i] for i in range(3)] == pytest.approx([1.0, 1.0, 1.0])
    out = suite.plot_cross_encoding_heatmap(metric="correlation", output_path=tmp_path / "cross.png")
    assert Path(out["output_path"]).exists()
    topk = suite.plot_topk_overlap_heatmap(topk=50, output_path=tmp_path / "topk.html")
    assert topk["matrix"][0][0] == 50


def test_rerun_resumes_every_member(suite: SymmetricTrainerSuite) -> None:
    paths = {k: Path(t.model_path) / "model.safetensors" for k, t in suite.items()}
    stamps = {k: p.stat().st_mtime_ns for k, p in paths.items()}
    again = SymmetricTrainerSuite(
        ToyTrainer,
        data=make_toy_data(),
        target_classes=["a", "b", "c"],
        args=suite.get_trainer("a__b").args,
        run_id="abc",
    )
    again.train(use_cache=True)
    assert {k: p.stat().st_mtime_ns for k, p in paths.items()} == stamps


class _FailOnce(ToyTrainer):
    """A toy trainer whose first training attempt raises (a member that fails transiently)."""

    attempts: ClassVar[dict[str, int]] = {}

    def train(self, *args: Any, **kwargs: Any) -> Any:
        count = _FailOnce.attempts.get(str(self.target_classes), 0)
        _FailOnce.attempts[str(self.target_classes)] = count + 1
        if count == 0 and self.target_classes == ["a", "c"]:
            raise RuntimeError("transient failure")
        return super().train(*args, **kwargs)


def test_failed_member_is_retried_and_others_keep_results(tmp_path: Path) -> None:
    args = quick_arguments(tmp_path, max_steps=20, eval_steps=10)
    failing = SymmetricTrainerSuite(
        _FailOnce, data=make_toy_data(), target_classes=["a", "b", "c"], args=args
    )
    results = failing.train(max_retries=1)
    assert all(r.ok for r in results.values())
    assert _FailOnce.attempts[str(["a", "c"])] == 2 and _FailOnce.attempts[str(["a", "b"])] == 1
    _FailOnce.attempts.clear()
    with pytest.raises(SuiteTrainingError, match="a__c"):
        SymmetricTrainerSuite(
            _FailOnce, data=make_toy_data(), target_classes=["a", "b", "c"], args=args, run_id="x"
        ).train(max_retries=0)


def test_definitions_positive_and_collection(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(tmp_path)
    explicit = SymmetricTrainerSuite(
        ToyTrainer,
        data=make_toy_data(),
        args=args,
        pair_definitions=[SuitePairDefinition(("b", "a"), child_id="ba")],
    )
    assert list(explicit.keys()) == ["ba"] and explicit.get_trainer("ba").target_classes == ["b", "a"]
    with pytest.raises(ValueError, match="target_classes is required"):
        SymmetricTrainerSuite(ToyTrainer, data=make_toy_data(), args=args)
    with pytest.raises(ValueError, match="needs `data` as a DataFrame"):
        PositiveTrainerSuite(ToyTrainer, data=make_toy_data(), args=args, target_classes=["a", "b", "c"])
    one = make_toy_trainer(args=args, data=make_toy_data(), run_id="one")
    two = make_toy_trainer(args=args, target_classes=["c", "d"], data=make_toy_data(), run_id="two")
    collection = TrainerCollection.merge(one, TrainerCollection(two), explicit)
    assert list(collection.keys()) == ["one", "two", "ba"]
    with pytest.raises(ValueError, match="duplicate trainer id"):
        TrainerCollection(one, one)


def test_suite_report_and_cli(suite: SymmetricTrainerSuite) -> None:
    from gradiend.cli import main
    from gradiend.report.offline import find_network_references

    path = Path(suite.report(max_size=20, topk=50, evaluate_decoder=False))
    text = path.read_text()
    assert path.name == "suite_report.html" and path.parent.name == "abc"
    for child_id in suite.trainers:
        assert child_id in text
        link = path.parent / child_id / "report.html"
        assert link.exists() and f'href="{child_id}/report.html"' in text
    assert text.count("<img") == 3  # cross-encoding, similarity and top-k heatmaps
    links = {f"<a href='{child_id}/report.html'>" for child_id in suite.trainers}
    assert set(find_network_references(text)) == links  # nothing outside the page but the member reports
    path.unlink()
    assert main(["report", str(path.parent)]) == 0
    assert path.exists() and "a &lt;-&gt; b" in path.read_text()


def test_decoder_table_and_rewrites_per_member(suite: SymmetricTrainerSuite, tmp_path: Path) -> None:
    decoder = suite.evaluate_decoder(lrs=[1e-2, 1e-1, 1.0])
    table = suite.member_table(decoder_results=decoder)
    assert list(table["rewrite_class"]) == ["a", "a", "b"]
    for row in table.itertuples():
        assert row.learning_rate in (1e-2, 1e-1, 1.0)
        assert row.utility >= 0.99 * row.base_utility  # the selected rewrite keeps the model's utility
    saved = suite.rewrite_base_model(output_dir=str(tmp_path))
    assert set(saved) == {"a__b", "a__c", "b__c"}
    assert (tmp_path / "a__b").is_dir() and (tmp_path / "a__c").is_dir()
    with pytest.raises(ValueError, match="keyed by member ids"):
        suite.rewrite_base_model(decoder_results={"x": {}})


def test_unsupported_definition_field_is_an_error() -> None:
    with pytest.raises(ValueError, match="class_merge_transition_groups"):
        SuitePairDefinition(("a", "b"), class_merge_transition_groups=[["a", "b"]])
    with pytest.raises(ValueError, match="two different classes"):
        SuitePairDefinition(("a", "a"))
