"""A pydantic base for user-facing configuration: unknown names fail with the closest valid names."""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, model_validator


def closest_names(name: str, valid: list[str], n: int = 3) -> list[str]:
    """The valid names closest to a misspelt one (possibly none)."""
    return difflib.get_close_matches(name, valid, n=n, cutoff=0.7)


def unknown_name_message(owner: str, name: str, valid: list[str]) -> str:
    """Error text for an unknown field: names the field, suggests close matches."""
    hint = closest_names(name, valid)
    suggestion = f" Did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
    return f"{owner} has no field {name!r}.{suggestion} Valid fields: {', '.join(sorted(valid))}."


class StrictModel(BaseModel):
    """Base for argument objects: validated on construction and on assignment, unknown names rejected."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        populate_by_name=True,
        arbitrary_types_allowed=True,
    )

    # Extra names accepted on construction and assignment, mapped to a field (e.g. num_epochs).
    field_aliases: ClassVar[dict[str, str]] = {}

    @classmethod
    def valid_names(cls) -> list[str]:
        """Field names plus accepted aliases."""
        return [*cls.model_fields, *cls.field_aliases]

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_names(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for alias, field_name in cls.field_aliases.items():
            if alias in data:
                if field_name in data:
                    raise ValueError(f"{alias!r} is an alias of {field_name!r}: give only one of them")
                data[field_name] = data.pop(alias)
        valid = cls.valid_names()
        for key in data:
            if key not in cls.model_fields:
                raise ValueError(unknown_name_message(cls.__name__, str(key), valid))
        return data

    def __setattr__(self, name: str, value: Any) -> None:
        """Assign a field (validated); aliases map to their field; unknown names fail with suggestions."""
        name = self.field_aliases.get(name, name)
        if name not in type(self).model_fields and not name.startswith("_"):
            raise AttributeError(unknown_name_message(type(self).__name__, name, self.valid_names()))
        super().__setattr__(name, value)

    def __getattr__(self, name: str) -> Any:
        """Read a field through one of its aliases (e.g. ``args.num_epochs``)."""
        target = type(self).field_aliases.get(name)
        if target is not None:
            return getattr(self, target)
        return super().__getattr__(name)  # type: ignore[misc]

    def updated(self, **overrides: Any) -> StrictModel:
        """A validated copy with some fields changed (same checks as construction)."""
        data = self.model_dump()
        data.update({self.field_aliases.get(key, key): value for key, value in overrides.items()})
        return type(self).model_validate(data)
