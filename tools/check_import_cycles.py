"""Fail when the modules of a package import each other in a cycle (``nox -s lint`` runs it on gradiend).

grimp reads every import statement: module level, inside functions and under ``TYPE_CHECKING``. A cycle is a
strongly connected component of more than one module in that graph; each one found is printed with the
import lines that close it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator

import grimp


def strongly_connected(graph: grimp.ImportGraph, modules: Iterable[str]) -> list[list[str]]:
    """The strongly connected components (Tarjan, iterative) of more than one module, largest first."""
    inside = set(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def children(module: str) -> Iterator[str]:
        return iter(sorted(graph.find_modules_directly_imported_by(module) & inside))

    for root in sorted(inside):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, children(root))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            child = next(pending, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, children(child)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components, key=len, reverse=True)


def describe(graph: grimp.ImportGraph, component: list[str]) -> list[str]:
    """The import lines between members of one cycle."""
    members = set(component)
    lines = []
    for importer in component:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer}:{detail['line_number']}: {detail['line_contents']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print every import cycle of the package; exit 1 when there is one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", default="gradiend")
    package = parser.parse_args(argv).package
    graph = grimp.build_graph(package)
    components = strongly_connected(graph, graph.modules)
    for component in components:
        print(f"import cycle of {len(component)} modules: {', '.join(component)}")
        print("\n".join(describe(graph, component)))
    if components:
        return 1
    print(f"{package}: no import cycles among {len(graph.modules)} modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
