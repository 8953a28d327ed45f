"""The shared benchmark workload: templated 3SG/3PL sentences and small language models built from them.

Both libraries load the very same files: the data CSVs and the model directories written here (a
WordPiece tokenizer trained on the benchmark corpus, BERT masked LMs of three sizes and a GPT-2 causal
LM, each briefly pre-trained until it predicts the right pronoun class on held-out templates).

Everything is cached under ``benchmarks/output``; a directory is rebuilt only when its recipe changes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import random
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
import torch

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerFast

logger = logging.getLogger(__name__)

WORKLOAD_VERSION = 1
"""Bump when the corpus or the model recipe changes: every cached file is rebuilt."""

TARGET_CLASSES: tuple[str, str] = ("3SG", "3PL")
PRONOUN_CLASS: dict[str, str] = {"he": "3SG", "she": "3SG", "it": "3SG", "they": "3PL"}
CLASS_WORDS: dict[str, list[str]] = {"3SG": ["he", "she", "it"], "3PL": ["they"]}

SUBJECTS: dict[str, tuple[str, ...]] = {
    "he": (
        "john",
        "james",
        "peter",
        "david",
        "the father",
        "the king",
        "my brother",
        "the boy",
        "the man",
        "the husband",
        "her son",
        "the uncle",
    ),
    "she": (
        "mary",
        "linda",
        "susan",
        "emma",
        "the mother",
        "the queen",
        "my sister",
        "the girl",
        "the woman",
        "the wife",
        "his daughter",
        "the aunt",
    ),
    "it": (
        "the dog",
        "the cat",
        "the machine",
        "the printer",
        "the old car",
        "the company",
        "the robot",
        "the bird",
        "the computer",
        "the horse",
        "the train",
        "the storm",
    ),
    "they": (
        "the parents",
        "the kids",
        "my friends",
        "the doctors",
        "the students",
        "the players",
        "the neighbours",
        "the dogs",
        "the machines",
        "the girls",
        "the boys",
        "the workers",
    ),
}
VERBS: tuple[str, ...] = (
    "stopped",
    "waited",
    "turned around",
    "looked back",
    "slowed down",
    "came back",
    "moved on",
    "stood still",
)
PREDICATES: tuple[str, ...] = (
    "left again",
    "came closer",
    "stayed there",
    "went home",
    "made a noise",
    "fell asleep",
    "ran away",
    "looked tired",
    "seemed happy",
    "moved slowly",
)
_NEUTRAL_NOUNS = (
    "the old bridge",
    "a small boat",
    "the long road",
    "the red house",
    "a quiet street",
    "the big market",
    "the green hill",
    "a narrow river",
)
_NEUTRAL_EVENTS = ("was painted", "was closed", "was crowded", "was repaired", "looked empty", "seemed new")
_NEUTRAL_TIMES = (
    "early this morning",
    "late last night",
    "during the long winter",
    "after the heavy rain",
    "before the summer fair",
)

ROWS_PER_PRONOUN: dict[str, int] = {"train": 80, "validation": 8, "test": 20}
"""Rows per pronoun and split; 3PL has one pronoun, so it gets three times as many rows as each 3SG one."""


@dataclass(frozen=True)
class ModelRecipe:
    """A small language model built from a config and briefly pre-trained on the benchmark corpus."""

    name: str
    objective: Literal["mlm", "clm"]
    hidden: int
    layers: int
    heads: int
    positions: int = 512
    max_pretrain_steps: int = 1200
    pretrain_lr: float = 3e-3


MODELS: dict[str, ModelRecipe] = {
    "bert-0.14m": ModelRecipe("bert-0.14m", "mlm", hidden=64, layers=2, heads=2, pretrain_lr=3e-3),
    "bert-3.5m": ModelRecipe("bert-3.5m", "mlm", hidden=256, layers=4, heads=4, pretrain_lr=1e-3),
    "bert-26m": ModelRecipe(
        "bert-26m", "mlm", hidden=512, layers=8, heads=8, max_pretrain_steps=600, pretrain_lr=3e-4
    ),
    "gpt2-3.5m": ModelRecipe("gpt2-3.5m", "clm", hidden=256, layers=4, heads=4, pretrain_lr=1e-3),
}
"""The benchmark models by name (parameter counts are written to each model's manifest.json)."""


@dataclass(frozen=True)
class DataPaths:
    """The CSV files both libraries read."""

    data_csv: str
    neutral_csv: str


def _rows_for(pronoun: str, rng: random.Random) -> list[dict[str, str]]:
    combos = list(itertools.product(SUBJECTS[pronoun], VERBS, PREDICATES))
    repeat = 3 if PRONOUN_CLASS[pronoun] == "3PL" else 1
    picked = rng.sample(combos, repeat * sum(ROWS_PER_PRONOUN.values()))
    splits = [s for s, n in ROWS_PER_PRONOUN.items() for _ in range(repeat * n)]
    rows = []
    for k, ((subject, verb, predicate), split) in enumerate(zip(picked, splits, strict=True)):
        masked = f"{subject} {verb} and then [MASK] {predicate}."
        label_class = PRONOUN_CLASS[pronoun]
        other = "3PL" if label_class == "3SG" else "3SG"
        alternative = CLASS_WORDS[other][k % len(CLASS_WORDS[other])]
        rows.append(
            {
                "masked": masked,
                "text": masked.replace("[MASK]", pronoun),
                "label": pronoun,
                "label_class": label_class,
                "alternative": alternative,
                "alternative_class": other,
                "split": split,
            }
        )
    return rows


def template_frame(seed: int = 0) -> pd.DataFrame:
    """Templated rows in the published merged layout, with explicit alternatives and splits.

    Columns: ``masked`` (``"the dog stopped and then [MASK] went home."``), ``text``, ``label`` (the
    pronoun), ``label_class`` (3SG or 3PL), ``alternative`` (a pronoun of the other class, cycling
    through he/she/it for 3PL rows), ``alternative_class`` and ``split`` (train/validation/test).
    """
    rng = random.Random(seed)
    return pd.DataFrame([row for pronoun in PRONOUN_CLASS for row in _rows_for(pronoun, rng)])


def neutral_frame(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """``n`` pronoun-free sentences (column ``text``) of at least eight words."""
    combos = list(itertools.product(_NEUTRAL_NOUNS, _NEUTRAL_EVENTS, _NEUTRAL_TIMES))
    if n > len(combos):
        raise ValueError(f"n must be <= {len(combos)}, got {n}")
    picked = random.Random(seed).sample(combos, n)
    return pd.DataFrame({"text": [f"{a} {b} {c}." for a, b, c in picked]})


def _atomic_csv(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)


def write_data(output_root: Path) -> DataPaths:
    """Write (or reuse) ``data/templates.csv`` and ``data/neutral.csv`` under ``output_root``."""
    folder = output_root.resolve() / "data"
    folder.mkdir(parents=True, exist_ok=True)
    data_csv, neutral_csv = folder / "templates.csv", folder / "neutral.csv"
    stamp = folder / "stamp.txt"
    if not (stamp.exists() and stamp.read_text() == str(WORKLOAD_VERSION)):
        _atomic_csv(template_frame(), data_csv)
        _atomic_csv(neutral_frame(), neutral_csv)
        stamp.write_text(str(WORKLOAD_VERSION))
    return DataPaths(str(data_csv), str(neutral_csv))


def corpus_texts(data: DataPaths) -> tuple[list[str], pd.DataFrame]:
    """Pre-training texts (training templates + neutral sentences) and the held-out test rows."""
    frame = pd.read_csv(data.data_csv)
    neutral = pd.read_csv(data.neutral_csv)["text"].tolist()
    texts = frame.loc[frame["split"] == "train", "text"].tolist() + neutral
    return texts, frame.loc[frame["split"] == "test"].reset_index(drop=True)


def _tokenizer(objective: str, data: DataPaths) -> PreTrainedTokenizerFast:
    from gradiend_text.testing import train_bpe_tokenizer, train_wordpiece_tokenizer

    frame = pd.read_csv(data.data_csv)
    texts = frame["text"].tolist() + pd.read_csv(data.neutral_csv)["text"].tolist()
    tokenizer = (
        train_wordpiece_tokenizer(texts, 400) if objective == "mlm" else train_bpe_tokenizer(texts, 600)
    )
    prefix = "" if objective == "mlm" else " "
    for word in PRONOUN_CLASS:
        ids = tokenizer(prefix + word, add_special_tokens=False)["input_ids"]
        if len(ids) != 1:
            raise RuntimeError(f"the benchmark tokenizer splits {word!r} into {len(ids)} tokens")
    return tokenizer


def _model(recipe: ModelRecipe, tokenizer: PreTrainedTokenizerFast) -> PreTrainedModel:
    from transformers import BertConfig, BertForMaskedLM, GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    if recipe.objective == "mlm":
        return BertForMaskedLM(
            BertConfig(
                vocab_size=len(tokenizer),
                hidden_size=recipe.hidden,
                num_hidden_layers=recipe.layers,
                num_attention_heads=recipe.heads,
                intermediate_size=4 * recipe.hidden,
                max_position_embeddings=recipe.positions,
                pad_token_id=tokenizer.pad_token_id,
            )
        )
    return GPT2LMHeadModel(
        GPT2Config(
            vocab_size=len(tokenizer),
            n_positions=recipe.positions,
            n_embd=recipe.hidden,
            n_layer=recipe.layers,
            n_head=recipe.heads,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    )


def _stamp(recipe: ModelRecipe) -> str:
    text = json.dumps({"recipe": asdict(recipe), "version": WORKLOAD_VERSION}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_manifest(model_dir: str | Path) -> dict[str, object]:
    """The ``manifest.json`` that :func:`build_model` writes beside a model."""
    return dict(json.loads((Path(model_dir) / "manifest.json").read_text()))


def _pretrain(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    recipe: ModelRecipe,
    data: DataPaths,
    min_accuracy: float,
    chunk: int = 150,
) -> tuple[int, float]:
    """Pre-train in chunks of ``chunk`` steps until the held-out class accuracy reaches ``min_accuracy``."""
    from gradiend_text.testing import class_prediction_accuracy, pretrain_tiny_lm

    texts, held_out = corpus_texts(data)
    steps, accuracy = 0, 0.0
    while steps < recipe.max_pretrain_steps:
        pretrain_tiny_lm(
            model,
            tokenizer,
            texts,
            steps=chunk,
            seed=steps,
            objective=recipe.objective,
            learning_rate=recipe.pretrain_lr,
            focus_words=list(PRONOUN_CLASS),
        )
        steps += chunk
        accuracy = class_prediction_accuracy(model, tokenizer, held_out, CLASS_WORDS, recipe.objective)
        logger.info(
            "%s: held-out class accuracy %.3f after %d pre-training steps", recipe.name, accuracy, steps
        )
        if accuracy >= min_accuracy:
            return steps, accuracy
    raise RuntimeError(
        f"{recipe.name} reached {accuracy:.3f} held-out class accuracy (< {min_accuracy}) "
        f"after {steps} pre-training steps"
    )


def build_model(recipe: ModelRecipe, data: DataPaths, output_root: Path, min_accuracy: float = 0.9) -> Path:
    """Build, pre-train and save ``recipe`` under ``output_root/models/NAME`` (reused when up to date).

    Raises:
        RuntimeError: when the pre-trained model predicts the right class on fewer than
            ``min_accuracy`` of the held-out test templates.
    """
    target = output_root.resolve() / "models" / recipe.name
    stamp = _stamp(recipe)
    if (target / "manifest.json").exists() and read_manifest(target).get("stamp") == stamp:
        return target
    logger.info("Building benchmark model %s", recipe.name)
    tokenizer = _tokenizer(recipe.objective, data)
    model = _model(recipe, tokenizer)
    steps, accuracy = _pretrain(model, tokenizer, recipe, data, min_accuracy)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{recipe.name}-", dir=target.parent))
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    manifest = {
        "stamp": stamp,
        "recipe": asdict(recipe),
        "parameters": sum(p.numel() for p in model.parameters()),
        "held_out_class_accuracy": round(accuracy, 4),
        "pretrain_steps": steps,
        "vocab_size": len(tokenizer),
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if target.exists():
        shutil.rmtree(target)
    os.replace(tmp, target)
    return target


def build_workload(output_root: Path, names: Sequence[str]) -> tuple[DataPaths, dict[str, Path]]:
    """Write the data and build (or reuse) the named models; returns the data paths and model dirs."""
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise ValueError(f"unknown benchmark model(s) {unknown}; choose from {list(MODELS)}")
    data = write_data(output_root)
    return data, {name: build_model(MODELS[name], data, output_root) for name in names}


__all__ = [
    "CLASS_WORDS",
    "MODELS",
    "TARGET_CLASSES",
    "DataPaths",
    "ModelRecipe",
    "build_model",
    "build_workload",
    "neutral_frame",
    "read_manifest",
    "template_frame",
    "write_data",
]
