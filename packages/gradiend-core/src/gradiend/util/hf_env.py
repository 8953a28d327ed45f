"""``configure_hf_download_env``: the published helper that prepares Hugging Face downloads.

This library never downloads by itself, but user scripts call the helper before loading hub models or
datasets. It only edits environment variables of the current process, and only when called.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

CA_BUNDLE_VARIABLES = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
"""Environment variables that point HTTP clients at a CA bundle file."""


def _is_file(path: str | None) -> bool:
    return bool(path) and Path(str(path)).is_file()


def _certifi_bundle() -> str | None:
    try:
        import certifi
    except ImportError:
        return None
    bundle = str(certifi.where())
    return bundle if _is_file(bundle) else None


def configure_hf_download_env() -> dict[str, str | None]:
    """Prepare the environment for Hugging Face downloads, as the published helper does.

    - ``HF_HUB_DISABLE_XET=1`` (plain HTTP downloads instead of the xet backend);
    - CA-bundle variables (``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) naming a file
      that does not exist are removed, and all three point at certifi's bundle when certifi is installed;
    - the deprecated ``TRANSFORMERS_CACHE`` is removed (``HF_HOME`` is the cache root).

    Call it before importing ``datasets`` or ``huggingface_hub``.

    Returns:
        The variables it changed, each with its new value (``None`` when removed).
    """
    changed: dict[str, str | None] = {}

    def put(name: str, value: str | None) -> None:
        if os.environ.get(name) == value:
            return
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
        changed[name] = value

    put("HF_HUB_DISABLE_XET", "1")
    for name in CA_BUNDLE_VARIABLES:
        if name in os.environ and not _is_file(os.environ[name]):
            put(name, None)
    bundle = _certifi_bundle()
    if bundle is not None:
        for name in CA_BUNDLE_VARIABLES:
            put(name, bundle)
    if "TRANSFORMERS_CACHE" in os.environ:
        put("TRANSFORMERS_CACHE", None)
    if changed:
        logger.info("Hugging Face download environment: %s", changed)
    return changed


__all__ = ["CA_BUNDLE_VARIABLES", "configure_hf_download_env"]
