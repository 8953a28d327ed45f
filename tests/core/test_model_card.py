"""Model cards beside the weights, the folder push_to_hub would upload (offline), rewritten-model cards."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from gradiend_toy import ToyTrainer

from gradiend.model.card import MODEL_CARD_FILE
from gradiend.model.hub import OfflineError, prepare_upload, push_to_hub


def front_matter(path: Path) -> dict:
    """The YAML front matter of a card."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_save_pretrained_writes_a_card_with_the_run_figures(trained_toy: ToyTrainer) -> None:
    card = Path(trained_toy.model_path) / MODEL_CARD_FILE
    meta = front_matter(card)
    stats = trained_toy.get_training_stats()
    assert stats is not None
    rows = trained_toy.create_training_data("train")
    assert meta["library_name"] == "gradiend"
    assert meta["base_model"] == trained_toy.base_model_path
    figures = meta["gradiend"]
    assert figures["feature_pair"] == ["a", "b"]
    assert figures["training_rows"] == len(rows)
    assert figures["training_rows_per_class"] == rows["feature_class"].value_counts().sort_index().to_dict()
    assert figures["best_correlation"] == stats["best_correlation"]
    assert figures["input_dim"] == trained_toy.get_model().param_map.size
    text = card.read_text(encoding="utf-8")
    assert f"| `learning_rate` | `{trained_toy.args.learning_rate}` |" in text
    assert f"| `max_steps` | `{trained_toy.args.max_steps}` |" in text


def test_card_gains_the_held_out_correlation_and_the_selected_rewrite(trained_toy: ToyTrainer) -> None:
    card = Path(trained_toy.model_path) / MODEL_CARD_FILE
    metrics = trained_toy.evaluate_encoder(split="test")
    entry = trained_toy.evaluate_decoder(target_class="b")["b"]
    figures = front_matter(card)["gradiend"]
    assert figures["held_out_correlation"] == metrics["correlation"]
    rewrite = figures["selected_rewrites"]["b"]
    assert rewrite["feature_factor"] == entry["feature_factor"]
    assert rewrite["learning_rate"] == entry["learning_rate"]
    assert rewrite["utility_ratio"] == pytest.approx(entry["lms"] / entry["base_lms"])
    text = card.read_text(encoding="utf-8")
    assert f"Held-out correlation (test split): {metrics['correlation']:+.4f}" in text
    assert f"utility {entry['lms'] / entry['base_lms']:.3f} x base" in text


def test_upload_folder_of_a_gradiend(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    staged = prepare_upload(trained_toy.model_path, tmp_path / "upload")
    names = {p.name for p in staged.iterdir()}
    assert {
        "model.safetensors",
        "config.json",
        "training.json",
        "training_args.json",
        MODEL_CARD_FILE,
    } <= names
    assert front_matter(staged / MODEL_CARD_FILE)["base_model"] == trained_toy.base_model_path
    with pytest.raises(FileExistsError, match="not empty"):
        prepare_upload(trained_toy.model_path, staged)


def test_rewritten_model_is_saved_with_its_card(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    output = trained_toy.rewrite_base_model(target_class="b", output_dir=str(tmp_path / "rewritten"))
    entry = trained_toy.evaluator.last_decoder_results["b"]
    meta = front_matter(Path(output) / MODEL_CARD_FILE)
    assert meta["base_model"] == trained_toy.base_model_path
    assert meta["gradiend_rewrite"] == {
        "target_class": "b",
        "feature_factor": entry["feature_factor"],
        "learning_rate": entry["learning_rate"],
        "gradiend": trained_toy.model_path,
    }
    staged = prepare_upload(output, tmp_path / "upload")
    assert (staged / MODEL_CARD_FILE).read_text(encoding="utf-8") == (
        Path(output) / MODEL_CARD_FILE
    ).read_text(encoding="utf-8")


def test_a_folder_without_card_or_checkpoint_is_refused(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "weights.bin").write_bytes(b"0")
    with pytest.raises(
        FileNotFoundError, match="neither a GRADIEND checkpoint nor a folder with a model card"
    ):
        prepare_upload(tmp_path / "plain", tmp_path / "upload")


def test_push_to_hub_uploads_nothing_offline(
    trained_toy: ToyTrainer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(OfflineError, match="HF_HUB_OFFLINE"):
        trained_toy.push_to_hub("someone/toy-gradiend")
    with pytest.raises(OfflineError):
        trained_toy.get_model().push_to_hub("someone/toy-gradiend")
    with pytest.raises(ValueError, match="repo_id"):
        push_to_hub(trained_toy.model_path, "a/b/c")
