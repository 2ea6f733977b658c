"""The gold loader: the project's set loads and meets the issue's coverage; bad files say where."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from bot.eval.adapters import JsonlMapping, load_jsonl_gold
from bot.eval.gold import GoldError, load_gold, load_gold_file

GOLD = Path(__file__).resolve().parents[1] / "gold"


@pytest.fixture(scope="module")
def gold():
    return load_gold([GOLD])


def test_project_gold_set_coverage(gold, corpus_dir):
    items = gold.items
    assert len(items) >= 80
    assert sum(i.must_abstain for i in items) >= 15
    assert gold.corpus_dirs == (corpus_dir.resolve(),)
    tags = Counter(t for i in items for t in i.tags)
    for tag in ("cambodia", "nicaragua", "china", "venezuela", "burma", "russia", "belarus", "cuba",
                "iran", "syria", "north-korea", "timeline", "avionics", "flight-instruments",
                "aircraft-parts", "night-vision", "drone", "encryption", "600-series", "ear99",
                "civil", "army", "navy", "police", "airline", "military-intelligence", "demining",
                "military-aircraft", "civil-aircraft", "reexport"):
        assert tags[tag] >= 1, tag
    kh_dates = {i.as_of.isoformat() for i in items if "cambodia" in i.tags and i.as_of}
    assert {"2025-11-06", "2025-11-08", "2026-02-04"} <= kh_dates
    assert len({i.status for i in items if i.asks_verdict}) == 5
    assert tags["phrasing"] >= 8  # lower case, typos, ISO codes, slang, negation


# Strata for the held-out split: every country the rulebook covers, the must-abstain questions, and the
# item kinds, end users and periods that decide verdicts.
STRATA = ("cambodia", "nicaragua", "china", "venezuela", "burma", "russia", "belarus", "iran", "cuba",
          "syria", "north-korea", "unanswerable", "timeline", "itar", "ear", "600-series", "avionics",
          "aircraft-parts", "night-vision", "ear99", "civil", "military", "military-intelligence",
          "branches", "phrasing", "police", "encryption", "embargo")


def test_held_out_split_is_a_third_and_stratified(gold):
    """dev holds the items every setting was tuned on; test (>= 1/3) was written fresh and held out."""
    assert gold.splits == ("dev", "test") and all(i.split in ("dev", "test") for i in gold.items)
    test = [i for i in gold.items if i.split == "test"]
    assert len(test) >= len(gold.items) / 3
    verdicts = [i for i in gold.items if i.asks_verdict]  # the kinds are stratified on their own
    for tag in STRATA:
        n = sum(tag in i.tags for i in verdicts)
        held = sum(tag in i.tags for i in test if i.asks_verdict)
        assert held >= 1 and held / n >= 0.2, f"tag {tag}: {held} of {n} items held out"
    for status in ("prohibited", "license_required", "no_license_required", "depends", "cannot_determine"):
        assert sum(i.status == status for i in test) >= 5, status
    assert sum(i.must_abstain for i in test) >= 10
    # the held-out items are new questions, not dev items moved or copied (the loader refuses that)
    assert {i.id for i in test}.isdisjoint(i.id for i in gold.items if i.split == "dev")


def test_fact_timeline_and_document_questions_are_a_gold_set_of_their_own(gold):
    """Issue 12: >= 40 questions that ask for no verdict, each with the facts its answer must
    state, every kind in both parts and a third of them held out."""
    kinds = [i for i in gold.items if i.kind in ("fact", "timeline", "document")]
    assert len(kinds) >= 40 and all(i.must_contain and not i.asks_verdict for i in kinds)
    assert sum(i.split == "test" for i in kinds) >= len(kinds) / 3
    for kind in ("fact", "timeline", "document"):
        assert {i.split for i in kinds if i.kind == kind} == {"dev", "test"}, kind
    assert sum(i.kind == "off_topic" for i in gold.items) >= 4


def test_every_label_change_and_known_failure_is_in_the_docs(gold):
    """docs/evaluation.md lists every gold label change with its reason, and every known engine failure."""
    doc = (GOLD.parents[1] / "docs" / "evaluation.md").read_text(encoding="utf-8")
    changed = [i for i in gold.items if i.label_changes]
    assert {i.id for i in changed} >= {"kh-night-vision-police", "kh-encryption"}
    for item in changed:
        assert f"`{item.id}`" in doc.split("## Gold label changes")[1].split("\n## ")[0], item.id
        assert item.label_changes[-1].to_status == item.status
    for item in (i for i in gold.items if i.known_failure):
        assert f"`{item.id}`" in doc.split("## Known engine failures")[1].split("\n## ")[0], item.id

def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "g.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("body, needle", [
    ("items:\n  - {id: a1, question: q, status: allowed}", "item 'a1': field 'status'"),
    ("items:\n  - {id: a1, question: '  ', status: depends}", "item 'a1': field 'question'"),
    ("items:\n  - {id: A 1, question: q, status: depends}", "item #1: field 'id'"),
    ("items:\n  - {id: a1, question: q, status: depends, colour: red}", "item 'a1': field 'colour'"),
    ("items:\n  - {id: a1, question: q, status: depends, as_of: 2025-13-01}", "field 'as_of'"),
    ("items:\n  - {id: a1, question: q, status: depends, facts: {destination: Cambodia}}",
     "field 'facts.destination'"),
    ("items:\n  - {id: a1, question: q, status: depends, facts: {end_use: war}}", "field 'facts.end_use'"),
    ("items:\n  - {id: a1, question: q, status: depends, facts: {colour: red}}", "field 'facts.colour'"),
    ("items:\n  - {id: a1, question: q, status: depends, sources: [{page: 3}]}", "field 'sources[0]'"),
    ("items:\n  - {id: a1, question: q, status: depends, tags: [Bad Tag]}", "field 'tags'"),
    ("items:\n  - {id: a1, question: q, status: depends, must_abstain: maybe}", "field 'must_abstain'"),
    ("items: [\n", "invalid YAML"),
    ("items:\n  - id: a1\n    question: q\n    status: depends\n    status: prohibited\n",
     "duplicate key(s) status"),
    ("questions: []", "expected a mapping with an 'items' list"),
    ("version: 2\nitems: []", "field 'version'"),
    ("corpus: nowhere\nitems: []", "field 'corpus'"),
    ("split: train\nitems: []", "field 'split'"),
    ("items:\n  - {id: a1, question: q, status: depends, known_failure: [x]}", "field 'known_failure'"),
    ("items:\n  - {id: a1, question: q, status: depends, kind: chat}", "field 'kind'"),
    ("items:\n  - {id: a1, question: q, kind: fact}", "field 'must_contain'"),
    ("items:\n  - {id: a1, question: q, kind: fact, must_contain: []}", "field 'must_contain'"),
    ("items:\n  - {id: a1, question: q, kind: fact, must_contain: [D:1, [' ']]}", "field 'must_contain[1]'"),
    ("items:\n  - {id: a1, question: q, kind: off_topic}", "field 'status'"),
    ("items:\n  - {id: a1, question: q, kind: fact, must_contain: [Yes]}", "field 'must_contain[0]'"),
    ("items:\n  - {id: a1, question: q, status: depends, label_changes: []}", "field 'label_changes'"),
    ("items:\n  - {id: a1, question: q, status: depends, label_changes: [{date: 2026-12-01, from: depends,"
     " to: maybe, reason: r, commit: abc1234}]}", "field 'label_changes[0]'"),
    ("items:\n  - {id: a1, question: q, status: depends, label_changes: [{date: 2026-12-01,"
     " from: prohibited, to: depends, commit: abc1234}]}", "field 'label_changes[0].reason'"),
    ("items:\n  - {id: a1, question: q, status: depends, label_changes: [{date: 2026-12-01,"
     " from: prohibited, to: depends, reason: r}]}", "field 'label_changes[0].sources'"),
    ("items:\n  - {id: a1, question: q, status: depends, label_changes: [{date: 2026-12-01,"
     " from: prohibited, to: depends, reason: r, commit: not-a-sha}]}", "field 'label_changes[0].commit'"),
    ("items:\n  - {id: a1, question: q, status: depends, label_changes: [{date: someday,"
     " from: prohibited, to: depends, reason: r, commit: abc1234}]}", "field 'label_changes[0].date'"),
    ("items:\n  - {id: a1, question: q, status: depends, label_changes: [{date: 2026-12-01,"
     " from: prohibited, to: license_required, reason: r, commit: abc1234}]}", "but status is 'depends'"),
    ("items:\n  - id: a1\n    question: q\n    status: depends\n    label_changes:\n"
     "      - {date: 2026-11-01, from: prohibited, to: license_required, reason: r, commit: abc1234}\n"
     "      - {date: 2026-12-01, from: prohibited, to: depends, reason: r, commit: abc1234}\n",
     "field 'label_changes[1].from'"),
])
def test_bad_gold_files_name_file_item_and_field(tmp_path, body, needle):
    path = write(tmp_path, body)
    with pytest.raises(GoldError) as info:
        load_gold_file(path)
    assert str(path) in str(info.value) and needle in str(info.value)


def test_fact_items_need_no_status_and_list_alternatives(tmp_path):
    path = write(tmp_path, "items:\n  - {id: a1, question: 'Is Cambodia in D:1?', kind: fact,"
                           " must_contain: ['Yes', ['D:1', 'Country Group D:1']]}")
    item = load_gold_file(path)[0][0]
    assert item.kind == "fact" and item.status == "" and not item.asks_verdict
    assert item.must_contain == (("Yes",), ("D:1", "Country Group D:1"))


def test_non_utf8_gold_file(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_bytes(b"items:\n  - {id: a1, question: \"\xff\", status: depends}\n")
    with pytest.raises(GoldError, match="not UTF-8"):
        load_gold_file(path)


def test_sources_are_checked_against_the_corpus(tmp_path, corpus_dir):
    base = f"corpus: {corpus_dir}\nitems:\n  - id: a1\n    question: q\n    status: depends\n"
    with pytest.raises(GoldError, match=r"item 'a1': field 'sources\[0\].file'"):
        load_gold_file(write(tmp_path, base + "    sources: [no-such-file.md]\n"))
    f = "2021-12-15_exportcompliancesolutions_cambodia-126-1-and-ear-meu_excerpt.txt"
    with pytest.raises(GoldError, match=r"field 'sources\[0\].quote'"):
        load_gold_file(write(tmp_path, base + f"    sources: [{{file: {f}, quote: invented words}}]\n"))
    items, _ = load_gold_file(write(tmp_path, base + f"    sources: [{{file: {f}, quote: 'third country\n      added'}}]\n"))
    assert items[0].sources[0].file == f


def test_label_change_sources_are_checked_against_the_corpus(tmp_path, corpus_dir):
    f = "2026-02-10_ecfr_15cfr744.21_military-end-use-user.md"
    base = (f"corpus: {corpus_dir}\nitems:\n  - id: a1\n    question: q\n    status: license_required\n"
            "    label_changes:\n      - {date: 2026-12-01, from: depends, to: license_required, reason: r,\n"
            "         sources: [{file: %s, quote: %s}]}\n")
    items, _ = load_gold_file(write(tmp_path, base % (f, "national guard and national police")))
    change = items[0].label_changes[0]
    assert (change.from_status, change.to_status, change.sources[0].file) == ("depends", "license_required", f)
    with pytest.raises(GoldError, match=r"field 'label_changes\[0\].sources\[0\].quote'"):
        load_gold_file(write(tmp_path, base % (f, "national fire brigade")))
    # the EAR's own tables beside the corpus may be cited too
    ear = "../ear/country-chart.json"
    items, _ = load_gold_file(write(tmp_path, base % (ear, "'\"Cambodia\": { \"x\": [ \"CB 1\"'")))
    assert items[0].label_changes[0].sources[0].file == ear


def test_a_question_cannot_be_in_both_splits(tmp_path):
    (tmp_path / "dev.yaml").write_text("split: dev\nitems:\n  - {id: d1, question: 'Avionics to Cambodia?', "
                                       "status: depends}\n")
    (tmp_path / "test.yaml").write_text("split: test\nitems:\n  - {id: t1, question: '  avionics to  "
                                        "cambodia?', status: depends}\n")
    with pytest.raises(GoldError, match=r"item 't1': field 'question': also asked by 'd1' in the dev part"):
        load_gold([tmp_path])


def test_folders_are_read_recursively_with_their_split(tmp_path):
    (tmp_path / "dev").mkdir()
    (tmp_path / "test").mkdir()
    (tmp_path / "dev" / "a.yaml").write_text("split: dev\nitems:\n  - {id: one, question: q1, status: depends}\n")
    (tmp_path / "test" / "b.yaml").write_text("split: test\nitems:\n  - {id: two, question: q2, status: depends}\n")
    gold = load_gold([tmp_path])
    assert [(i.id, i.split) for i in gold.items] == [("one", "dev"), ("two", "test")]
    assert gold.splits == ("dev", "test")


def test_duplicate_ids_across_files(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("items:\n  - {id: same, question: q, status: depends}\n")
    with pytest.raises(GoldError, match="duplicate"):
        load_gold([tmp_path])


def test_jsonl_adapter_maps_question_label_and_evidence(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rule.md").write_text("Intro. It is the policy to deny licenses for X. End.", encoding="utf-8")
    rows = [
        {"qid": "Ext-1", "query": "Can we ship X to Y?", "answer": "Denied",
         "evidence": [{"doc": "rule.md", "section": "15 CFR 1.2", "text": "deny licenses"}], "tags": ["ext"]},
        {"qid": "ext-2", "query": "Tariff on X?", "answer": "out of scope"},
        {"qid": "ext-3", "query": "Span?", "answer": "licence needed",
         "evidence": [{"doc": "rule.md", "start": 7, "end": 20}, "a bare quote"], "as_of": "2024-01-02"},
    ]
    path = tmp_path / "ext.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    mapping = JsonlMapping(id_field="qid", question_field="query", label_field="answer")
    items = load_jsonl_gold(path, mapping, corpus)
    assert [i.id for i in items] == ["ext-1", "ext-2", "ext-3"]
    assert [i.status for i in items] == ["prohibited", "cannot_determine", "license_required"]
    assert items[0].sources[0].file == "rule.md" and items[0].sources[0].locator == "15 CFR 1.2"
    assert items[1].must_abstain and not items[0].must_abstain
    assert items[2].sources[0].quote == "It is the pol" and items[2].sources[1].quote == "a bare quote"
    assert items[2].as_of.isoformat() == "2024-01-02"


@pytest.mark.parametrize("line, needle", [
    ('{"id": "x", "question": "q", "label": "perhaps"}', "no status for label 'perhaps'"),
    ('{"id": "x", "question": "q", "label": "allowed", "evidence": [{"doc": "a.md", "start": 0, "end": 3}]}',
     "needs a doc and a corpus"),
    ("not json", "invalid JSON"),
    ('{"id": "x", "label": "allowed"}', "field 'question'"),
])
def test_jsonl_adapter_errors_name_the_line(tmp_path, line, needle):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "ok", "question": "q", "label": "denied"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(GoldError) as info:
        load_jsonl_gold(path)
    assert "line 2" in str(info.value) or "item #2" in str(info.value) or "item 'x'" in str(info.value)
    assert needle in str(info.value)


def test_every_rulebook_country_has_a_gold_question(gold):
    """'Covering every covered country': derived from the rulebook, so a new country needs gold items."""
    from bot.rules import load_rulebook

    asked = {i.facts.get("destination") for i in gold.items}
    missing = set(load_rulebook().countries()) - asked
    assert not missing, f"no gold item states destination {sorted(missing)}"


def test_a_file_named_twice_is_loaded_once(tmp_path):
    (tmp_path / "a.yaml").write_text("items:\n  - {id: one, question: q, status: depends}\n")
    gold = load_gold([tmp_path, tmp_path / "a.yaml", tmp_path / "." / "a.yaml"])
    assert [i.id for i in gold.items] == ["one"]


def test_jsonl_spans_and_quotes_use_the_corpus_folder(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rule.md").write_text("Intro. It is the policy to deny licenses for X. End.", encoding="utf-8")
    path = tmp_path / "ext.jsonl"
    path.write_text(json.dumps({"id": "s1", "question": "q", "label": "denied",
                                "evidence": [{"doc": "rule.md", "start": 7, "end": 20}]}) + "\n")
    gold = load_gold([path], corpus_dirs=(corpus,))
    assert gold.items[0].sources[0].quote == "It is the pol" and gold.corpus_dirs == (corpus.resolve(),)
    path.write_text(json.dumps({"id": "s2", "question": "q", "label": "denied",
                                "evidence": [{"doc": "rule.md", "text": "approve all licenses"}]}) + "\n")
    with pytest.raises(GoldError, match=r"item 's2': field 'sources\[0\].quote'"):
        load_gold([path], corpus_dirs=(corpus,))
    with pytest.raises(GoldError, match="--corpus: no such folder"):
        load_gold([path], corpus_dirs=(tmp_path / "nowhere",))


def test_support_is_what_shown_quotes_are_scored_against(tmp_path):
    """`support` (primary provisions) replaces `sources` for precision; absent, sources serve."""
    path = tmp_path / "g.yaml"
    path.write_text(
        "version: 1\nitems:\n"
        "  - id: a\n    question: Can we?\n    status: license_required\n"
        "    sources: [news.txt]\n"
        "    support: [rule.md, {citation: '15 CFR part 774, Supp. No. 1, ECCN 7A994'}]\n"
        "  - id: b\n    question: Can we?\n    status: license_required\n"
        "    sources: [rule.md]\n")
    a, b = load_gold([path]).items
    assert [r.file for r in a.sources] == ["news.txt"]
    assert a.support_refs[0].file == "rule.md" and a.support_refs[1].citation.endswith("7A994")
    assert b.support_refs == b.sources


def test_support_labels_follow_their_written_rules():
    """Every gold `support` label is what tests/eval/label_support.py's rules give (derived
    from the item's facts, date and status, never from regbot's answers)."""
    script = Path(__file__).with_name("label_support.py")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
