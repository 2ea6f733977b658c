"""Engine properties that hold across the whole rulebook, not just the decision tables."""
from __future__ import annotations

import itertools
import shutil
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.records import STATUSES, Facts
from bot.rules import evaluate, extract_facts, load_rulebook
from bot.rules.loader import RULEBOOK_DIR, read_rulebook, valid_source

DATES = [date(2021, 6, 1), date(2023, 3, 1), date(2025, 11, 6), date(2025, 11, 8),
         date(2026, 2, 4), date(2026, 11, 27)]
CLASSES = [None, "USML XI", "9A610.x", "7A994", "9A991", "EAR99", "5A002"]
USES = [None, "civil", "military", "military-intelligence", "humanitarian-demining"]


def _grid():
    rulebook = load_rulebook()
    for dest, day, cls, use in itertools.product(rulebook.countries(), DATES, CLASSES, USES):
        facts = Facts(as_of=day, destination=dest, classification=cls, end_use=use,
                      item="avionics" if cls is None else None)
        yield facts, evaluate(facts, rulebook)


GRID = list(_grid())


def test_grid_covers_every_country():
    assert len(GRID) == len(load_rulebook().countries()) * len(DATES) * len(CLASSES) * len(USES)


def test_never_no_licence_when_a_needed_fact_is_unknown_or_silently_unverified():
    for facts, verdict in GRID:
        if verdict.status != "no_license_required":
            continue
        assert all(b.status == "no_license_required" for b in verdict.branches), facts
        assert verdict.rule_ids, f"NLR resting on nothing? {facts}"
        # an unconfirmed premise is always said; the EAR's tables (issue 9) are primary text
        if verdict.unverified:
            assert any(r.startswith("Unconfirmed") for r in verdict.reasons), facts
        else:
            assert any(r.startswith("ear-table:") for r in verdict.rule_ids), facts


def test_unverified_ids_are_rule_ids_resting_on_unverified_values():
    for facts, verdict in GRID:
        by_id = {t.rule_id: t for t in verdict.trace}
        assert set(verdict.unverified) <= set(verdict.rule_ids), facts
        expected = {r for r in verdict.rule_ids if not by_id[r].verified}
        assert set(verdict.unverified) == expected, facts


def test_trace_is_cited_and_dated():
    for facts, verdict in GRID:
        for entry in verdict.trace:
            assert entry.citation and entry.as_of == facts.as_of
            assert entry.valid_from <= facts.as_of
            assert entry.valid_until is None or facts.as_of <= entry.valid_until
            assert entry.source is None or valid_source(entry.source)
        assert set(verdict.rule_ids) <= {t.rule_id for t in verdict.trace}, facts


def test_status_is_depends_exactly_when_branches_disagree():
    for facts, verdict in GRID:
        statuses = {b.status for b in verdict.branches}
        if len(statuses) > 1:
            assert verdict.status == "depends", facts
            # one question per missing fact, and one asking who the buyer is: nobody was
            # screened (issue 10: the status follows item and destination, the questions ask)
            assert verdict.missing_facts and len(verdict.clarifying_questions) == len(
                verdict.missing_facts) + (not facts.parties)
            branch_lines = [r for r in verdict.reasons if r.startswith("If ")]
            assert len(branch_lines) == len(verdict.branches), facts  # one cited line each
        elif statuses:
            assert verdict.status == statuses.pop(), facts


def test_branch_conditions_are_valid_facts_that_reevaluate_to_the_branch_status():
    rulebook = load_rulebook()
    for facts, verdict in GRID[::7]:
        for branch in verdict.branches:
            again = evaluate(replace(facts, **branch.conditions), rulebook)
            assert again.status == branch.status, (facts, branch.conditions)


def test_evaluate_is_pure_and_deterministic():
    rulebook = load_rulebook()
    facts = Facts(as_of=date(2026, 11, 27), destination="KH", item="avionics")
    assert evaluate(facts, rulebook) == evaluate(facts, rulebook)
    assert facts == Facts(as_of=date(2026, 11, 27), destination="KH", item="avionics")


def test_no_matching_rule_fails_closed(tmp_path):
    """A rulebook that lacks the EAR rules cannot clear an EAR item: cannot_determine."""
    (tmp_path / "itar.yaml").write_bytes((RULEBOOK_DIR / "itar.yaml").read_bytes())
    partial = read_rulebook(tmp_path)
    facts = Facts(as_of=date(2026, 2, 4), destination="KH", classification="7A994",
                  end_use="civil")  # before the EAR tables' date: only the rulebook decides
    assert evaluate(facts, partial).status == "cannot_determine"
    assert evaluate(facts, load_rulebook()).status == "no_license_required"
    # the tables never clear a part 746 destination whose embargo the rulebook lacks
    cuba = Facts(as_of=date(2026, 11, 27), destination="CU", classification="7A994",
                 end_use="civil")
    assert evaluate(cuba, partial).status == "cannot_determine"


