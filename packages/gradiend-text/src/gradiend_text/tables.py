"""Reading tabular text data from the places users keep it, as one pandas DataFrame.

Accepted sources (:data:`TableSource`):

* a ``pandas.DataFrame`` (returned as a copy);
* a ``dict`` ``{class name: DataFrame}`` (the published per-class format): the frames are stacked and
  the key is written into ``class_column``;
* a ``datasets.Dataset`` or ``datasets.DatasetDict`` (the dict's keys become the ``split`` column);
* a path: a ``.csv``/``.parquet`` file, a directory written by ``save_to_disk``, or a directory holding
  ``training.csv``/``training.parquet`` (what a data creator writes);
* any other string: a Hugging Face hub dataset id, loaded with ``datasets.load_dataset``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import pandas as pd

from gradiend.plugins import SPLIT_ALIASES

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict

logger = logging.getLogger(__name__)

TableSource = Union[pd.DataFrame, Mapping[str, pd.DataFrame], "Dataset", "DatasetDict", str, Path]
"""Everything :func:`load_table` accepts."""

_HF_DISK_MARKERS = ("dataset_dict.json", "state.json", "dataset_info.json")


def _split_name(name: str) -> str:
    return SPLIT_ALIASES.get(name, name)


def _from_datasets(data: Any) -> pd.DataFrame | None:
    from datasets import Dataset, DatasetDict

    if isinstance(data, Dataset):
        return pd.DataFrame(data.to_pandas())
    if isinstance(data, DatasetDict):
        frames = []
        for split, part in data.items():
            frames.append(pd.DataFrame(part.to_pandas()).assign(split=_split_name(str(split))))
        return pd.concat(frames, ignore_index=True)
    return None


def _from_file(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix == ".parquet":
        return pd.read_parquet(path)
    raise ValueError(f"data file {str(path)!r} has an unsupported extension {suffix!r}; use .csv or .parquet")


def _from_directory(path: Path) -> pd.DataFrame:
    if any((path / marker).is_file() for marker in _HF_DISK_MARKERS):
        from datasets import load_from_disk

        frame = _from_datasets(load_from_disk(str(path)))
        if frame is None:
            raise ValueError(f"data directory {str(path)!r} holds no Dataset or DatasetDict")
        return frame
    for name in ("training.csv", "training.parquet"):
        if (path / name).is_file():
            return _from_file(path / name)
    raise ValueError(
        f"data directory {str(path)!r} is neither a `datasets` save_to_disk directory nor a folder with "
        "training.csv / training.parquet"
    )


def _from_hub(dataset_id: str, subset: str | None) -> pd.DataFrame:
    from datasets import load_dataset

    logger.info("Loading Hugging Face dataset %r (subset %r)", dataset_id, subset)
    frame = _from_datasets(load_dataset(dataset_id, subset))
    if frame is None:
        raise ValueError(f"dataset {dataset_id!r} did not load as a Dataset or DatasetDict")
    return frame


def _from_class_dict(data: Mapping[str, pd.DataFrame], class_column: str) -> pd.DataFrame:
    frames = []
    for name, frame in data.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"data[{name!r}] must be a pandas DataFrame, got {type(frame).__name__}")
        frames.append(frame.assign(**{class_column: str(name)}))
    if not frames:
        raise ValueError("data is an empty dict; pass at least one class DataFrame")
    return pd.concat(frames, ignore_index=True)


def load_table(
    data: TableSource, *, class_column: str = "label_class", subset: str | None = None
) -> pd.DataFrame:
    """Read ``data`` (see the module docstring) into a new DataFrame.

    Args:
        data: the source.
        class_column: column that receives the dict keys of per-class input.
        subset: configuration name when ``data`` is a hub dataset id.
    """
    if isinstance(data, pd.DataFrame):
        return data.copy()
    if "datasets" in sys.modules and (frame := _from_datasets(data)) is not None:
        return frame
    if isinstance(data, Mapping):
        return _from_class_dict(data, class_column)
    if isinstance(data, (str, Path)):
        path = Path(data)
        if path.is_file():
            return _from_file(path)
        if path.is_dir():
            return _from_directory(path)
        if isinstance(data, Path) or path.suffix.lower() in (".csv", ".parquet"):
            raise FileNotFoundError(f"data path {str(data)!r} does not exist")
        return _from_hub(str(data), subset)
    frame = _from_datasets(data)
    if frame is None:
        raise TypeError(
            "data must be a pandas DataFrame, a {class: DataFrame} dict, a datasets.Dataset/DatasetDict, "
            f"a .csv/.parquet path, a dataset directory or a hub dataset id; got {type(data).__name__}"
        )
    return frame


__all__ = ["TableSource", "load_table"]
