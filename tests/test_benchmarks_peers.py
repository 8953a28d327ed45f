"""Smoke tests of benchmarks/peers on a tiny GPT-2 (gradiend_text.testing) instead of SmolLM2-135M.

The split, the selection rule, the scorer (against the library's own decoder-grid scoring) and the
timing helper run without the peer packages; the steering vector, LEACE and one end-to-end run need
``steering-vectors`` and ``concept-erasure`` (``pip install --no-deps -r benchmarks/peers/requirements.txt``).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.peers.data import PeerData, template_peer_data  # noqa: E402
from benchmarks.peers.measure import Measurement, Scorer, inference_overhead  # noqa: E402
from benchmarks.peers.select import Point, erase_he_gap, select, strengthen_she  # noqa: E402

from gradiend_text.testing import TinyLM, save_tiny_lm  # noqa: E402

PEERS_MISSING = [
    m for m in ("steering_vectors", "concept_erasure", "sklearn") if importlib.util.find_spec(m) is None
]
needs_peers = pytest.mark.skipif(
    bool(PEERS_MISSING),
    reason=f"peer packages {PEERS_MISSING} not installed: pip install --no-deps -r "
    "benchmarks/peers/requirements.txt && pip install -r benchmarks/peers/requirements-deps.txt",
)
PROMPTS = (("mary said that [MASK]", "she"), ("john said that [MASK]", "he"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyLM:
    """A tiny GPT-2 that predicts he/she on held-out templates (saved and reloaded)."""
    return save_tiny_lm("clm", tmp_path_factory.mktemp("peers_tiny"))


@pytest.fixture(scope="module")
def data() -> PeerData:
    return template_peer_data(seed=0)


def _measurement(p_she_on_he: float, gap_he: float, lms: float) -> Measurement:
    probs = {"he": {"he": p_she_on_he + gap_he, "she": p_she_on_he}, "she": {"he": 0.1, "she": 0.8}}
    return Measurement(probs, probs, lms, lms)


def test_split_is_disjoint_and_trainer_never_sees_held_out_rows(data: PeerData) -> None:
    counts = data.summary()
    assert counts == {
        "train_he": 12,
        "train_she": 12,
        "validation_he": 6,
        "validation_she": 6,
        "test_he": 6,
        "test_she": 6,
        "neutral_selection": 8,
        "neutral_held_out": 8,
    }
    assert data.rows["masked"].is_unique
    trainer_rows = data.trainer_frame()
    assert set(trainer_rows["split"]) == {"train", "validation"}
    assert not set(trainer_rows["masked"]) & set(data.split("test")["masked"])
    assert not set(data.neutral_selection) & set(data.neutral_held_out)
    with pytest.raises(ValueError, match="split must be one of"):
        data.split("dev")


def test_select_keeps_the_utility_floor_and_reports_no_effect() -> None:
    base = _measurement(0.1, 0.5, 1.0)
    points = [
        Point("m", {"scale": 1.0}, 1.0, _measurement(0.2, 0.4, 0.995)),
        Point("m", {"scale": 2.0}, 2.0, _measurement(0.3, 0.3, 0.99)),
        Point("m", {"scale": 4.0}, 4.0, _measurement(0.9, 0.0, 0.5)),  # large effect, utility lost
    ]
    chosen = select(points, base, strengthen_she)
    assert chosen is not None and chosen.setting == {"scale": 2.0}
    assert select(points, base, erase_he_gap).setting == {"scale": 2.0}  # type: ignore[union-attr]
    assert select(points[2:], base, strengthen_she) is None  # nothing keeps the utility
    weaker = [Point("m", {"scale": 1.0}, 1.0, _measurement(0.05, 0.6, 1.0))]
    assert select(weaker, base, strengthen_she) is None  # kept, but no effect over the base
    with pytest.raises(ValueError, match="utility_ratio"):
        select(points, base, strengthen_she, utility_ratio=1.5)


def test_inference_overhead_measures_a_slow_hook(tiny: TinyLM, data: PeerData) -> None:
    from contextlib import contextmanager

    from benchmarks.peers.measure import forward_batch

    batch = forward_batch(tiny.tokenizer, data.neutral_held_out)

    @contextmanager
    def slow() -> Any:
        handle = tiny.model.get_submodule("transformer.h.0").register_forward_hook(
            lambda *_: time.sleep(0.02)
        )
        try:
            yield
        finally:
            handle.remove()

    cost = inference_overhead(tiny.model, tiny.model, batch, slow, repeats=3)
    assert 0.015 < cost["extra_s"] < 0.2
    same = inference_overhead(tiny.model, tiny.model, batch, repeats=3)
    assert abs(same["extra_s"]) < cost["extra_s"] / 2


def test_scorer_selection_scores_equal_the_library_decoder_scoring(
    tiny: TinyLM, data: PeerData, tmp_path: Path
) -> None:
    from gradiend.definition import DecoderEvalData
    from gradiend_text.trainer import TextPredictionTrainer

    trainer = TextPredictionTrainer(
        model=tiny.path,
        data=data.trainer_frame(),
        target_classes=["he", "she"],
        args=_tiny_arguments(tmp_path),
        eval_neutral_data=data.neutral_selection,
    )
    model = trainer.base_model
    scorer = Scorer(trainer.tokenizer, "clm", data, PROMPTS, batch_size=4)
    mine = scorer(model)
    validation = trainer.create_training_data(split="validation")
    library = trainer.evaluate_base_model(
        model, DecoderEvalData(validation, pd_frame(data.neutral_selection)), batch_size=4
    )
    assert mine.lms_selection == pytest.approx(library.lms)
    for on_class in ("he", "she"):
        for target in ("he", "she"):
            assert mine.selection[on_class][target] == pytest.approx(library.probability(target, on_class))
    # the tiny model knows its pronouns: on held-out rows each class's own word wins
    assert mine.held_out["he"]["he"] > mine.held_out["he"]["she"]
    assert mine.held_out["she"]["she"] > mine.held_out["she"]["he"]
    assert set(mine.prompts) == {"mary said that", "john said that"}


def pd_frame(texts: list[str]) -> Any:
    import pandas as pd

    return pd.DataFrame({"text": texts})


def _tiny_arguments(output: Path) -> Any:
    from benchmarks.peers.gradiend_method import GradiendBudget, training_arguments

    return training_arguments(output, GradiendBudget(max_steps=30, eval_steps=10, pre_prune_topk=0.5))


@needs_peers
def test_steering_raises_she_and_leace_equalises_class_means(tiny: TinyLM, data: PeerData) -> None:
    from benchmarks.peers import activation_methods as act

    model, tokenizer = tiny.model, tiny.tokenizer
    activations = act.extract(model, tokenizer, data, [0, 1])
    assert activations.pairs == 12 and activations.she[1].shape == (12, model.config.n_embd)
    vector, _ = act.fit_steering(activations)
    expected = activations.she[1].mean(0) - activations.he[1].mean(0)
    torch.testing.assert_close(vector.layer_activations[1], expected)
    scorer = Scorer(tokenizer, "clm", data, PROMPTS, batch_size=4)
    base = scorer(model)
    with act.steering_applied(model, vector, 1, 4.0):
        steered = scorer(model)
    assert steered.held_out["he"]["she"] > base.held_out["he"]["she"] + 0.05

    erasers, _ = act.fit_leace(activations)
    with act.leace_applied(model, 1, erasers[1], alpha=1.0):
        erased = act.extract(model, tokenizer, data, [1])
    gap_before = (activations.she[1].mean(0) - activations.he[1].mean(0)).norm()
    gap_after = (erased.she[1].mean(0) - erased.he[1].mean(0)).norm()
    assert gap_after < 1e-3 * gap_before  # LEACE: no linear trace of the class on its training rows
    with pytest.raises(ValueError, match="layers must lie in"):
        act.check_layers(model, [5])


@needs_peers
def test_run_peers_end_to_end_renders_tables_and_figure(tiny: TinyLM, data: PeerData, tmp_path: Path) -> None:
    from benchmarks.peers.gradiend_method import GradiendBudget
    from benchmarks.peers.harness import PeersConfig, run_peers
    from benchmarks.peers.report import plot, render

    config = PeersConfig(
        model=tiny.path,
        output=tmp_path,
        budget=GradiendBudget(
            max_steps=30, eval_steps=10, pre_prune_topk=0.5, learning_rates=(1.0, 0.1, 0.01)
        ),
        layers=(0, 1),
        scales=(1.0, 4.0),
        alphas=(0.5, 1.0),
        timing_repeats=2,
        timing_texts=4,
        batch_size=8,
        prompts=PROMPTS,
    )
    result = json.loads(json.dumps(run_peers(config, data)))
    assert len(result["methods"]["gradiend"]["points"]) == 3
    assert len(result["methods"]["leace"]["points"]) == 4
    assert 2 <= len(result["methods"]["steering"]["points"]) <= 4
    assert set(result["inference"]) == {"gradiend_she", "gradiend_he_weaken", "steering_she", "leace_gap"}
    assert abs(result["methods"]["gradiend"]["correlation"]) > 0.5  # the GRADIEND learned he vs she
    result["meta"] = {"date": "test", "command": "pytest"}
    markdown = render(result, "figure.png")
    assert "| base model |" in markdown and "LEACE, erase he/she" in markdown
    assert "![effect vs utility](figure.png)" in markdown
    figure = plot(result, tmp_path / "figure.png")
    assert figure.stat().st_size > 10_000
