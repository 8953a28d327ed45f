"""``DataCreator``: the protocol of data creators (published name), e.g. TextPredictionDataCreator."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import pandas as pd


@runtime_checkable
class DataCreator(Protocol):
    """Creates the labelled training rows and the neutral rows of a GRADIEND run."""

    def generate_training_data(self, *args: Any, **kwargs: Any) -> pd.DataFrame | dict[str, pd.DataFrame]:
        """Labelled training rows (one frame, or one frame per class)."""
        ...

    def generate_neutral_data(self, *args: Any, **kwargs: Any) -> pd.DataFrame:
        """Rows without either class of the feature (for the utility score and neutral encodings)."""
        ...


__all__ = ["DataCreator"]
