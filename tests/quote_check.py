"""Independent check that a quote is a verbatim span of its source file (tests only).

It reads .md/.txt files as raw bytes — not through regbot's reader — so it does not share
the code it checks.
"""
from __future__ import annotations

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
    return len(cites)
