"""Nox sessions for the gradiend monorepo.

Default sessions (what ``./dev test`` and a plain ``nox`` run): ``tests`` (one per test directory),
``core_only``, ``lint`` and ``typecheck``. Opt-in: ``slow``, ``demo``, ``docs``, ``bench``.

``tests``, ``slow``, ``lint``, ``typecheck`` and ``demo`` run in the shared ``.venv`` that ``./dev`` builds
(one environment for all packages, no reinstall per session). ``core_only`` owns a virtualenv under ``.nox/``
holding torch and gradiend-core alone, to prove the core works without any plugin or transformers.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - nox depends on tomli on Python < 3.11
    import tomli as tomllib

nox.needs_version = ">=2025.10.14"
nox.options.error_on_missing_interpreters = False  # CI=true would make absent Pythons an error
nox.options.download_python = "never"

ROOT = Path(__file__).resolve().parent
VENV_BIN = ROOT / ".venv" / "bin"
VENV_PYTHON = VENV_BIN / "python"
CORE_DIR = ROOT / "packages" / "gradiend-core"
TOY_PLUGIN_DIR = (
    ROOT / "tests" / "plugin_contract" / "gradiend-toy"
)  # third-party-style plugin, core-only deps
SRC_DIRS = [f"packages/{name}/src" for name in ("gradiend-core", "gradiend-text", "gradiend-vision")]
LINT_PATHS = ["packages", "tests", "benchmarks", "tools", "noxfile.py"]

# Test directories of the shared-environment sessions, by session id.
TEST_TARGETS = {
    "core": "tests/core",
    "text": "tests/text",
    "vision": "tests/vision",
    "plugin_contract": "tests/plugin_contract",
    "browser": "tests/browser",
    "scale": "tests/scale",
    "docs": "tests/docs",
    "compat": "tests/compat",
    "repository": "tests/test_repository.py",
    "benchmarks": "tests/test_benchmarks_smoke.py",
    "peers": "tests/test_benchmarks_peers.py",
}
SLOW_TARGETS = [name for name in TEST_TARGETS if name != "repository"]
CORE_ONLY_TESTS = "tests/core_only"

# Tests never reach a model hub; figures render without a display.
TEST_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "MPLBACKEND": "Agg",
    "TOKENIZERS_PARALLELISM": "false",
}


def _dev_script_value(name: str) -> str:
    """Read ``NAME="value"`` from the dev script, which keeps the one list of requirements."""
    match = re.search(rf'^{name}="([^"]+)"$', (ROOT / "dev").read_text(encoding="utf-8"), re.MULTILINE)
    if match is None:
        raise RuntimeError(f'the dev script defines no {name}="..." line')
    return match.group(1)


TORCH_SPEC = _dev_script_value("TORCH_SPEC")


def _classifier_pythons(pyproject: Path) -> list[str]:
    """Python versions named by ``Programming Language :: Python :: 3.X`` classifiers."""
    classifiers = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["classifiers"]
    prefix = "Programming Language :: Python :: "
    versions = [c.removeprefix(prefix) for c in classifiers if c.startswith(prefix)]
    return sorted((v for v in versions if re.fullmatch(r"3\.\d+", v)), key=lambda v: int(v.split(".")[1]))


CORE_PYTHONS = _classifier_pythons(CORE_DIR / "pyproject.toml")


def _shared_python(session: nox.Session) -> str:
    """The interpreter of the shared ``.venv``; fail with the fix when it is missing."""
    if not VENV_PYTHON.exists():
        session.error(f"{VENV_PYTHON} is missing: run ./dev setup (or ./dev test) first")
    return str(VENV_PYTHON)


def _has_test_files(path: Path) -> bool:
    if path.is_file():
        return True
    return any(path.rglob("test_*.py")) or any(path.rglob("*_test.py"))


def _pytest(session: nox.Session, python: str, target: str, *args: str, allow_no_tests: bool = False) -> None:
    """Run pytest on one test directory or file.

    pytest exits with 5 when it collects nothing. That counts as success only where nothing could be
    collected (a directory that has no test files yet) or when ``allow_no_tests`` says that an empty
    selection is fine (``-m slow`` on a directory without slow tests).
    """
    path = ROOT / target
    if not path.exists():
        session.skip(f"{target} does not exist yet")
    empty = not _has_test_files(path)
    if empty:
        session.warn(f"{target} has no test files yet")
    success_codes = [0, 5] if empty or allow_no_tests else [0]
    session.run(
        python,
        "-m",
        "pytest",
        target,
        *args,
        *session.posargs,
        env=TEST_ENV,
        success_codes=success_codes,
        external=True,
    )


@nox.session(venv_backend="none")
@nox.parametrize("package", list(TEST_TARGETS), ids=list(TEST_TARGETS))
def tests(session: nox.Session, package: str) -> None:
    """Run one test directory in the shared .venv (extra arguments go to pytest)."""
    _pytest(session, _shared_python(session), TEST_TARGETS[package])


@nox.session(venv_backend="none", default=False)
@nox.parametrize("package", SLOW_TARGETS, ids=SLOW_TARGETS)
def slow(session: nox.Session, package: str) -> None:
    """Run the tests marked slow (real models, multi-process) of one test directory."""
    _pytest(session, _shared_python(session), TEST_TARGETS[package], "-m", "slow", allow_no_tests=True)


# Run inside the core-only venv: gradiend imports, and neither modality plugin nor a text/vision library is
# installed (the toy plugin, which depends on gradiend-core alone, may be).
_CORE_ONLY_CHECK = """
import importlib.metadata, importlib.util, sys
import gradiend
absent = ("transformers", "tokenizers", "datasets", "torchvision", "gradiend_text", "gradiend_vision")
present = [name for name in absent if importlib.util.find_spec(name) is not None]
plugins = [ep.value for ep in importlib.metadata.entry_points(group="gradiend")]
modality_plugins = [v for v in plugins if v.split(".")[0] in ("gradiend_text", "gradiend_vision")]
if present or modality_plugins:
    sys.exit(f"core_only venv is not core-only: modules {present}, gradiend entry points {plugins}")
