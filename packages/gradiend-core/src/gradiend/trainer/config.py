"""``TrainerConfig``: modality-independent trainer options (published name and fields)."""

from __future__ import annotations

from dataclasses import dataclass

SUPPORTED_IMAGE_FORMATS: tuple[str, ...] = ("png",)
"""Static figure formats written here (interactive figures are HTML files)."""


@dataclass
class TrainerConfig:
    """Options every trainer shares: the format and resolution of saved figures.

    Attributes:
        img_format: file format of static figures; only ``"png"`` is written here.
        img_dpi: resolution of saved figures (None: the plotting default).

    Raises:
        ValueError: an unsupported ``img_format`` or a ``img_dpi`` below the plotting minimum.
    """

    img_format: str = "png"
    img_dpi: int | None = None

    def __post_init__(self) -> None:
        """Validate the fields."""
        if self.img_format not in SUPPORTED_IMAGE_FORMATS:
            raise ValueError(
                f"img_format={self.img_format!r} is not supported: figures are written as "
                f"{list(SUPPORTED_IMAGE_FORMATS)} (interactive ones as HTML)"
            )
        if self.img_dpi is not None:
            from gradiend.plotting.output import check_dpi

            check_dpi(self.img_dpi)


__all__ = ["SUPPORTED_IMAGE_FORMATS", "TrainerConfig"]
