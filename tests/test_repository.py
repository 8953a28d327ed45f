"""Checks on the repository itself: packaging metadata, the setup script, CI, README commands, test layout."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIRS = sorted(p for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())
FORBIDDEN_IN_CORE = {"transformers", "tokenizers", "datasets", "torchvision"}


def _pyproject(package_dir: Path) -> dict:
    return tomllib.loads((package_dir / "pyproject.toml").read_text(encoding="utf-8"))


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _fenced_blocks(markdown: str, languages: set[str]) -> list[str]:
    pattern = re.compile(r"^```([\w-]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
    return [body for lang, body in pattern.findall(markdown) if lang in languages]


def _bash_array(script: str, name: str) -> list[str]:
    match = re.search(rf"^{name}=\((.*?)^\)", script, re.MULTILINE | re.DOTALL)
    assert match is not None, f"dev script has no {name}=(...) array"
    return re.findall(r'"([^"]+)"', match.group(1))


def _load_noxfile() -> ModuleType:
    pytest.importorskip("nox")
    spec = importlib.util.spec_from_file_location("gradiend_noxfile", ROOT / "noxfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_three_packages():
    assert [p.name for p in PACKAGE_DIRS] == ["gradiend-core", "gradiend-text", "gradiend-vision"]


@pytest.mark.parametrize("package_dir", PACKAGE_DIRS, ids=lambda p: p.name)
def test_package_ships_py_typed_and_metadata(package_dir: Path):
    meta = _pyproject(package_dir)
    project = meta["project"]
    src = package_dir / "src"
    import_packages = [
        p for p in src.iterdir() if p.is_dir() and p.name.isidentifier() and not p.name.startswith("_")
    ]
    assert len(import_packages) == 1, f"{package_dir.name}: expected one import package in src/"
    import_name = import_packages[0].name
    assert (src / import_name / "py.typed").is_file()
    assert "py.typed" in meta["tool"]["setuptools"]["package-data"][import_name]
    assert project["license"] == "Apache-2.0"
    assert project["requires-python"] == ">=3.10"
    assert (package_dir / project["readme"]).is_file()
    assert "Typing :: Typed" in project["classifiers"]


def test_core_does_not_depend_on_modality_libraries():
    project = _pyproject(ROOT / "packages" / "gradiend-core")["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements.extend(extra)
    assert FORBIDDEN_IN_CORE.isdisjoint(_requirement_name(r) for r in requirements)


@pytest.mark.parametrize(
    ("package", "entry_point"), [("gradiend-text", "text"), ("gradiend-vision", "vision")]
)
def test_modality_packages_register_a_gradiend_entry_point(package: str, entry_point: str):
    entry_points = _pyproject(ROOT / "packages" / package)["project"]["entry-points"]["gradiend"]
    assert entry_point in entry_points


def test_dev_script_installs_every_package_with_pinned_torch():
    dev = ROOT / "dev"
    assert os.access(dev, os.X_OK), "dev must be executable"
    script = dev.read_text(encoding="utf-8")
    assert re.search(r'^TORCH_SPEC="torch==2\.13\.0"$', script, re.MULTILINE)
    editable = {entry.split("[")[0] for entry in _bash_array(script, "EDITABLE")}
    assert editable == {f"packages/{p.name}" for p in PACKAGE_DIRS}
    assert _bash_array(script, "OPTIONAL_EDITABLE") == ["tests/plugin_contract/gradiend-toy"]
    tools = {_requirement_name(t) for t in _bash_array(script, "DEV_TOOLS")}
    assert {"pytest", "pytest-timeout", "nox", "ruff", "mypy", "import-linter"} <= tools
    assert "uv " not in script and "uv pip" not in script, "use pip: uv ignores the local torch wheel"


def test_dev_script_is_valid_bash_and_prints_help():
    result = subprocess.run(
        [str(ROOT / "dev"), "help"], capture_output=True, text=True, check=True, timeout=30
    )
    assert "./dev demo" in result.stdout and "./dev test" in result.stdout
    unknown = subprocess.run([str(ROOT / "dev"), "frobnicate"], capture_output=True, text=True, timeout=30)
    assert unknown.returncode != 0
    assert "unknown command 'frobnicate'" in unknown.stderr


def test_noxfile_reads_the_torch_pin_from_the_dev_script_and_covers_every_test_directory():
    noxfile = _load_noxfile()
    assert noxfile.TORCH_SPEC == "torch==2.13.0"
    targets = set(noxfile.TEST_TARGETS.values()) | {noxfile.CORE_ONLY_TESTS}
    test_dirs = {
        f"tests/{p.name}" for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name[0] not in "._"
    }
    assert test_dirs <= targets, f"test directories without a nox session: {sorted(test_dirs - targets)}"
    assert noxfile.CORE_PYTHONS, "no Python versions found in gradiend-core's classifiers"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.startswith("#!/usr/bin/env bash")
    assert "set -euo pipefail" in ci
    commands = [
        line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    assert "./dev test" in commands


def test_ci_installs_chromium_and_no_test_installs_anything():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install" in ci and "chromium" in ci
    # A package manager as a command (an argument list's first element, or a shell line), not as advice
    # in a message.
    managers = "apt-get|apt|dnf|yum|brew|snap"
    installers = re.compile(rf"[\[(]\s*[\"']({managers})[\"']|[\"'](sudo )?({managers}) install")
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if path.name != "test_repository.py" and installers.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"tests must not install system packages: {offenders}"


def test_one_fixture_sets_the_thread_count():
    """tests/conftest.py runs torch on one thread for every session; no test sets it again."""
    torch = pytest.importorskip("torch")
    assert torch.get_num_threads() == 1
    setters = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if "set_num_threads" in path.read_text(encoding="utf-8")
        and path != ROOT / "tests" / "conftest.py"
        and path.name != "test_repository.py"
    ]
    assert not setters, f"the autouse fixture in tests/conftest.py already sets one thread: {setters}"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shell_blocks = _fenced_blocks(readme, {"bash", "sh", "shell", "console"})
    assert shell_blocks, "README has no shell code block"
    first = [
        line.strip() for line in shell_blocks[0].splitlines() if line.strip() and not line.startswith("#")
    ]
    assert first == ["./dev demo", "./dev test"]
    assert "pip install torch==2.13.0" in readme
    assert "pip install -e packages/gradiend-core -e packages/gradiend-text" in readme


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_readme_shell_blocks_are_valid_bash():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in _fenced_blocks(readme, {"bash", "sh", "shell"}):
        result = subprocess.run(["bash", "-n"], input=block, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{result.stderr}\nin block:\n{block}"


def test_license_and_changelog():
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert "END OF TERMS AND CONDITIONS" in license_text
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog


def test_test_module_names_are_unique_outside_packages():
    """Prepend import mode imports test modules by basename unless their folder is a package."""
    seen: dict[str, list[str]] = defaultdict(list)
    for path in (ROOT / "tests").rglob("test_*.py"):
        if (path.parent / "__init__.py").exists():
            continue
        seen[path.name].append(str(path.relative_to(ROOT)))
    duplicates = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert not duplicates, f"rename these test modules (or add __init__.py): {duplicates}"


def test_architecture_page_shows_the_layers_of_the_import_contract():
    """docs/architecture.md's layer table is what tools/layers.py renders from .importlinter and the tree."""
    command = [sys.executable, str(ROOT / "tools" / "layers.py"), "--check"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_lint_session_runs_the_import_contracts():
    """`nox -s lint` checks the layers contract and import cycles, so the architecture cannot rot silently."""
    source = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    lint_body = source[source.index("def lint(") : source.index("def typecheck(")]
    assert "lint-imports" in lint_body and "check_import_cycles.py" in lint_body
    contract = (ROOT / ".importlinter").read_text(encoding="utf-8")
    assert "type = layers" in contract and "gradiend.trainer.trainer" in contract


def test_package_stub_gives_the_lazy_names_their_types():
    """gradiend/__init__.pyi is what tools/init_stub.py generates from _EXPORTS (types for lazy names)."""
    command = [sys.executable, str(ROOT / "tools" / "init_stub.py"), "--check"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "injected",
    [
        "def _late() -> None:\n    from gradiend.trainer.trainer import Trainer  # noqa\n",
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from gradiend.trainer.trainer import Trainer\n",
    ],
    ids=["function-level", "type-checking"],
)
def test_import_contracts_count_function_level_and_type_checking_imports(tmp_path: Path, injected: str):
    """An upward import hidden in a function or under TYPE_CHECKING breaks the layers and the cycle check."""
    pytest.importorskip("importlinter")
    source = ROOT / "packages" / "gradiend-core" / "src" / "gradiend"
    copy = tmp_path / "src" / "gradiend"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    evaluator = copy / "evaluation" / "encoder_metrics.py"
    evaluator.write_text(evaluator.read_text(encoding="utf-8") + "\n\n" + injected, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}
    lint_imports = str(Path(sys.executable).parent / "lint-imports")
    lint = subprocess.run(
        [lint_imports, "--no-cache", "--config", str(ROOT / ".importlinter")],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert lint.returncode != 0
    assert "gradiend.evaluation.encoder_metrics -> gradiend.trainer.trainer" in lint.stdout
    cycles = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_import_cycles.py")],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert cycles.returncode == 1 and "gradiend.evaluation.encoder_metrics" in cycles.stdout
