"""The config file of ``gradiend run``: JSON, YAML or TOML, validated whole before anything loads.

A config names a modality, the keyword arguments of its trainer, the :class:`TrainingArguments` and
what to do after training::

    modality: text
    trainer:
      model: models/tiny-clm
      data: data/he_she.csv
      target_classes: [he, she]

Args:
      experiment_dir: runs/he-she
      learning_rate: 1.0e-3
      max_steps: 100
    evaluate_encoder: true
    evaluate_decoder: true
    rewrite:
      target_class: she
      output_dir: runs/he-she/rewritten-she

:func:`load_run_config` reads the file (by its suffix), checks every key against the schema (an
unknown key fails with its path and the closest valid names, e.g. ``args.learnin_rate``) and every
value (``args.learning_rate: Input should be greater than 0``), and checks the ``trainer`` keys
against the modality trainer's constructor, all before a model or data set is loaded.
``gradiend run --print-schema`` prints :func:`run_config_schema`.
"""

from __future__ import annotations

import inspect
import json
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError

from gradiend.arguments import TrainingArguments
from gradiend.strict_model import StrictModel, closest_names

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 reads TOML with tomli (a dependency there)
    import tomli as tomllib

CONFIG_SUFFIXES: dict[str, str] = {".json": "JSON", ".yaml": "YAML", ".yml": "YAML", ".toml": "TOML"}


class ConfigError(ValueError):
    """A config file that cannot be read or does not fit the schema; the message names the key path."""


class RewriteSection(StrictModel):
    """``rewrite``: apply the selected decoder update to the base model (``trainer.rewrite_base_model``)."""

    target_class: str | list[str] | None = Field(
        None, description="Class(es) to strengthen (default: the first class of the pair)."
    )
    increase_target_probabilities: bool = Field(True, description="Strengthen (true) or weaken (false).")
    output_dir: str | None = Field(None, description="Where the rewritten model is saved (with its card).")


class RunConfig(StrictModel):
    """The whole config file of ``gradiend run``."""

    modality: str = Field(
        description="Installed modality plugin, e.g. 'text' or 'vision' (`gradiend plugins`)."
    )
    trainer: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword arguments of the modality's trainer (model, data, target_classes, ...).",
    )
    args: TrainingArguments = Field(default_factory=TrainingArguments, description="The TrainingArguments.")
    evaluate_encoder: bool = Field(True, description="Evaluate the encoder on the test split after training.")
    evaluate_decoder: bool = Field(False, description="Run the decoder grid and select a rewrite per class.")
    rewrite: RewriteSection | None = Field(None, description="Rewrite the base model after evaluation.")


def run_config_schema() -> dict[str, Any]:
    """The JSON schema of a run config (what ``gradiend run --print-schema`` prints)."""
    return RunConfig.model_json_schema()


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Parse a JSON, YAML (``.yaml``/``.yml``) or TOML file into a dict (no validation yet)."""
    source = Path(path)
    kind = CONFIG_SUFFIXES.get(source.suffix.lower())
    if kind is None:
        raise ConfigError(
            f"{source}: unknown config format {source.suffix!r}; use one of {sorted(CONFIG_SUFFIXES)}"
        )
    if not source.is_file():
        raise ConfigError(f"config file not found: {source}")
    text = source.read_text(encoding="utf-8")
    try:
        if kind == "JSON":
            data = json.loads(text)
        elif kind == "YAML":
            data = yaml.safe_load(text)
        else:
            data = tomllib.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{source}: not valid {kind}: {err}") from err
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def _nested_model(annotation: Any) -> type[StrictModel] | None:
    """The StrictModel class of a field annotation (``X``, ``X | None``), else ``None``."""
    candidates = typing.get_args(annotation) or (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, StrictModel):
            return candidate
    return None


def check_keys(data: Mapping[str, Any], model: type[StrictModel], path: str = "") -> None:
    """Raise ConfigError for the first key that ``model`` (or a nested model) does not know."""
    valid = model.valid_names()
    for key, value in data.items():
        where = f"{path}{key}"
        if key not in valid:
            hint = closest_names(str(key), valid)
            suggestion = f"; did you mean {', '.join(f'{path}{h}' for h in hint)}?" if hint else ""
            raise ConfigError(f"{where}: unknown key{suggestion} (valid keys: {', '.join(sorted(valid))})")
        name = model.field_aliases.get(key, key)
        nested = _nested_model(model.model_fields[name].annotation)
        if nested is not None and isinstance(value, Mapping):
            check_keys(value, nested, f"{where}.")


def _validation_message(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{where}: {item['msg']} (got {item.get('input')!r})")
    return "invalid config:\n  " + "\n  ".join(lines)


def check_trainer_keys(config: RunConfig) -> None:
    """Check ``trainer`` keys against the modality trainer's constructor (imports the plugin, no model)."""
    from gradiend.hooks.registry import get_registry

    trainer_class = get_registry().trainer_class(config.modality)
    accepted: set[str] = set()
    for cls in trainer_class.__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        parameters = inspect.signature(init).parameters
        accepted.update(
            name for name in parameters if name not in ("self", "args", "training_args", "kwargs")
        )
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
            break
    for key in config.trainer:
        if key in ("args", "training_args"):
            raise ConfigError(f"trainer.{key}: give the TrainingArguments in the top-level 'args' section")
        if key not in accepted:
            hint = closest_names(key, sorted(accepted))
            suggestion = f"; did you mean {', '.join(f'trainer.{h}' for h in hint)}?" if hint else ""
            raise ConfigError(
                f"trainer.{key}: {trainer_class.__name__} takes no such argument{suggestion} "
                f"(valid: {', '.join(sorted(accepted))})"
            )


def validate_run_config(data: Mapping[str, Any]) -> RunConfig:
    """Validate a parsed config: keys, values and the trainer's argument names."""
    check_keys(data, RunConfig)
    try:
        config = RunConfig.model_validate(dict(data))
    except ValidationError as err:
        raise ConfigError(_validation_message(err)) from None
    check_trainer_keys(config)
    return config


def load_run_config(path: str | Path) -> RunConfig:
    """Read and validate a config file (JSON, YAML or TOML, by suffix)."""
    return validate_run_config(read_config_file(path))


def _public(results: Mapping[str, Any]) -> dict[str, Any]:
    """Results without the bulky parts (the encodings frame, the whole decoder grid)."""
    return {k: v for k, v in results.items() if k not in ("encoder_df", "grid")}


def execute_run_config(config: RunConfig) -> dict[str, Any]:
    """Train and evaluate as ``config`` says; returns the model path and the evaluation results."""
    from gradiend.trainer.trainer import Trainer

    trainer = Trainer.for_modality(config.modality, args=config.args, **config.trainer)
    trainer.train()
    results: dict[str, Any] = {"model_path": trainer.model_path}
    if config.evaluate_encoder:
        results["encoder"] = _public(trainer.evaluate_encoder())
    if config.evaluate_decoder:
        results["decoder"] = _public(trainer.evaluate_decoder())
    if config.rewrite is not None:
        rewritten = trainer.rewrite_base_model(**config.rewrite.model_dump())
        results["rewritten"] = rewritten if isinstance(rewritten, (str, list)) else "(in memory)"
    return results


__all__ = [
    "CONFIG_SUFFIXES",
    "ConfigError",
    "RewriteSection",
    "RunConfig",
    "check_keys",
    "check_trainer_keys",
    "execute_run_config",
    "load_run_config",
    "read_config_file",
    "run_config_schema",
    "validate_run_config",
]
