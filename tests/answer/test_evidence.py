"""Quote location and verification: whitespace-normalised search, exact spans, dropped mismatches."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot import evidence
from bot.records import Chunk, DocMeta, Passage, TraceEntry, Verdict

DOC = "Title\n\n(o)  It is the policy\nof the United States to deny licenses.\n\nNext para here.\n"


@pytest.mark.parametrize("quote", [
    "It is the policy of the United States to deny licenses.",
    "It is the policy\nof the United States",
    "  It  is the policy of   the United States ",
    "Next para here.",
])
def test_find_span_maps_back_to_verbatim_text(quote):
    start, end = evidence.find_span(DOC, quote)
    found = DOC[start:end]
    assert " ".join(found.split()) == " ".join(quote.split())
    assert found == found.strip()


@pytest.mark.parametrize("quote", ["", "   ", "It is the policy of Canada", "deny licences"])
def test_find_span_rejects_absent_quotes(quote):
    assert evidence.find_span(DOC, quote) is None


def test_excerpt_cuts_at_sentence_end():
    text = "  " + "First sentence is here. " * 30
    start, end = evidence.excerpt(text, limit=100)
    assert start == 2 and text[start:end].endswith(".") and end - start <= 100



def test_sentences_do_not_break_after_regulatory_abbreviations():
    text = ("Cambodia stays in supplement no. 1 to part 740 of the EAR. Beginning Nov. 7, the "
            "U.S. Government reviews each case; see e.g. 15 CFR 744.21. Next line\nOther: line.")
    sentences = [text[a:b] for a, b in evidence.sentence_spans(text)]
    assert sentences == ["Cambodia stays in supplement no. 1 to part 740 of the EAR.",
                         "Beginning Nov. 7, the U.S. Government reviews each case;",
                         "see e.g. 15 CFR 744.21.", "Next line", "Other:", "line."]


def test_focused_excerpt_quotes_whole_sentences():
    text = "Intro words here. Cambodia remains in Country Group D:1 in supplement no. 1 to part 740."
    start, end = evidence.focused_excerpt(text, {"cambodia", "740"}, limit=80)
    assert text[start:end] == ("Cambodia remains in Country Group D:1 in supplement no. 1 "
                               "to part 740.")


@pytest.fixture(autouse=True)
def recorded_sources(tmp_path, monkeypatch):
    """A sources manifest that records, by content, the files these tests write as rule sources."""
    from bot import provenance

    manifest = tmp_path / "sources.yaml"
    monkeypatch.setattr(provenance, "SOURCES_FILE", manifest)

    def record(*paths: Path) -> None:
        entries = provenance.build_manifest(tmp_path, [p.name for p in paths])
        manifest.write_text(provenance.render_manifest(entries), encoding="utf-8")
    return record


class _Chunks:
    def __init__(self, chunks):
        self.chunks = chunks

    def chunks_by_source(self, source):
        return [c for c in self.chunks if c.source == source]


def _chunk(path: Path, text: str, start: int, key: str = "k1") -> Chunk:
    return Chunk(key=key, doc_id="d", source=path.name, path=str(path), text=text,
                 span=(start, start + len(text)), locator="22 CFR 126.1(o)", section="§ 126.1",
                 heading="h", meta=DocMeta(title="T", citation="22 CFR 126.1", source_url="http://x",
                                           trust="primary"))


def _verdict(source: str, quote: str) -> Verdict:
    entry = TraceEntry(rule_id="itar.kh", as_of=date(2023, 3, 1), value="denial",
                       citation="22 CFR 126.1(o)", source=source, quote=quote)
    return Verdict(status="prohibited", rule_ids=("itar.kh",), trace=(entry, entry))


def test_rule_citation_is_verified_against_the_file(tmp_path, recorded_sources):
    path = tmp_path / "rule.md"
    path.write_text(DOC, encoding="utf-8")
    recorded_sources(path)
    start = DOC.index("(o)")
    chunk = _chunk(path, DOC[start:DOC.index("\n\nNext")], start)
    ev = evidence.rule_citations(_verdict(path.name, "It is the policy of the United States"),
                                 _Chunks([chunk]))
    assert ev.notes == ()
    (cite,) = ev.citations  # two trace entries with one quote -> one citation
    assert cite.rule_ids == ("itar.kh",) and cite.citation == "22 CFR 126.1(o)"
    assert DOC[cite.span[0]:cite.span[1]] == cite.quote == "It is the policy\nof the United States"
    assert cite.url == "http://x" and cite.source == "rule.md"


def test_quote_not_matching_the_file_is_dropped(tmp_path, recorded_sources):
    path = tmp_path / "rule.md"
    path.write_text(DOC, encoding="utf-8")
    recorded_sources(path)
    start = DOC.index("(o)")
    chunk = _chunk(path, DOC[start:DOC.index("\n\nNext")], start)
    path.write_text(DOC.replace("deny", "grant"), encoding="utf-8")  # file changed since ingest
    ev = evidence.rule_citations(_verdict(path.name, "to deny licenses"), _Chunks([chunk]))
    assert ev.citations == () and "rule.md holds the text the rulebook quotes" in ev.notes[0]
    recorded_sources(path)  # the rulebook re-hashed the changed file: its words are checked
    ev = evidence.rule_citations(_verdict(path.name, "to deny licenses"), _Chunks([chunk]))
    assert ev.citations == () and "does not match" in ev.notes[0]
    ev = evidence.rule_citations(_verdict(path.name, "an invented sentence"), _Chunks([chunk]))
    assert ev.citations == () and "not found" in ev.notes[0]


def test_passage_citations_are_verified_excerpts(tmp_path):
    path = tmp_path / "p.txt"
    path.write_text(DOC, encoding="utf-8")
    good = _chunk(path, DOC[:20], 0, key="a")
    stale = _chunk(path, "Something else entirely", 0, key="b")
    ev = evidence.passage_citations([Passage(stale, 1.0, 1), Passage(good, 0.5, 2)])
    assert [c.key for c in ev.citations] == ["a"] and len(ev.notes) == 1
    assert all(DOC[c.span[0]:c.span[1]] == c.quote for c in ev.citations)



def test_passage_starting_mid_sentence_is_quoted_from_the_sentence_start(tmp_path):
    doc = ("Heading\n\nFirst point. Cambodia will remain in Country Group D:1 in supplement no. "
           "1 to part 740 and the restrictions remain in place. Last point.\n")
    path = tmp_path / "notice.md"
    path.write_text(doc, encoding="utf-8")
    cut = doc.index("1 to part 740")  # where the chunker split the sentence
    ev = evidence.passage_citations([Passage(_chunk(path, doc[cut:], cut), 0.9, 1)],
                                    terms={"restrictions", "740"})
    (cite,) = ev.citations
    assert cite.quote.startswith("Cambodia will remain in Country Group D:1 in supplement no. 1")
    assert doc[cite.span[0]:cite.span[1]] == cite.quote


def test_sentence_start_stays_on_its_line():
    text = "Title line\n1 to part 740 applies."
    assert evidence.sentence_start(text, text.index("to part")) == text.index("1 to")
    assert evidence.sentence_start("x" * 500 + " tail", 501) == 501  # no break within reach

def test_quote_straddling_two_chunks_is_found_in_the_document(tmp_path, recorded_sources):
    path = tmp_path / "rule.md"
    path.write_text(DOC, encoding="utf-8")
    recorded_sources(path)
    cut = DOC.index("of the United")
    first, second = _chunk(path, DOC[:cut], 0, key="a"), _chunk(path, DOC[cut:], cut, key="b")
    ev = evidence.rule_citations(_verdict(path.name, "It is the policy of the United States"),
                                 _Chunks([first, second]))
    (cite,) = ev.citations
    assert cite.key == "a" and DOC[cite.span[0]:cite.span[1]] == cite.quote


def test_rule_sources_absent_from_the_index_give_one_note():
    ev = evidence.rule_citations(_verdict("not-ingested.md", "It is the policy"), _Chunks([]))
    assert ev.citations == ()
    assert len(ev.notes) == 1 and "not-ingested.md" in ev.notes[0] and "regbot ingest" in ev.notes[0]


def test_a_passage_is_labelled_with_its_own_citation_not_the_rules(tmp_path, recorded_sources):
    path = tmp_path / "notice.md"
    path.write_text(DOC, encoding="utf-8")
    recorded_sources(path)
    start = DOC.index("(o)")
    chunk = Chunk(key="k2", doc_id="d", source=path.name, path=str(path),
                  text=DOC[start:DOC.index("\n\nNext")], span=(start, DOC.index("\n\nNext")),
                  locator="notice.md ¶2", section=None, heading="h",
                  meta=DocMeta(title="T", citation="FR Doc. 2026-00001", trust="primary"))
    ev = evidence.rule_citations(_verdict(path.name, "It is the policy"), _Chunks([chunk]))
    (cite,) = ev.citations
    assert cite.citation == "FR Doc. 2026-00001" and cite.rule_ids == ("itar.kh",)


def test_values_read_only_to_rule_something_out_are_not_quoted(tmp_path, recorded_sources):
    path = tmp_path / "rule.md"
    path.write_text(DOC, encoding="utf-8")
    recorded_sources(path)
    start = DOC.index("(o)")
    chunk = _chunk(path, DOC[start:DOC.index("\n\nNext")], start)
    read = TraceEntry(rule_id="ear.other_group", as_of=date(2023, 3, 1), value=["RU"],
                      citation="15 CFR 744.21(a)(2)", source=path.name, quote="Next para here.")
    used = TraceEntry(rule_id="itar.kh", as_of=date(2023, 3, 1), value="denial",
                      citation="22 CFR 126.1(o)", source=path.name, quote="It is the policy")
    verdict = Verdict(status="prohibited", rule_ids=("itar.kh",), trace=(read, used))
    ev = evidence.rule_citations(verdict, _Chunks([chunk]))
    assert [c.rule_ids for c in ev.citations] == [("itar.kh",)]
