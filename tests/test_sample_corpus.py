"""The shipped sample corpus: every file ingests, sidecars say what it is, and it is our own words."""
from __future__ import annotations

import json
import re

import pytest

from ingest.chunking import chunk_document
from ingest.readers import iter_source_files, read_document

from regbot_paths import SAMPLE_CORPUS

SHINGLE = 10  # words: a run this long shared with the real corpus counts as copied


def sample_files():
    files, problems = iter_source_files([SAMPLE_CORPUS])
    assert not problems, problems
    return files


def test_sample_corpus_size_and_format_mix():
    files = sample_files()
    assert 5 <= len(files) <= 7
    formats = {read_document(f).format for f in files}
    assert {"markdown", "text", "html", "xml"} <= formats


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_every_sample_file_reads_and_chunks(path):
    doc = read_document(path)
    chunks = chunk_document(doc)
    assert chunks
    for c in chunks:
        assert c.text == doc.text[c.span[0]:c.span[1]]


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_every_sample_file_has_a_summary_sidecar(path):
    side = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
    meta = read_document(path).meta
    assert meta.completeness == "summary" and side["completeness"] == "summary"
    assert side["notes"].startswith("regbot-written")
    assert meta.document_type and meta.citation and meta.title == side["title"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta.published)
    assert path.name.startswith(meta.published)
    assert meta.visibility == "shareable"


def test_sample_corpus_tells_the_cambodia_story():
    text = " ".join(read_document(f).text for f in sample_files())
    for fact in ("126.1", "(o)", "86 FR 70053", "90 FR 50489", "FR Doc. 2026-02262", "D:5", "D:1",
                 "744.21", "744.22", "case by case", "7A994", "Category XI", "national police"):
        assert fact in text, fact


def test_sample_744_21_summary_has_citable_paragraphs():
    (path,) = [f for f in sample_files() if "744.21" in f.name]
    chunks = {c.locator: c for c in chunk_document(read_document(path))}
    assert "national police" in chunks["15 CFR 744.21(g)"].text
    assert "Cambodia" in chunks["15 CFR 744.21(a)(1)"].text


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def test_sample_corpus_is_not_copied_from_the_real_corpus(corpus_dir):
    real: set[tuple[str, ...]] = set()
    for f in corpus_dir.iterdir():
        real |= _shingles(f.read_text(encoding="utf-8"))
    for path in sample_files():
        own = re.sub(r'"[^"\n]*"|“[^”\n]*”', " ", read_document(path).text)  # quoted titles are citations
        copied = _shingles(own) & real
        assert not copied, (path.name, [" ".join(s) for s in list(copied)[:3]])
