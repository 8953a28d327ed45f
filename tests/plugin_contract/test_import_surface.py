"""gradiend.plugins is the one import surface of plugin authors, and ``gradiend`` names its exports once."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gradiend
import gradiend.plugins

ROOT = Path(__file__).resolve().parents[2]
MODALITY_SOURCES = [
    ROOT / "packages" / "gradiend-text" / "src",
    ROOT / "packages" / "gradiend-vision" / "src",
    ROOT / "tests" / "plugin_contract" / "gradiend-toy" / "src",
]
ALLOWED = {"gradiend.plugins", "gradiend.arguments", "gradiend.testing"}


def _core_imports(path: Path) -> list[str]:
    """``file:line module`` of every import of a gradiend-core module outside ALLOWED."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        for module in modules:
            if (module == "gradiend" or module.startswith("gradiend.")) and module not in ALLOWED:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {module}")
    return found


def test_modality_packages_import_core_only_through_the_surface() -> None:
    files = [path for source in MODALITY_SOURCES for path in sorted(source.rglob("*.py"))]
    assert len(files) > 20
    assert [hit for path in files for hit in _core_imports(path)] == []


def test_every_surface_name_resolves() -> None:
    for name in gradiend.plugins.__all__:
        assert getattr(gradiend.plugins, name) is not None, name
    assert set(gradiend.plugins.__all__) <= set(dir(gradiend.plugins))


def test_the_typed_names_of_the_surface_are_its_lazy_names() -> None:
    tree = ast.parse(Path(gradiend.plugins.__file__).read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If))
    typed = {alias.name for node in guarded.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert typed == set(gradiend.plugins._LAZY)


def test_importing_the_surface_stays_cheap() -> None:
    code = "import sys, gradiend.plugins; print(sorted(m for m in ('torch', 'pandas') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("gradiend.plugins.registry", "gradiend.hooks.registry"),
        ("gradiend.plugins.registry", "gradiend.hooks.registration"),
        ("gradiend.plugins.manager", "gradiend.hooks.manager"),
        ("gradiend.plugins.markers", "gradiend.hooks.markers"),
        ("gradiend.plugins.lazy", "gradiend.hooks.lazy"),
        ("gradiend.plugins.published_paths", "gradiend.hooks.published_paths"),
    ],
)
def test_old_plugin_paths_re_export_the_same_objects(old: str, new: str) -> None:
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    shared = set(old_module.__all__) & set(new_module.__all__)
    assert shared
    for name in shared:
        assert getattr(old_module, name) is getattr(new_module, name), f"{old}.{name}"


def test_gradiend_lists_only_public_names() -> None:
    names = dir(gradiend)
    assert not {"Any", "TYPE_CHECKING", "importlib", "annotations"} & set(names)
    assert set(gradiend.__all__) <= set(names)
    assert [name for name in names if name.startswith("_") and not name.startswith("__")] == []


def test_gradiend_writes_each_public_name_once() -> None:
    tree = ast.parse(Path(gradiend.__file__).read_text(encoding="utf-8"))
    strings = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)]
    imported = [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
    ]
    for name in gradiend.__all__:
        assert strings.count(name) + imported.count(name) == 1, name


def test_gradiend_still_resolves_every_public_name_lazily() -> None:
    code = textwrap.dedent(
        """
        import gradiend
        missing = [name for name in gradiend.__all__ if getattr(gradiend, name, None) is None]
        print(missing)
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
