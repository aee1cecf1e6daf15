"""The layer rules CI enforces beyond the import-linter contract: no cycles, no hidden imports."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "astana_corpus"


def test_no_import_cycle_among_the_package_modules():
    graph = grimp.build_graph("astana_corpus")
    cycles = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            if graph.chain_exists(importer=imported, imported=importer):
                cycles.append(f"{importer} -> {imported}")
    assert cycles == []


def test_the_package_is_never_imported_inside_a_function():
    """Function-level imports only defer heavy third-party libraries."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                module = ""
                if isinstance(node, ast.ImportFrom):
                    module = node.module or ""
                elif isinstance(node, ast.Import):
                    module = " ".join(a.name for a in node.names)
                if "astana_corpus" in module or (isinstance(node, ast.ImportFrom) and node.level):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_the_cli_is_thin():
    """The command module parses and renders; stage logic lives below the pipeline."""
    main = PACKAGE / "cli" / "main.py"
    assert len(main.read_text(encoding="utf-8").splitlines()) <= 400
    tree = ast.parse(main.read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(
        m and m.startswith(("astana_corpus.dataset", "astana_corpus.models")) for m in imported
    )
