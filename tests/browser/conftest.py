"""Fixtures of the browser tests: a headless Chromium (installed when missing) and a toy run's report.

Chromium comes from Debian (``apt-get install chromium``). When it is missing and the tests run as root
with apt-get available, the session installs it. Where it cannot be installed the tests skip with the
reason, except in CI (``CI=true``), where a missing browser fails the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from gradiend_toy import ToyTrainer, make_toy_data

from gradiend.testing import quick_arguments

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_TIMEOUT_S = 900
RUN_TIMEOUT_S = 180
WINDOW = (1280, 2400)

# Flags for a quiet, isolated, offline headless run; the resolver rule makes every host lookup fail,
# so a page that needs the network shows it (console errors, missing figures) instead of loading it.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=15000",
)


def find_chromium() -> str | None:
    """The first Chromium-family browser on PATH."""
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


def install_chromium() -> str | None:
    """Install Debian's chromium; returns why it could not be installed (None when it was)."""
    if os.name != "posix" or os.geteuid() != 0:
        return "chromium is not installed, and installing it (apt-get install chromium) needs root"
    if shutil.which("apt-get") is None:
        return "chromium is not installed, and apt-get is not available to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            return f"{' '.join(command)} took longer than {INSTALL_TIMEOUT_S} s"
        if done.returncode != 0:
            return f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()[-500:]}"
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium (installed when missing and possible)."""
    found = find_chromium()
    if found is not None:
        return found
    reason = install_chromium()
    found = find_chromium()
    if found is not None:
        return found
    reason = reason or "apt-get install chromium succeeded but no chromium binary is on PATH"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser tests, but: {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class BrowserRun:
    """What one headless page load produced."""

    returncode: int
    dom: str
    stderr: str
    screenshot: Path

    def console_messages(self) -> list[str]:
        """The page's console output (errors, failed resource loads, logs) from Chromium's log."""
        return [line for line in self.stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture
def open_page(chromium: str, tmp_path: Path) -> Callable[[Path], BrowserRun]:
    """Load a local HTML file in headless Chromium: its DOM after scripts ran, its log and a screenshot."""

    def load(page: Path) -> BrowserRun:
        screenshot = tmp_path / f"{page.stem}.png"
        profile = tmp_path / f"profile-{page.stem}"
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            f"--screenshot={screenshot}",
            "--dump-dom",
            page.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False)
        return BrowserRun(done.returncode, done.stdout, done.stderr, screenshot)

    return load


@pytest.fixture
def window_size() -> tuple[int, int]:
    """The browser window (and screenshot) size in pixels."""
    return WINDOW


@pytest.fixture(scope="session")
def toy_run(tmp_path_factory: pytest.TempPathFactory) -> ToyTrainer:
    """A toy run trained once for the browser tests."""
    torch.set_num_threads(1)
    directory = tmp_path_factory.mktemp("browser-run")
    trainer = ToyTrainer(data=make_toy_data(), target_classes=["a", "b"], args=quick_arguments(directory))
    trainer.train()
    return trainer