print(f"core_only: gradiend imports without text/vision plugins or transformers (plugins: {plugins})")
"""


def _install_once(session: nox.Session, pyprojects: list[Path], *steps: list[str]) -> None:
    """Run ``pip install`` steps unless the venv's stamp shows they already ran with these inputs."""
    digest = hashlib.sha256(repr(steps).encode())
    for pyproject in pyprojects:
        digest.update(pyproject.read_bytes())
    stamp = Path(session.env_dir) / ".gradiend-install-stamp"
    if stamp.exists() and stamp.read_text(encoding="utf-8") == digest.hexdigest():
        session.log("requirements unchanged: reusing the installed environment")
        return
    for step in steps:
        session.install(*step)
    stamp.write_text(digest.hexdigest(), encoding="utf-8")


@nox.session(python=CORE_PYTHONS, venv_backend="venv", reuse_venv=True)
def core_only(session: nox.Session) -> None:
    """Install torch, gradiend-core and the toy plugin only; prove the core needs no modality plugin."""
    packages = [CORE_DIR]
    if (TOY_PLUGIN_DIR / "pyproject.toml").exists():
        packages.append(TOY_PLUGIN_DIR)
    editable = [arg for package in packages for arg in ("-e", str(package))]
    _install_once(
        session,
        [package / "pyproject.toml" for package in packages],
        ["--progress-bar", "off", TORCH_SPEC],
        ["--progress-bar", "off", *editable, "pytest>=8.0", "pytest-timeout>=2.3"],
    )
    session.run("python", "-c", _CORE_ONLY_CHECK, env=TEST_ENV)
    if (ROOT / CORE_ONLY_TESTS).exists():
        _pytest(session, "python", CORE_ONLY_TESTS)
    else:
        session.warn(f"{CORE_ONLY_TESTS} does not exist yet: only the import check ran")


def _existing(paths: list[str]) -> list[str]:
    """Paths that exist (a clean clone has no empty directories)."""
    return [p for p in paths if (ROOT / p).exists()]


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """Ruff lint and format check, the import contracts (.importlinter), no import cycles, the layer page."""
    python = _shared_python(session)
    paths = _existing(LINT_PATHS)
    session.run(python, "-m", "ruff", "check", *paths, *session.posargs, external=True)
    session.run(python, "-m", "ruff", "format", "--check", *paths, external=True)
    # The architecture: the layers and forbidden imports of .importlinter, then no import cycle at all.
    session.run(str(VENV_BIN / "lint-imports"), "--no-cache", external=True)
    session.run(python, "tools/check_import_cycles.py", "gradiend", external=True)
    session.run(python, "tools/layers.py", "--check", external=True)
    session.run(python, "tools/init_stub.py", "--check", external=True)


@nox.session(venv_backend="none")
def typecheck(session: nox.Session) -> None:
    """Mypy on the three packages' sources (configuration in pyproject.toml)."""
    session.run(_shared_python(session), "-m", "mypy", *SRC_DIRS, *session.posargs, external=True)


@nox.session(venv_backend="none", default=False)
def demo(session: nox.Session) -> None:
    """Run a modality's demo: ``nox -s demo -- [MODALITY] [ARGS...]`` (default modality: text)."""
    _shared_python(session)
    args = session.posargs or ["text"]
    session.run(str(VENV_BIN / "gradiend"), "demo", *args, env=TEST_ENV, external=True)


@nox.session(venv_backend="none", default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs-material + mkdocstrings) with warnings as errors."""
    python = _shared_python(session)
    env = {**TEST_ENV, "NO_MKDOCS_2_WARNING": "1"}
    session.run(python, "-m", "mkdocs", "build", "--strict", *session.posargs, env=env, external=True)


PEERS_DIR = ROOT / "benchmarks" / "peers"
_PEERS_IMPORT_CHECK = "import steering_vectors, concept_erasure, sklearn"


def _install_peers(session: nox.Session, python: str) -> None:
    """Install the peer methods into the shared .venv unless they import: the pinned pair without their
    declared dependencies (steering-vectors would downgrade transformers), their real needs beside the
    pinned torch (so pip fails rather than replace it)."""
    if subprocess.run([python, "-c", _PEERS_IMPORT_CHECK], capture_output=True, check=False).returncode == 0:
        session.log("the peer packages are installed")
        return
    pip = [python, "-m", "pip", "install", "--progress-bar", "off"]
    session.run(*pip, "--no-deps", "-r", str(PEERS_DIR / "requirements.txt"), external=True)
    session.run(*pip, TORCH_SPEC, "-r", str(PEERS_DIR / "requirements-deps.txt"), external=True)


@nox.session(venv_backend="none", default=False)
def bench(session: nox.Session) -> None:
    """Run the benchmark harness; ``nox -s bench -- peers [ARGS...]`` runs benchmarks/peers instead."""
    python = _shared_python(session)
    if session.posargs[:1] == ["peers"]:
        _install_peers(session, python)
        session.run(python, "-m", "benchmarks.peers", *session.posargs[1:], env=TEST_ENV, external=True)
        return
    runner = ROOT / "benchmarks" / "run.py"
    if not runner.exists():
        session.skip("no benchmarks/run.py yet: the benchmark harness is added by a later issue")
    session.run(python, str(runner), *session.posargs, env=TEST_ENV, external=True)
