"""Everyday item words the catalogue does not hold -> branches over the CCL's candidates
(issue 9 point 5), through `regbot check` and through questions."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.rules import evaluate, extract_facts, load_rulebook
from bot.rules.datasets import load_tables


def check(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["check", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_thermal_camera_to_vietnam_branches_per_candidate_with_headings_quoted():
    """The bug: this was CANNOT DETERMINE ("classification is not known")."""
    data = check("--destination", "Vietnam", "--item", "thermal camera", "--end-use", "civil")
    assert data["status"] == "depends"
    by = {b["if"]["classification"]: b["status"] for b in data["branches"]}
    assert by["6A003"] == "license_required"  # NS Column 2: Vietnam has an X
    assert by["6A993"] == "no_license_required"  # AT only, no AT X for Vietnam
    assert by["EAR99"] == "no_license_required"
    tables = load_tables()
    note = next(r for r in data["reasons"] if "candidate" in r)
    for eccn in ("6A003", "6A993"):
        assert f"“{tables.entries[eccn].heading}” (15 CFR part 774, Supp. No. 1, ECCN {eccn})" \
            in note
        heading = next(t for t in data["trace"] if t["rule_id"] == f"ear-table:ccl:{eccn}:heading")
        assert heading["quote"] == f"{eccn} {tables.entries[eccn].heading}"
    assert data["missing_facts"] == ["classification"]
    assert "6A003" in data["clarifying_questions"][0]


def test_garmin_g1000_to_japan_all_branches_agree():
    data = check("--destination", "Japan", "--item", "Garmin G1000", "--end-use", "civil")
    assert data["status"] == "no_license_required"  # 7A994, AT only: never `depends` alone
    assert "7A994" in " ".join(data["reasons"])
    assert any(t["rule_id"] == "ear-table:ccl:7A994:heading" for t in data["trace"])


@pytest.mark.parametrize("words,destination,status,eccn", [
    ("servers", "Germany", "depends", "5A002"),
    ("lidar", "India", "depends", "6A008"),
    ("oscilloscope", "Brazil", "depends", "3A002"),
    ("satellite phone", "Mexico", "depends", "5A991"),  # 5A992.z: RS rows by paragraph
    ("router", "Iran", "prohibited", "5A992"),
    ("machine tool", "Germany", "no_license_required", "2B001"),
])
def test_everyday_words_through_check(words, destination, status, eccn):
    data = check("--destination", destination, "--item", words, "--end-use", "civil")
    assert data["status"] == status, data["reasons"]
    assert f"ear-table:ccl:{eccn}:heading" in {t["rule_id"] for t in data["trace"]}


def test_words_the_ccl_does_not_mention_fail_closed_and_say_so():
    data = check("--destination", "Vietnam", "--item", "banana smoothie", "--end-use", "civil")
    assert data["status"] == "cannot_determine"
    assert any("no Commerce Control List heading" in r for r in data["reasons"])


def test_catalogue_words_keep_the_catalogue_candidates():
    data = check("--destination", "KH", "--item", "avionics", "--as-of", "2026-11-27")
    assert {b["if"]["classification"] for b in data["branches"]} == {
        "USML XI", "USML VIII(h)", "7A994"}
    assert not any(t["rule_id"].endswith(":heading") for t in data["trace"])


@pytest.mark.parametrize("question,item", [
    ("Can we sell servers to a private company in India?", "server"),
    ("Can we sell a Garmin G1000 to a private company in Japan?", "garmin g1000"),
    ("Can we sell routers to a private company in Brazil?", "router"),
    ("Can we sell a lidar sensor to a private company in Germany?", "lidar"),
])
def test_questions_name_everyday_items(question, item):
    rulebook = load_rulebook()
    facts = extract_facts(question, date(2026, 12, 1), rulebook=rulebook)
    assert facts.item == item and facts.classification is None
    assert evaluate(facts, rulebook).status.value != "cannot_determine"


@pytest.mark.parametrize("question,item", [
    ("Can we ship to Vietnam?", None),  # a verb, not vessels
    ("Is shipping servers to India allowed?", "server"),
    ("We shipped a boat to Brazil, was that fine?", "boat"),
])
def test_shipping_is_not_an_item(question, item):
    assert extract_facts(question, date(2026, 12, 1)).item == item


def test_a_stated_classification_is_not_replaced_by_item_words():
    facts = extract_facts("Can we sell 7A994 servers to Japan?", date(2026, 12, 1))
    assert (facts.classification, facts.item) == ("7A994", None)


def test_curated_words_do_not_import_bm25s():
    """Keeps cold `regbot check` fast: the curated path needs PyStemmer only."""
    code = ("import sys; from bot.rules.datasets import load_tables; "
            "from bot.rules.datasets.search import find_candidates; "
            "r = find_candidates('thermal camera', load_tables()); "
            "print(r.classifications, 'bm25s' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split(")")[-1].split() == ["False", "False"]


def test_candidate_headings_are_cited_and_verify_against_the_snapshot():
    from bot.answers.cite import verdict_table_citations, verify_dataset_citation
    from bot.records import Facts

    verdict = evaluate(Facts(as_of=date(2026, 12, 1), destination="VN", item="thermal camera",
                             end_use="civil"), load_rulebook())
    headings = [t for t in verdict.trace if t.rule_id.endswith(":heading")]
    assert [t.rule_id for t in headings] == [f"ear-table:ccl:{e}:heading"
                                             for e in ("6A003", "6A993", "6A002")]
    assert all(verify_dataset_citation(t.rule_id, t.quote) for t in verdict.trace
               if t.rule_id.startswith("ear-table:"))
    assert not verify_dataset_citation("ear-table:ccl:6A003:heading", "6A003 Thermal cameras")
    assert len(verdict_table_citations(verdict)) >= 3