def test_before_the_first_dated_value_is_outside_the_rulebook(tmp_path):
    shutil.copytree(RULEBOOK_DIR, tmp_path / "rb")
    facts = Facts(as_of=date(1990, 1, 1), destination="KH", classification="USML XI")
    verdict = evaluate(facts, read_rulebook(tmp_path / "rb"))
    assert verdict.status == "cannot_determine"
    assert "1990-01-01" in verdict.reasons[0]


@pytest.mark.parametrize("question,status", [
    ("Can we sell avionics to Cambodia?", "depends"),
    ("Can we sell USML Category XI avionics to Cambodia in 2023?", "prohibited"),
    ("Can we sell Cat. XI avionics to Cambodia for demining in 2023?", "license_required"),
    ("7A994 flight instruments for a Cambodian airline?", "no_license_required"),
    ("7A994 avionics for the Cambodian air force?", "license_required"),
    ("9A610.x parts to Phnom Penh before the embargo was lifted", "prohibited"),
    ("Can we sell avionics to Wakanda?", "cannot_determine"),
    ("EAR99 medicine to Havana", "prohibited"),
])
def test_question_to_verdict(question, status):
    facts = extract_facts(question, date(2026, 11, 27))
    assert evaluate(facts, load_rulebook()).status == status


def test_bench_script_prints_its_figures(capsys):
    from bench.bench_rules import main

    main(["--repeat", "10"])
    out = capsys.readouterr().out
    assert "load rulebook (uncached)" in out and "evaluate KH avionics" in out


def _edge_dates(rulebook) -> list[date]:
    """Every boundary of every dated value (and the day either side), plus far-off dates."""
    days = {date(1, 1, 1), date(1999, 6, 1), date(9999, 12, 31)}
    for rule in rulebook.rules.values():
        for value in rule.values:
            for edge in (value.valid_from, value.valid_until):
                if edge is not None and date(1, 1, 2) < edge < date(9999, 12, 30):
                    days.update({edge - timedelta(days=1), edge, edge + timedelta(days=1)})
    return sorted(days)


def test_every_date_and_fact_combination_gives_a_verdict_never_an_error():
    """Dates outside a rule's coverage (e.g. 1999 for 600-series to Cambodia) fail closed."""
    rulebook = load_rulebook()
    items = [None, "avionics", "aircraft parts", "food and medicine", "widgets"]
    users = [None, "army", "airline"]
    count = 0
    for day, dest in itertools.product(_edge_dates(rulebook), (*rulebook.countries(), "FR")):
        for cls, use, user, item in itertools.product(CLASSES + ["USML", "9A515.a"], USES,
                                                      users, items):
            if cls is not None and item is not None:
                continue
            facts = Facts(as_of=day, destination=dest, classification=cls, end_use=use,
                          end_user=user, item=item)
            verdict = evaluate(facts, rulebook)  # must not raise
            assert verdict.status in STATUSES, facts
            count += 1
    assert count > 10_000


@pytest.mark.parametrize("facts", [
    Facts(as_of=date(1999, 6, 1), destination="KH", classification="9A610.x", end_use="civil"),
    Facts(as_of=date(1999, 6, 1), destination="KH", classification="USML XI"),
    Facts(as_of=date(1999, 6, 1), destination="KH", classification="7A994", end_use="civil"),
    Facts(as_of=date(1999, 6, 1), destination="KH", classification="EAR99", end_use="civil"),
])
def test_a_needed_rule_not_yet_in_force_is_cannot_determine(facts):
    verdict = evaluate(facts, load_rulebook())
    assert verdict.status == "cannot_determine"
    assert any("1999-06-01" in r and "cannot say" in r for r in verdict.reasons)


def test_an_item_word_verdict_says_which_classifications_were_assumed():
    rulebook = load_rulebook()
    food = evaluate(Facts(as_of=date(2026, 11, 27), destination="KH", item="food and medicine"),
                    rulebook)
    assert food.status == "no_license_required"
    note = next(r for r in food.reasons if r.startswith("No classification was given"))
    assert "(EAR99)" in note and "not confirmed" not in note  # § 746.4(a), quoted
    bandages = evaluate(Facts(as_of=date(2026, 11, 27), destination="KH", item="bandages"),
                        rulebook)
    note = next(r for r in bandages.reasons if r.startswith("No classification was given"))
    assert "not confirmed by the corpus: EAR99" in note
    avionics = evaluate(Facts(as_of=date(2023, 3, 1), destination="KH", item="avionics"),
                        rulebook)
    note = next(r for r in avionics.reasons if r.startswith("No classification was given"))
    assert "USML XI, USML VIII(h), 7A994" in note and "confirmed by the corpus: USML VIII(h)" in note
    classified = evaluate(Facts(as_of=date(2023, 3, 1), destination="KH", item="avionics",
                                classification="7A994", end_use="civil"), rulebook)
    assert not any(r.startswith("No classification") for r in classified.reasons)
