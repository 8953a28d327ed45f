"""Templated sentences for tests and demos: pronoun slots with gendered subjects, and neutral sentences.

:func:`gender_template_frame` writes ``"{subject} {verb} [MASK] {predicate}."`` rows whose pronoun
(``he``/``she``/``they``) follows from the subject alone; :func:`neutral_sentences` writes sentences
without any pronoun.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

import pandas as pd

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
        "the son",
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
        "the daughter",
        "the aunt",
    ),
    "they": (
        "the parents",
        "the kids",
        "my friends",
        "the doctors",
        "the students",
        "the players",
        "the neighbours",
        "the teachers",
        "our guests",
        "the twins",
        "the workers",
        "the children",
    ),
}
"""Subjects per pronoun class; the templates fill one of them before the masked pronoun."""

VERBS: tuple[str, ...] = (
    "said that",
    "thought that",
    "told me that",
    "knew that",
    "hoped that",
    "wrote that",
    "explained that",
    "felt that",
)
PREDICATES: tuple[str, ...] = (
    "felt tired",
    "would come later",
    "had left early",
    "could help us",
    "liked the food",
    "might be late",
    "lost the keys",
    "saw the film",
    "would call soon",
    "had a new car",
)
_NOUNS = (
    "the cat",
    "the dog",
    "a bird",
    "the car",
    "the train",
    "a small boat",
    "the old house",
    "the river",
)
_ACTIONS = ("sat on", "ran to", "stopped near", "moved past", "stood by", "looked at", "waited at")
_PLACES = ("the mat", "the park", "the station", "the bridge", "the door", "the hill", "the market")


def _template_combinations(cls: str) -> list[tuple[str, str, str]]:
    return list(itertools.product(SUBJECTS[cls], VERBS, PREDICATES))


def gender_template_frame(
    n_per_class: int,
    seed: int = 0,
    classes: Sequence[str] = ("he", "she", "they"),
    exclude: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Templated rows ``"{subject} {verb} [MASK] {predicate}."`` in the published merged layout.

    Columns: ``text`` (filled sentence), ``masked``, ``label`` (the pronoun) and ``label_class`` (the
    class, named after its pronoun). ``exclude``: rows whose ``masked`` text must not be drawn again
    (to build held-out templates). Raises when fewer than ``n_per_class`` templates remain.
    """
    unknown = [c for c in classes if c not in SUBJECTS]
    if unknown:
        raise ValueError(f"classes {unknown} are unknown; choose from {list(SUBJECTS)}")
    taken = set() if exclude is None else set(exclude["masked"])
    rng = random.Random(seed)
    rows = []
    for cls in classes:
        pool = [c for c in _template_combinations(cls) if f"{c[0]} {c[1]} [MASK] {c[2]}." not in taken]
        if len(pool) < n_per_class:
            raise ValueError(f"only {len(pool)} unused templates remain for {cls!r}, asked for {n_per_class}")
        for subject, verb, predicate in rng.sample(pool, n_per_class):
            masked = f"{subject} {verb} [MASK] {predicate}."
            rows.append(
                {"text": masked.replace("[MASK]", cls), "masked": masked, "label": cls, "label_class": cls}
            )
    return pd.DataFrame(rows)


def neutral_sentences(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct templated sentences without pronouns (``"the cat sat on the mat."``)."""
    combos = list(itertools.product(_NOUNS, _ACTIONS, _PLACES))
    if n > len(combos):
        raise ValueError(f"n must be <= {len(combos)}, got {n}")
    return [f"{a} {b} {c}." for a, b, c in random.Random(seed).sample(combos, n)]


__all__ = ["PREDICATES", "SUBJECTS", "VERBS", "gender_template_frame", "neutral_sentences"]
