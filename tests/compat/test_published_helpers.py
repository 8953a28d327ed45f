"""The published helper names added for migration behave as documented (no training needed)."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
import torch

import gradiend


def test_setup_logging_and_get_logger(caplog: pytest.LogCaptureFixture) -> None:
    root = logging.getLogger()
    before = root.level
    try:
        gradiend.setup_logging(logging.WARNING)
        assert root.level == logging.WARNING
        assert logging.getLogger("httpx").level >= logging.WARNING
    finally:
        root.setLevel(before)
    assert gradiend.get_logger("gradiend.x") is logging.getLogger("gradiend.x")
    with pytest.raises(TypeError, match="level must be an int"):
        gradiend.setup_logging("INFO")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name must be a str"):
        gradiend.get_logger(3)  # type: ignore[arg-type]


def test_check_plot_environment_reports_the_plotting_stack(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="gradiend.plotting.environment"):
        status = gradiend.check_plot_environment()
    assert status["matplotlib"]["available"] and status["matplotlib"]["version"]
    assert status["style"] == {"applied_globally": False, "requested": True, "scope": "per figure"}
    assert "plot environment: matplotlib" in caplog.text


def test_trainer_config_and_img_dpi(tmp_path: Path) -> None:
    from gradiend_toy import ToyTrainer
    from PIL import Image

    with pytest.raises(ValueError, match="img_format='svg' is not supported"):
        gradiend.TrainerConfig(img_format="svg")
    with pytest.raises(ValueError, match="dpi"):
        ToyTrainer(target_classes=["a", "b"], img_dpi=1)
    trainer = ToyTrainer(
        target_classes=["a", "b"], img_dpi=200, args=gradiend.TrainingArguments(max_steps=20, eval_steps=10)
    )
    trainer.train()
    path = trainer.plot_training_convergence(output=str(tmp_path / "c.png"), figsize=(5.0, 4.0))
    assert Image.open(path).size == (1000, 800), "img_dpi is the default dpi of the plots"


def test_param_mapped_gradiend_model_takes_the_published_spec() -> None:
    spec = {
        "w": {"shape": [2, 3], "repr": "indices", "indices": torch.tensor([0, 4])},
        "b": {"shape": [3], "repr": "mask", "mask": torch.tensor([True, False, True])},
    }
    model = gradiend.ParamMappedGradiendModel(4, 1, spec, activation_decoder="id")
    grads = {"w": torch.arange(6.0).reshape(2, 3), "b": torch.tensor([7.0, 8.0, 9.0])}
    assert model.flatten_gradient_dict(grads).tolist() == [0.0, 4.0, 7.0, 9.0]
    assert model.unpruned_length == 9 and model.encode(torch.ones(4)).shape[-1] == 1
    with pytest.raises(ValueError, match="input_dim=5 but the param_map selects 4"):
        gradiend.ParamMappedGradiendModel(5, 1, spec)
    with pytest.raises(KeyError, match="lacks the mapped parameter"):
        model.flatten_gradient_dict({"w": grads["w"]})


def test_resolve_base_data_and_the_data_creator_protocol(tmp_path: Path) -> None:
    texts = [f"sentence number {i}." for i in range(10)]
    pd.DataFrame({"text": texts}).to_csv(tmp_path / "base.csv", index=False)
    sample = gradiend.resolve_base_data(str(tmp_path / "base.csv"), max_size=4, seed=1)
    assert len(sample) == 4 and set(sample) <= set(texts)
    assert sample == [t for t in texts if t in sample], "a sample in the original order"
    assert gradiend.resolve_base_data(texts) == texts
    with pytest.raises(ValueError, match="trust_remote_code"):
        gradiend.resolve_base_data(texts, trust_remote_code=True)
    creator = gradiend.TextPredictionDataCreator(base_data=texts)
    assert isinstance(creator, gradiend.DataCreator)


def test_text_prediction_config_passes_its_fields_and_rejects_unbuilt_ones(tiny_mlm_path: str) -> None:
    from gradiend_text.testing import gender_template_frame

    data = gender_template_frame(12, seed=2, classes=("he", "she"))
    config = gradiend.TextPredictionConfig(run_id="r", data=data, target_classes=["he", "she"], img_dpi=300)
    trainer = gradiend.TextPredictionTrainer(model=tiny_mlm_path, config=config)
    assert trainer.run_id == "r" and trainer.target_classes == ["he", "she"] and trainer.img_dpi == 300
    assert set(trainer.rows["feature_class"]) == {"he", "she"}
    with pytest.raises(ValueError, match=r"\['run_id'\] either in config= or as arguments"):
        gradiend.TextPredictionTrainer(model=tiny_mlm_path, config=config, run_id="x")
    with pytest.raises(ValueError, match=r"\['split_ratios'\] belong to features"):
        gradiend.TextPredictionConfig(data=data, split_ratios=[0.5, 0.25, 0.25])
    with pytest.raises(ValueError, match="either data= or hf_dataset="):
        gradiend.TextPredictionConfig(data=data, hf_dataset="some/dataset")


def test_text_gradient_training_dataset_batches_single_class_gradients(tiny_mlm_path: str) -> None:
    from gradiend_text.testing import gender_template_frame

    trainer = gradiend.TextPredictionTrainer(
        model=tiny_mlm_path, data=gender_template_frame(8, seed=4, classes=("he", "she"))
    )
    rows = trainer.create_training_data()
    dataset = gradiend.TextGradientTrainingDataset(rows, trainer, source="alternative", batch_size=2)
    assert isinstance(dataset, gradiend.GradientTrainingDataset)
    assert len(dataset) == len(rows) // 2
    batch = next(iter(dataset))
    assert batch.source.shape == batch.target.shape and float(batch.source.abs().sum()) > 0
    with pytest.raises(TypeError, match="cache_dir"):
        gradiend.TextGradientTrainingDataset(rows, trainer, cache_dir="x")
