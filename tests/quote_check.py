"""Independent check that a quote is a verbatim span of its source file (tests only), and that
nothing but primary text is ever quoted as support or under an official citation.

It reads .md/.txt files as raw bytes — not through regbot's reader — and sidecars as plain
JSON, with its own patterns, so it does not share the code it checks.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable

from regbot_paths import CORPUS


def _file_text(path: Path) -> str:
    if path.suffix.lower() in (".md", ".txt"):
        return path.read_bytes().decode("utf-8")  # the file itself, not our reader
    from ingest.readers import read_document

    return read_document(path).text


def _dataset_row(key: str) -> bool:
    return key.startswith(("ear-table:", "csl:"))


def assert_quotes_verbatim(answer: Any, dirs: Iterable[Path] = (CORPUS,)) -> int:
    """Every citation's quote is a verbatim span of its source file; returns how many were checked.

    Accepts an `Answer` (checks text[span] == quote) or its JSON dict (checks the quote occurs).
    """
    dirs = list(dirs)
    cites = answer["citations"] if isinstance(answer, dict) else answer.citations
    for cite in cites:
        source = cite["source"] if isinstance(cite, dict) else cite.source
        quote = cite["quote"] if isinstance(cite, dict) else cite.quote
        key = cite["key"] if isinstance(cite, dict) else cite.key
        if _dataset_row(key):  # a table row or list entry: re-rendered from its dataset
            from bot.answers.cite import verify_dataset_citation

            assert verify_dataset_citation(key, quote), f"{key} does not render as {quote[:80]!r}"
            continue
        paths = [d / source for d in dirs if (d / source).is_file()]
        assert paths, f"cited source {source} not found in {dirs}"
        text = _file_text(paths[0])
        assert quote.strip(), f"empty quote from {source}"
        span = None if isinstance(cite, dict) else cite.span
        if span is not None:
            assert text[span[0]:span[1]] == quote, f"quote does not match {source}{span}"
        else:
            assert quote in text, f"quote not verbatim in {source}: {quote[:80]!r}"
        assert_provenance(cite, [d / source for d in dirs if (d / source).is_file()])
    return len(cites)


# What regulation text's sidecars call themselves (../shared/corpus); anything else is not
# primary text. Official-looking: a CFR or Federal Register reference.
_PRIMARY_TYPES = {"regulation_text", "final_rule", "interim_final_rule", "rule", "proposed_rule"}
_OFFICIAL = re.compile(r"\b\d+\s+CFR\b|\b\d+\s+FR\s+\d|\bFR\s+Doc\b", re.I)
_ADDRESSES_READER = re.compile(r"SYSTEM\s*(?:INSTRUCTION|PROMPT|MESSAGE)|\bignore\s+(?:all\s+)?"
                               r"(?:previous|prior|above)\b|\byou\s+must\s+(?:say|answer)\b", re.I)


def _field(cite: Any, name: str, default: Any = None) -> Any:
    return cite.get(name, default) if isinstance(cite, dict) else getattr(cite, name, default)


def _sidecar_type(path: Path) -> str | None:
    side = path.with_name(path.name + ".meta.json")
    if not side.is_file():
        return None
    return (json.loads(side.read_text(encoding="utf-8")).get("document_type") or "").lower()


def assert_provenance(cite: Any, paths: Iterable[Path] = ()) -> None:
    """A quote that is support (carries rule ids) or sits under a CFR/FR citation comes from
    primary text; no quote addresses its reader. `paths`: the files the source name resolves
    to; when every one's sidecar says it is not primary text, the quote is not support."""
    rule_ids = tuple(_field(cite, "rule_ids", ()) or ())
    official = bool(_OFFICIAL.search(_field(cite, "citation") or "")
                    or _OFFICIAL.search(_field(cite, "locator") or ""))
    source, quote = _field(cite, "source"), _field(cite, "quote") or ""
    assert not _ADDRESSES_READER.search(quote), f"{source}: a quote addresses the reader: {quote[:80]!r}"
    assert not _field(cite, "flags", ()), f"{source}: a flagged passage is quoted"
    if rule_ids or official:
        assert _field(cite, "trust") == "primary", (
            f"{source} ({_field(cite, 'trust')}) is quoted as support or under an official citation "
            f"({_field(cite, 'citation')!r}, rules {rule_ids})")
        types = [_sidecar_type(p) for p in paths]
        assert not types or any(t in _PRIMARY_TYPES for t in types if t is not None) or \
            all(t is None for t in types), f"{source}: its sidecar says {types}, yet it is support"
    else:
        label = _field(cite, "label")
        assert _field(cite, "trust") == "primary" or label, f"{source}: non-primary quote without a label"
