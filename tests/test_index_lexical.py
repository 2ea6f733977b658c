"""BM25 tokenizer and lexical index: regulatory tokens stay whole and findable."""
from __future__ import annotations

import pytest

from bot.records import Chunk, DocMeta
from index import lexical
from index.chunkstore import ChunkStore
from index.lexical import (compound_parts, has_identifier, identifier_only, load, load_or_build,
                           tokenize)


@pytest.mark.parametrize("text, expected", [
    ("744.21(g)", ["744.21(g)", "744.21", "g"]),
    ("126.1", ["126.1", "126", "1"]),
    ("D:5", ["d:5", "d", "5"]),
    ("7A994", ["7a994"]),
    ("9A610.x", ["9a610.x", "9a610", "x"]),
    ("§", ["§"]),
])
def test_regulatory_tokens_are_kept_whole_with_their_parts(text, expected):
    tokens = tokenize(text)
    for token in expected:
        assert token in tokens, (text, tokens)


def test_nested_paragraph_keeps_every_level():
    assert compound_parts("744.21(a)(1)")[:3] == ["744.21(a)(1)", "744.21(a)", "744.21"]


def test_plain_words_are_stemmed_and_stopworded():
    tokens = tokenize("The licenses were removed from the list")
    assert "the" not in tokens and "licens" in tokens and "remov" in tokens


def test_sentence_punctuation_is_not_part_of_a_token():
    assert "7a994" in tokenize("classified under 7A994.") and "126.1" in tokenize("see § 126.1.")


@pytest.mark.parametrize("query, expected", [
    ("7A994", True), ("§ 744.21", True), ("D:5 countries", True), ("EAR99 items", True),
    ("national police military end user", False), ("Cambodia arms embargo", False),
])
def test_identifier_detection(query, expected):
    assert has_identifier(query) is expected


@pytest.mark.parametrize("query, expected", [
    ("§ 744.21(g)", True), ("ECCN 7A994", True), ("22 CFR 126.1(d)", True), ("D:5", True),
    ("Cambodia removed from the ITAR 126.1 list", False), ("Is 7A994 controlled?", False),
    ("export rules", False), ("15 CFR", False),
])
def test_identifier_only_queries_are_citation_lookups(query, expected):
    assert identifier_only(query) is expected


def _chunk(key: str, text: str, ordinal: int = 0) -> Chunk:
    return Chunk(key=key, doc_id="d1", source="doc.md", path="/x/doc.md", text=text,
                 span=(0, len(text)), locator=f"doc.md ¶{ordinal + 1}", section=None, heading="",
                 meta=DocMeta(title="Doc"), ordinal=ordinal)


TEXTS = {
    "k-ccl": "ECCN 7A994 covers other navigation direction finding equipment.",
    "k-meu": "Paragraph 744.21(g) defines a military end user to include national police.",
    "k-d5": "Cambodia was removed from Country Group D:5 by this rule.",
    "k-itar": "The ITAR section 126.1 lists proscribed destinations.",
    "k-gov": "License Exception GOV may be used for 9A610.x items.",
}


@pytest.fixture
def store(tmp_path):
    s = ChunkStore(tmp_path / "chunks.sqlite", create=True)
    s.apply([_chunk(k, t, i) for i, (k, t) in enumerate(TEXTS.items())])
    yield s
    s.close()


@pytest.mark.parametrize("query, key", [
    ("7A994", "k-ccl"), ("744.21(g)", "k-meu"), ("744.21", "k-meu"), ("D:5", "k-d5"),
    ("126.1", "k-itar"), ("9A610.x", "k-gov"), ("national police", "k-meu"),
])
def test_bm25_finds_exact_regulatory_terms(store, tmp_path, query, key):
    index = load_or_build(tmp_path / "lexical", store)
    assert index.top(query, 3)[0][0] == key


def test_filter_mask_and_unknown_terms(store, tmp_path):
    index = load_or_build(tmp_path / "lexical", store)
    assert index.top("zzzunknownzzz", 3) == []
    assert [k for k, _ in index.top("7A994", 3, allowed={"k-d5"})] == []


def test_saved_index_is_reused_until_the_store_changes(store, tmp_path, monkeypatch):
    path = tmp_path / "lexical"
    first = load_or_build(path, store)
    assert load(path).generation == first.generation == store.generation
    calls = []
    monkeypatch.setattr(lexical, "build", lambda s: calls.append(1) or first)
    load_or_build(path, store)
    assert calls == []  # fresh on disk: no rebuild
    monkeypatch.undo()
    store.apply([_chunk("k-new", "Supplement No. 4 to part 744 lists the Entity List.", 9)])
    rebuilt = load_or_build(path, store)
    assert rebuilt.generation == store.generation != first.generation
    assert rebuilt.top("Entity List", 1)[0][0] == "k-new"
    assert not list(tmp_path.glob(".lexical.*"))  # temp folders cleaned up


def test_unreadable_saved_index_is_rebuilt(store, tmp_path):
    path = tmp_path / "lexical"
    load_or_build(path, store)
    (path / "keys.json").write_text("{not json")
    assert load(path) is None
    assert load_or_build(path, store).top("7A994", 1)[0][0] == "k-ccl"


def test_concurrent_saves_leave_one_readable_index(store, tmp_path):
    """Two web workers may rebuild BM25 at once: neither fails, the result loads."""
    from concurrent.futures import ThreadPoolExecutor

    from index.lexical import build, save

    path = tmp_path / "lexical"
    built = build(store)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: save(built, path), range(24)))
    assert load(path).keys == built.keys
    assert not list(tmp_path.glob(".lexical.*"))
