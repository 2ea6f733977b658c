"""The packages depend in one direction, ingest <- index <- bot, with no import cycle.

Every import statement is read from the source (module level, inside functions, under
TYPE_CHECKING, relative or absolute), so a cycle cannot hide in a function-level import.
"""
from __future__ import annotations

import ast
import itertools
from pathlib import Path

from regbot_paths import REPO

PACKAGES = ("ingest", "index", "bot")
ALLOWED = {"ingest": set(), "index": {"ingest"}, "bot": {"ingest", "index"}}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Top-level names of every module `path` imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                found.add(".".join(base + ([node.module] if node.module else [])))
            else:
                found.add(node.module)
    return found


def package_graph() -> dict[str, dict[str, list[str]]]:
    """package -> the other packages it imports -> the modules that do."""
    graph: dict[str, dict[str, list[str]]] = {p: {} for p in PACKAGES}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            for target in _imports(path):
                top = target.split(".")[0]
                if top in PACKAGES and top != package:
                    graph[package].setdefault(top, []).append(_module_name(path))
    return graph


def test_packages_depend_in_one_direction():
    graph = package_graph()
    for package, targets in graph.items():
        for target, modules in targets.items():
            assert target in ALLOWED[package], (
                f"{package} must not import {target} (ingest <- index <- bot): "
                f"{', '.join(sorted(set(modules)))}")


def test_no_import_cycle_between_the_packages():
    graph = {p: set(t) for p, t in package_graph().items()}
    for a, b in itertools.permutations(PACKAGES, 2):
        assert not (b in graph[a] and a in graph[b]), f"{a} and {b} import each other"
    for a, b, c in itertools.permutations(PACKAGES, 3):
        assert not (b in graph[a] and c in graph[b] and a in graph[c]), f"cycle {a}->{b}->{c}"


def test_the_walk_sees_function_level_and_relative_imports(tmp_path):
    """The checker itself: a late import inside a function is still an import."""
    module = REPO / "index" / "store.py"
    assert "ingest.records" in _imports(module)
    probe = REPO / "ingest" / "records.py"
    source = ast.parse(probe.read_text(encoding="utf-8"))
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom)) and "bot" in ast.unparse(n)
                   for n in ast.walk(source))
    fake = tmp_path / "x.py"
    fake.write_text("def f():\n    from bot.settings import Settings\n    import index.store\n")
    assert {"bot.settings", "index.store"} <= _imports_of_source(fake)


def _imports_of_source(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names} | {
        n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}


def test_bot_settings_satisfy_the_index_settings_protocol(tmp_path):
    from bot.settings import Settings
    from index.config import IndexSettings

    settings = Settings(home=tmp_path)
    assert isinstance(settings, IndexSettings)
    for name in ("home", "chroma_path", "lexical_path", "chroma_url", "collection", "model_dir",
                 "embedding_engine", "chunk_max_tokens", "search_k", "rrf_k", "retrieval_mode"):
        getattr(settings, name)


def test_records_are_the_same_classes_from_every_package():
    from bot import records
    from index.records import Passage
    from ingest.records import Chunk, DocMeta, Document

    assert (records.Chunk, records.DocMeta, records.Document, records.Passage) == (
        Chunk, DocMeta, Document, Passage)


# The Slack helpers still ship with the package until the Slack work moves them (issue 15 point 4).
PENDING_HARNESSES = {"bot.slack.bench", "bot.slack.harness", "bot.slack.fake_api"}


def test_installed_packages_hold_no_benchmark_or_harness():
    """What `pip install .` installs (pyproject's package list) holds no bench or test harness."""
    import tomllib

    from setuptools import find_packages

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    modules = {f"{package}.{path.stem}"
               for package in find_packages(where=str(REPO), include=include)
               for path in (REPO / package.replace(".", "/")).glob("*.py")}
    assert "bot.rules.engine" in modules and not any(m.startswith("tests") for m in modules)
    harnesses = {m for m in modules if "bench" in m.rsplit(".", 1)[1]
                 or m.rsplit(".", 1)[1] in ("harness", "fake_api")}
    assert harnesses <= PENDING_HARNESSES, sorted(harnesses - PENDING_HARNESSES)
