"""Fixtures of the browser tests: a headless Chromium and a toy run's report.

The tests never install anything. Chromium comes from the system (Debian: ``apt-get install chromium``;
``.ci/run`` installs it before the tests in CI). Where it is missing the tests skip with that advice,
except in CI (``CI=true``), where a missing browser fails the run: CI must run them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from gradiend_toy import ToyTrainer, make_toy_data

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
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


MISSING_MESSAGE = (
    "Chromium is not installed (looked for {names} on PATH): install it, e.g. `apt-get install chromium` "
    "on Debian, to run the browser tests (.ci/run installs it in CI)"
)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable Chromium; skips (fails in CI) when none is installed."""
    found = find_chromium()
    if found is not None:
        return found
    reason = MISSING_MESSAGE.format(names=", ".join(BROWSER_NAMES))
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
def toy_run(
    tmp_path_factory: pytest.TempPathFactory, make_toy_trainer: Callable[..., ToyTrainer]
) -> ToyTrainer:
    """A toy run trained once for the browser tests."""
    directory = tmp_path_factory.mktemp("browser-run")
    trainer = make_toy_trainer(directory, data=make_toy_data())
    trainer.train()
    return trainer
