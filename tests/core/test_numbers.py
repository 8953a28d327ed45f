"""Numbers that cannot be right are flagged: a diverging loss stops training; labels are literal text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from gradiend_toy import ToyTrainer

from gradiend.plotting.style import style_context
from gradiend.testing import quick_arguments
from gradiend.training.loop import NonFiniteLossError


def test_a_diverging_run_stops_with_the_step_and_the_cause(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(tmp_path, learning_rate=1e30, max_steps=40, eval_steps=20)
    trainer = make_toy_trainer(args=args)
    with pytest.raises(NonFiniteLossError, match=r"at step \d+ of 40: .*learning_rate=1e\+30"):
        trainer.train()
    assert not (tmp_path / "model").exists(), "no model is saved from a diverged run"


def test_plot_labels_with_dollar_signs_are_literal(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    title = r"cost $\frac$ of he_she and $5"
    path = trained_toy.plot_training_convergence(output=str(tmp_path / "c.png"), title=title)
    assert Path(path).stat().st_size > 0
    with style_context():
        figure, ax = plt.subplots()
        label = ax.set_title(r"$x^2$")
        figure.canvas.draw()
        assert not label.get_parse_math() and label.get_text() == r"$x^2$"
        plt.close(figure)


def test_an_evaluation_without_both_classes_gives_the_counts() -> None:
    import pandas as pd

    from gradiend.evaluation.encoder_metrics import compute_encoder_metrics

    frame = pd.DataFrame(
        {
            "encoded": [0.9, 0.8, 0.7],
            "label": [1.0, 1.0, 1.0],
            "feature_class": ["a"] * 3,
            "type": ["training"] * 3,
        }
    )
    with pytest.raises(ValueError, match=r"\{'a': 3, 'b': 0\}.*at least 1 row of each"):
        compute_encoder_metrics(frame, ("a", "b"))
