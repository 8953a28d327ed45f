"""One train / validation / held-out split of he/she rows and neutral texts, shared by every method.

Rows are masked sentences (``masked`` with one ``[MASK]``, ``factual`` the word as written, ``cls``
the class ``he`` or ``she``). Per class, the first ``test_per_class`` rows are held out (reported,
never used to fit or select), the next ``validation_per_class`` select each method's setting (the
GRADIEND decoder grid's training-like rows, the steering layer and scale, the LEACE layer and
strength), the rest fit (GRADIEND training, the steering vector, the LEACE eraser). Neutral texts
are split the same way: the first half scores utility during selection, the second half is held out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

PAIR: tuple[str, str] = ("he", "she")
"""The feature pair (the first class encodes +1 in GRADIEND's convention)."""
TARGETS: dict[str, list[str]] = {"he": ["he"], "she": ["she"]}
"""The words whose probabilities are measured for each class."""
PLACEHOLDER = "[MASK]"
SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True)
class PeerData:
    """The split rows and neutral texts every method sees."""

    rows: pd.DataFrame
    """Columns ``masked``, ``factual``, ``cls``, ``split`` (train / validation / test)."""
    neutral_selection: list[str]
    """Neutral texts scored for utility while selecting settings."""
    neutral_held_out: list[str]
    """Neutral texts scored for the reported utility."""

    def split(self, name: str, cls: str | None = None) -> pd.DataFrame:
        """The rows of split ``name`` (and class ``cls`` when given)."""
        if name not in SPLITS:
            raise ValueError(f"split must be one of {list(SPLITS)}, got {name!r}")
        mask = self.rows["split"] == name
        if cls is not None:
            if cls not in PAIR:
                raise ValueError(f"cls must be one of {list(PAIR)}, got {cls!r}")
            mask &= self.rows["cls"] == cls
        return self.rows[mask].reset_index(drop=True)

    def trainer_frame(self) -> pd.DataFrame:
        """Train and validation rows in the library's merged layout (the held-out rows are left out)."""
        seen = self.rows[self.rows["split"] != "test"]
        return pd.DataFrame(
            {
                "masked": seen["masked"].to_numpy(),
                "label_class": seen["cls"].to_numpy(),
                "label": seen["factual"].to_numpy(),
                "split": seen["split"].to_numpy(),
            }
        )

    def summary(self) -> dict[str, int]:
        """Row counts per split and class, and neutral text counts."""
        counts = {f"{s}_{c}": len(self.split(s, c)) for s in SPLITS for c in PAIR}
        counts["neutral_selection"] = len(self.neutral_selection)
        counts["neutral_held_out"] = len(self.neutral_held_out)
        return counts


def prefix(masked: str) -> str:
    """The text before the placeholder, trailing whitespace removed (what a causal LM reads)."""
    if PLACEHOLDER not in masked:
        raise ValueError(f"masked text has no {PLACEHOLDER!r} placeholder: {masked!r}")
    return masked.split(PLACEHOLDER, 1)[0].rstrip()


def split_rows(
    rows: pd.DataFrame, validation_per_class: int, test_per_class: int, min_train_per_class: int = 4
) -> pd.DataFrame:
    """Assign ``split`` by position within each class (rows arrive shuffled)."""
    for name, value in (("validation_per_class", validation_per_class), ("test_per_class", test_per_class)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value}")
    parts = []
    for cls in PAIR:
        group = rows[rows["cls"] == cls].reset_index(drop=True)
        needed = validation_per_class + test_per_class + min_train_per_class
        if len(group) < needed:
            raise ValueError(
                f"class {cls!r} has {len(group)} rows; validation_per_class + test_per_class + "
                f"{min_train_per_class} training rows need {needed}"
            )
        split = ["test"] * test_per_class + ["validation"] * validation_per_class
        group["split"] = split + ["train"] * (len(group) - len(split))
        parts.append(group)
    return pd.concat(parts, ignore_index=True)


def make_peer_data(
    rows: pd.DataFrame,
    neutral: Sequence[str],
    validation_per_class: int,
    test_per_class: int,
) -> PeerData:
    """Split ``rows`` (columns ``masked``, ``factual``, ``cls``) and ``neutral`` into a :class:`PeerData`."""
    missing = {"masked", "factual", "cls"} - set(rows.columns)
    if missing:
        raise ValueError(f"rows lack the columns {sorted(missing)} (have {list(rows.columns)})")
    texts = [str(t) for t in neutral]
    if len(texts) < 4:
        raise ValueError(f"neutral needs at least 4 texts (two per half), got {len(texts)}")
    half = len(texts) // 2
    frame = split_rows(rows[["masked", "factual", "cls"]], validation_per_class, test_per_class)
    return PeerData(frame, texts[:half], texts[half:])


def demo_peer_data(
    per_class: int = 160, neutral: int = 120, validation_per_class: int = 24, test_per_class: int = 40
) -> PeerData:
    """The text demo's Dreaddit he/she rows and neutral sentences (``demo.demo_data``), split."""
    from gradiend_text.demo import demo_data

    rows, neutral_frame = demo_data(max_size_per_class=per_class, neutral_size=neutral)
    frame = pd.DataFrame(
        {
            "masked": rows["masked"].astype(str),
            "factual": rows["label"].astype(str),
            "cls": rows["label_class"].astype(str),
        }
    )
    texts = neutral_frame["text"].astype(str).tolist()
    return make_peer_data(frame, texts, validation_per_class, test_per_class)


def template_peer_data(seed: int = 0, per_class: int = 24, neutral: int = 16) -> PeerData:
    """Templated he/she sentences (``gradiend_text.testing``) for the tiny-model smoke test."""
    from gradiend_text.testing import gender_template_frame, neutral_sentences

    frame = gender_template_frame(per_class, seed=seed, classes=PAIR)
    rows = pd.DataFrame(
        {"masked": frame["masked"], "factual": frame["label"], "cls": frame["label_class"]}
    ).sample(frac=1.0, random_state=seed)
    return make_peer_data(rows, neutral_sentences(neutral, seed=seed), 6, 6)


__all__ = [
    "PAIR",
    "PLACEHOLDER",
    "SPLITS",
    "TARGETS",
    "PeerData",
    "demo_peer_data",
    "make_peer_data",
    "prefix",
    "split_rows",
    "template_peer_data",
]
