"""Dates as periods (issue 11 point 1): every date phrase -> a period kept in the facts, and a
verdict over the period that branches on the dates where a rule changes inside it."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.records import Facts, Period, Status
from bot.rules import evaluate, extract_facts, load_rulebook
from bot.rules.dates import DateError, find_period, parse_as_of, window
from bot.rules.facts import FactsError

TODAY = date(2026, 12, 1)
D = date.fromisoformat

# (question, (start or None, end), phrase) with today pinned to TODAY
PERIODS = [
    ("Could we ship it on 2025-11-06?", ("2025-11-06", "2025-11-06"), "2025-11-06"),
    ("ship it on November 8, 2025", ("2025-11-08", "2025-11-08"), "November 8, 2025"),
    ("Could we ship avionics to Cambodia in March 2024?", ("2024-03-01", "2024-03-31"),
     "March 2024"),
    ("in November 2025", ("2025-11-01", "2025-11-30"), "November 2025"),
    ("in February 2024", ("2024-02-01", "2024-02-29"), "February 2024"),  # a leap year
    ("USML XI to Cambodia in Q4 2025", ("2025-10-01", "2025-12-31"), "Q4 2025"),
    ("in the third quarter of 2024", ("2024-07-01", "2024-09-30"), "third quarter of 2024"),
    ("Could we sell it in 2021?", ("2021-01-01", "2021-12-31"), "2021"),
    ("and in 2025?", ("2025-01-01", "2025-12-31"), "2025"),
    ("7A994 to a Russian airline after February 2022?", ("2022-03-01", "2026-12-01"),
     "after February 2022"),
    ("since February 2022", ("2022-02-01", "2026-12-01"), "since February 2022"),
    ("since 24 February 2022", ("2022-02-24", "2026-12-01"), "since 24 February 2022"),
    ("after 2021-12-08", ("2021-12-09", "2026-12-01"), "after 2021-12-08"),
    ("before November 7, 2025", (None, "2025-11-06"), "before November 7, 2025"),
    ("prior to 2022", (None, "2021-12-31"), "prior to 2022"),
    ("until March 2024", (None, "2024-03-31"), "until March 2024"),
    ("between 2021 and 2023", ("2021-01-01", "2023-12-31"), "between 2021 and 2023"),
    ("between March 2024 and 2025-11-06", ("2024-03-01", "2025-11-06"),
     "between March 2024 and 2025-11-06"),
    ("from Q1 2024 to Q2 2024", ("2024-01-01", "2024-06-30"), "from Q1 2024 to Q2 2024"),
    ("last year", ("2025-01-01", "2025-12-31"), "last year"),
    ("last month", ("2026-11-01", "2026-11-30"), "last month"),
    ("this year", ("2026-01-01", "2026-12-31"), "this year"),
    ("next month", ("2027-01-01", "2027-01-31"), "next month"),
    ("next year", ("2027-01-01", "2027-12-31"), "next year"),
    ("last quarter", ("2026-07-01", "2026-09-30"), "last quarter"),
    ("since last year", ("2025-01-01", "2026-12-01"), "since last year"),
    ("yesterday", ("2026-11-30", "2026-11-30"), "yesterday"),
    ("last March", ("2026-03-01", "2026-03-31"), "last March"),
]


@pytest.mark.parametrize("text,span,phrase", PERIODS, ids=[p[0] for p in PERIODS])
def test_phrase_gives_the_period(text, span, phrase):
    period = find_period(text, TODAY)
    assert period == Period(D(span[0]) if span[0] else None, D(span[1]), phrase)


def test_before_a_day_ends_the_day_before_it():
    period = find_period("avionics to the Cambodian army before November 7, 2025", TODAY)
    assert period.end == date(2025, 11, 6) and period.start is None
    assert date(2025, 11, 7) not in (period.start, period.end)


@pytest.mark.parametrize("text", ["no date at all", "per 15 CFR 744.21(a)(1) and 22 CFR 126.1",
                                  "FR Doc. 2026-02262 says what?"])
def test_no_date_no_period(text):
    assert find_period(text, TODAY) is None


@pytest.mark.parametrize("text,words", [
    ("avionics to Cambodia on 01/06/2025", "ambiguous"),
    ("between 01/06/2025 and 2025-12-01", "ambiguous"),
    ("between 2024 and 2022", "ends before it starts"),
    ("on 2025-02-30", "not a real date")])
def test_ambiguous_or_impossible_dates_stay_refused(text, words):
    with pytest.raises(DateError, match=words):
        find_period(text, TODAY)
    with pytest.raises(FactsError, match=words):
        extract_facts(text, TODAY)


def test_facts_keep_the_period_and_as_of_is_its_last_day_up_to_today():
    past = extract_facts("avionics to Cambodia in 2021", TODAY)
    assert past.period == Period(date(2021, 1, 1), date(2021, 12, 31), "2021")
    assert past.as_of == date(2021, 12, 31) and past.date_phrase == "2021"
    future = extract_facts("avionics to Cambodia next year", TODAY)
    assert future.as_of == TODAY and future.period.start == date(2027, 1, 1)
    assert future.contract_dict()["period"] == {"start": "2027-01-01", "end": "2027-12-31",
                                                "phrase": "next year"}
    follow = extract_facts("and to Russia?", TODAY, previous=past)
    assert follow.period == past.period and follow.destination == "RU"


def test_as_of_accepts_the_same_phrases():
    assert parse_as_of("Q4 2025", TODAY) == Period(date(2025, 10, 1), date(2025, 12, 31), "Q4 2025")
    assert parse_as_of("2025-11-08", TODAY) == Period.day(date(2025, 11, 8), "2025-11-08")
    with pytest.raises(DateError):
        parse_as_of("soon", TODAY)
    stated = parse_as_of("last year", TODAY)
    facts = extract_facts("7A994 to a Russian airline", TODAY, period=stated)
    assert facts.period == stated and facts.as_of == date(2025, 12, 31)
    # the question's own date wins over the --as-of period
    own = extract_facts("7A994 to a Russian airline in 2021", TODAY, period=stated)
    assert own.period.start == date(2021, 1, 1)


def test_period_iso_round_trip():
    for period in (Period(date(2022, 2, 24), date(2026, 12, 1)), Period(None, date(2022, 2, 23)),
                   Period.day(date(2025, 11, 6))):
        assert Period.parse(period.iso) == period
        assert Facts(as_of=TODAY, period=period.iso).period == period  # a branch condition
    with pytest.raises(ValueError):
        Period.parse("2026-01-02/2026-01-01")


def test_window_clips_the_future_to_today():
    assert window(Period(date(2027, 1, 1), date(2027, 12, 31)), TODAY) == (TODAY, TODAY, True)
    assert window(Period(date(2026, 1, 1), date(2026, 12, 31)), TODAY) == (
        date(2026, 1, 1), TODAY, True)
    assert window(Period(None, date(2021, 12, 31)), date(2021, 12, 31))[0] == date(2000, 1, 1)


# --------------------------------------------------------------------------- verdicts


def _ask(question: str):
    rulebook = load_rulebook()
    facts = extract_facts(question, TODAY, rulebook=rulebook)
    return facts, evaluate(facts, rulebook)


def _dated(verdict) -> list[tuple[Period, str]]:
    return [(Period.parse(b.conditions["period"]), b.status) for b in verdict.branches
            if "period" in b.conditions]


def test_russian_airline_after_february_2022_is_never_no_licence():
    facts, verdict = _ask("Do we need a licence to ship 7A994 avionics to a Russian airline "
                          "after February 2022?")
    assert facts.period == Period(date(2022, 3, 1), TODAY, "after February 2022")
    assert verdict.status != Status.NO_LICENSE_REQUIRED
    assert all(b.status != Status.NO_LICENSE_REQUIRED for b in verdict.branches)


def test_russia_2022_gives_dated_branches():
    _, verdict = _ask("Do we need a licence to ship 7A994 avionics to a Russian airline in 2022?")
    assert verdict.status == Status.DEPENDS and "period" in verdict.missing_facts
    dated = _dated(verdict)
    assert dated[0] == (Period(date(2022, 1, 1), date(2022, 2, 23)), Status.NO_LICENSE_REQUIRED)
    assert dated[-1] == (Period(date(2022, 2, 24), date(2022, 12, 31)), Status.LICENSE_REQUIRED)
    assert any("from 2022-02-24 to 2022-12-31: licence required" in r for r in verdict.reasons)
    assert any("2022-02-24" in q for q in verdict.clarifying_questions)


def test_since_february_2022_splits_on_the_day_746_8_took_effect():
    _, verdict = _ask("7A994 avionics to a Russian airline since February 2022?")
    dated = _dated(verdict)
    assert [p.start for p, _ in dated] == [date(2022, 2, 1), date(2022, 2, 24)]
    assert dated[-1] == (Period(date(2022, 2, 24), TODAY), Status.LICENSE_REQUIRED)


def test_cambodia_2025_splits_on_the_126_1_change():
    _, verdict = _ask("Can we export USML XI to Cambodia in 2025?")
    assert _dated(verdict) == [
        (Period(date(2025, 1, 1), date(2025, 11, 6)), Status.PROHIBITED),
        (Period(date(2025, 11, 7), date(2025, 12, 31)), Status.LICENSE_REQUIRED)]
    _, quarter = _ask("Can we export USML XI to Cambodia in Q4 2025?")
    assert [p.start for p, _ in _dated(quarter)] == [date(2025, 10, 1), date(2025, 11, 7)]


def test_before_november_7_2025_ends_under_the_embargo():
    facts, verdict = _ask("Could we export USML XI to Cambodia before November 7, 2025?")
    assert facts.as_of == date(2025, 11, 6)
    dated = _dated(verdict)
    assert dated[-1][0].end == date(2025, 11, 6) and dated[-1][1] == Status.PROHIBITED
    assert dated[0][0].start is None  # open: "before 2021-12-09"
    assert any(r.startswith("If shipped before 2021-12-09") for r in verdict.reasons)
    assert all(p.end < date(2025, 11, 7) for p, _ in dated)


def test_cambodia_d5_change_in_2026_leaves_the_600_series_answer_alone():
    """FR Doc. 2026-02262 took the D:5 "X" off Cambodia on 2026-02-03; the State list had
    controlled since 2025-11-07 (Note to D:5), so 2026 has one answer, and the period says so."""
    _, verdict = _ask("9A610.x for a civil end use in Cambodia in 2026?")
    assert verdict.status == Status.LICENSE_REQUIRED and not _dated(verdict)
    assert any("whole period asked about ('2026'" in r for r in verdict.reasons)
    assert any("in the future" in r for r in verdict.reasons)  # 2026-12 after TODAY
    _, across = _ask("9A610.x for a civil end use in Cambodia between 2025 and 2026?")
    assert [(p.start, s) for p, s in _dated(across)] == [
        (date(2025, 1, 1), Status.PROHIBITED), (date(2025, 11, 7), Status.LICENSE_REQUIRED)]


def test_future_is_answered_on_todays_rules_with_a_warning():
    facts, verdict = _ask("Can we sell 7A994 avionics to a Cambodian airline next year?")
    today = evaluate(replace(facts, period=None), load_rulebook())
    assert facts.as_of == TODAY and verdict.status == today.status
    assert any("in the future" in r and "may change" in r for r in verdict.reasons)
    _, month = _ask("USML XI to Cambodia next month?")
    assert any("in the future" in r for r in month.reasons)


QUESTIONS = [f"{what} to {where} {when}?" for what in ("7A994 avionics", "USML XI", "9A610.x",
                                                        "EAR99", "avionics")
             for where in ("Cambodia", "a Russian airline", "Syria", "Nicaragua", "the Belarusian army")
             for when in ("in 2022", "since 2021", "before November 7, 2025", "last year",
                          "between 2024 and 2026")]


def test_dated_branches_keep_the_branch_contract():
    """Depends exactly when the branches disagree; one 'If' line per branch; and each branch's
    `if` (its period included) re-evaluates to the branch's status."""
    rulebook = load_rulebook()
    dated = 0
    for question in QUESTIONS:
        facts = extract_facts(question, TODAY, rulebook=rulebook)
        verdict = evaluate(facts, rulebook)
        statuses = {b.status for b in verdict.branches}
        if len(statuses) > 1:
            assert verdict.status == Status.DEPENDS, question
            assert len([r for r in verdict.reasons if r.startswith("If ")]) == len(
                verdict.branches), question
        elif statuses:
            assert verdict.status == statuses.pop(), question
        for branch in verdict.branches:
            dated += "period" in branch.conditions
            again = evaluate(replace(facts, **branch.conditions), rulebook)
            assert again.status == branch.status, (question, branch.conditions)
        assert set(verdict.unverified) <= set(verdict.rule_ids)
    assert dated >= 20


# --------------------------------------------------------------------------- the CLI


def _check(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["check", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_check_as_of_accepts_a_period_and_reports_it():
    out = _check("-d", "RU", "-c", "7A994", "--end-use", "civil", "--as-of", "in 2022")
    assert out["facts"]["period"] == {"start": "2022-01-01", "end": "2022-12-31",
                                      "phrase": "in 2022"}
    assert out["status"] == "depends"
    assert [b["if"]["period"] for b in out["branches"]] == ["2022-01-01/2022-02-23",
                                                            "2022-02-24/2022-12-31"]
    day = _check("-d", "KH", "-c", "USML XI", "--as-of", "2025-11-06")
    assert day["facts"]["period"] == {"start": "2025-11-06", "end": "2025-11-06",
                                      "phrase": "2025-11-06"}
    assert day["facts"]["as_of"] == "2025-11-06" and day["status"] == "prohibited"


def test_check_as_of_refuses_an_unreadable_or_ambiguous_date():
    for bad in ("soon", "01/06/2025", "2025-02-30"):
        result = CliRunner().invoke(cli, ["check", "-d", "KH", "--as-of", bad])
        assert result.exit_code in (1, 2) and "Traceback" not in result.output, bad
