"""Every hand-cited value behind the snapshot quotes its source verbatim (independent of the
build's own check: raw bytes, and the decoded strings of JSON files)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from bot.rules.datasets.build import SOURCES
from regbot_paths import SHARED


def _texts(path: Path) -> list[str]:
    raw = path.read_bytes().decode("utf-8")
    out = [raw]
    if path.suffix in (".json", ".jsonl"):
        docs = [json.loads(raw)] if path.suffix == ".json" else \
            [json.loads(line) for line in raw.splitlines() if line.strip()]
        stack = list(docs)
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                out.append(node)
            elif isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return out


def _assert_quote(source: str, quote: str) -> None:
    path = SHARED / source
    assert path.is_file(), f"{source} not under {SHARED}"
    assert any(quote in text for text in _texts(path)), f"not verbatim in {source}: {quote!r}"


def test_references_quote_their_sources():
    refs = yaml.safe_load((SOURCES / "references.yaml").read_text(encoding="utf-8"))
    checked = 0
    for d in refs["directions"].values():
        _assert_quote(d["source"], d["quote"])
        checked += 1
    _assert_quote(refs["un_arms_embargo"]["source"], refs["un_arms_embargo"]["quote"])
    _assert_quote(refs["un_arms_embargo"]["source"], refs["un_arms_embargo"]["requirement"])
    _assert_quote(refs["ru_by"]["source"], refs["ru_by"]["quote"])
    for d in refs["license_exceptions"].values():
        _assert_quote(d["source"], d["quote"])
        assert d["section"].split(" ")[1] in d["quote"]
        checked += 1
    assert checked == 14


def test_footnote_classes_quote_the_footnotes():
    chart = json.loads((SHARED / "ear" / "country-chart.json").read_text(encoding="utf-8"))
    curated = yaml.safe_load((SOURCES / "footnotes.yaml").read_text(encoding="utf-8"))
    assert sorted(curated) == sorted(int(n) for n in chart["footnotes"])
    for n, d in curated.items():
        assert d["quote"] in chart["footnotes"][str(n)], n
