"""Retrieval over the real ../shared/corpus index (built once per session)."""
from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda

from bot.settings import Settings
from index.retriever import RegbotRetriever
from index.search import SearchError, SearchFilters
from index.store import open_index

BIS_RULE = "2026-02-03_bis_ear-conforming-change-cambodia.md"
CCL = "2026-09-01_ecfr_ccl-usml-fragments_excerpt.md"


@pytest.fixture(scope="module")
def index(corpus_home):
    ix = open_index(Settings(home=corpus_home))
    yield ix
    ix.close()


def test_cambodia_126_1_query_ranks_the_bis_rule_in_top_3(index):
    top = index.search("Cambodia removed from the ITAR 126.1 list", k=3)
    assert BIS_RULE in [p.chunk.source for p in top]


@pytest.mark.parametrize("query", ["7A994", "ECCN 7A994"])
def test_eccn_query_returns_the_ccl_fragment_first(index, query):
    assert index.search(query, k=5)[0].chunk.source == CCL


def test_military_end_user_query_returns_744_21_g(index):
    top = index.search("national police military end user", k=5)
    assert top[0].chunk.locator == "15 CFR 744.21(g)"
    assert "national police" in top[0].chunk.text


@pytest.mark.parametrize("query, locator", [
    ("744.21(g)", "15 CFR 744.21(g)"), ("§ 744.21(g)", "15 CFR 744.21(g)"),
    ("§744.21(g)", "15 CFR 744.21(g)"), ("22 CFR 126.1(d)", "22 CFR 126.1(d)"),
])
def test_paragraph_citation_is_found_exactly(index, query, locator):
    assert index.search(query, k=3)[0].chunk.locator == locator


def test_modes_differ_and_hybrid_fuses_both(index):
    query = "Cambodia removed from the ITAR 126.1 list"
    dense = index.search(query, k=10, mode="dense")
    lexical = index.search(query, k=10, mode="bm25")
    hybrid = index.search(query, k=10, mode="hybrid")
    assert all(p.lexical_rank is None for p in dense) and all(p.dense_rank is None for p in lexical)
    assert any(p.dense_rank and p.lexical_rank for p in hybrid)
    assert [p.rank for p in hybrid] == list(range(1, 11))
    assert [p.score for p in hybrid] == sorted((p.score for p in hybrid), reverse=True)


def test_passages_cite_exact_spans_of_their_source(index):
    for p in index.search("military end use license requirement", k=5):
        text = open(p.chunk.path, encoding="utf-8").read()
        assert text[p.chunk.span[0]:p.chunk.span[1]] == p.chunk.text
        assert set(p.search_json()) == {"key", "source", "locator", "citation", "title",
                                        "published", "effective", "score", "text", "span",
                                        "trust", "label", "flags"}  # issue 14: provenance


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_filters_apply_on_both_sides(index, mode):
    filters = SearchFilters(document_type="regulation_text", published_from="2026-01-01")
    hits = index.search("Cambodia arms embargo", k=8, filters=filters, mode=mode)
    assert hits
    for p in hits:
        assert p.chunk.meta.document_type == "regulation_text"
        assert p.chunk.meta.published >= "2026-01-01"
    news = index.search("Cambodia arms embargo", k=5, mode=mode,
                        filters=SearchFilters(document_type="news", published_to="2025-12-31"))
    assert news and all(p.chunk.meta.document_type == "news"
                        and p.chunk.meta.published <= "2025-12-31" for p in news)


def test_agency_filter(index):
    agencies = {c.meta.agency for c in index.chunks.iter_chunks()} - {None}
    assert agencies, "the corpus sidecars give no agency"
    agency = sorted(agencies)[0]
    hits = index.search("export controls", k=5, filters=SearchFilters(agency=agency))
    assert hits and {p.chunk.meta.agency for p in hits} == {agency}


def test_effective_filter_excluding_everything_gives_no_hits(index):
    assert index.search("Cambodia", filters=SearchFilters(effective_to="1900-01-01")) == []


def test_bad_requests(index):
    for bad in ("", "   "):
        with pytest.raises(SearchError, match="empty query"):
            index.search(bad)
    with pytest.raises(SearchError, match="mode"):
        index.search("x", mode="fuzzy")


def test_citation_lookups_for_the_answer_module(index):
    chunks = index.chunks_by_citation("15 CFR 744.21(g)")
    assert chunks and all(c.locator.startswith("15 CFR 744.21(g)") for c in chunks)
    by_source = index.chunks_by_source(BIS_RULE)
    assert [c.ordinal for c in by_source] == sorted(c.ordinal for c in by_source)
    assert index.get_chunk(by_source[0].key) == by_source[0]


def test_langchain_retriever_in_a_chain(index):
    retriever = RegbotRetriever(index=index, k=3)
    chain = retriever | RunnableLambda(lambda docs: [d.metadata["locator"] for d in docs])
    assert chain.invoke("national police military end user")[0] == "15 CFR 744.21(g)"
    docs = retriever.invoke("7A994")
    assert isinstance(docs[0], Document) and docs[0].metadata["source"] == CCL
    assert docs[0].metadata["rank"] == 1 and docs[0].page_content
    filtered = RegbotRetriever(index=index, k=3, mode="bm25",
                               filters=SearchFilters(document_type="news"))
    assert all(d.metadata["document_type"] == "news" for d in filtered.invoke("Cambodia"))
