"""Decision tables: every YAML case under tests/rules/cases is its own test."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.records import Facts
from bot.rules import evaluate, load_rulebook

CASES_DIR = Path(__file__).with_name("cases")
CASE_KEYS = {"name", "facts", "status", "rule_ids", "unverified", "missing_facts", "branches",
             "note"}  # note: what was hand-checked, and against what


def _load_cases() -> list[dict]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            case["_file"] = path.name
            cases.append(case)
    return cases


CASES = _load_cases()


def _facts(raw: dict) -> Facts:
    """Facts from a case; `as_of: today` is the day the test runs (the issue's "today")."""
    raw = dict(raw)
    day = str(raw["as_of"])
    raw["as_of"] = date.today() if day == "today" else date.fromisoformat(day)
    return Facts(**raw)


def test_enough_cases_are_collected():
    """Zero (or too few) cases collected is a failure, not a silent pass."""
    assert len(CASES) >= 150, f"only {len(CASES)} decision-table cases found in {CASES_DIR}"
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    assert sum(str(c["facts"]["as_of"]) == "today" for c in CASES) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    assert set(case) - {"_file"} <= CASE_KEYS, f"unknown keys in case {case['name']}"
    verdict = evaluate(_facts(case["facts"]), load_rulebook())
    why = f"{case['_file']}: {case['name']}: reasons={verdict.reasons}"
    assert verdict.status == case["status"], why
    assert set(case.get("rule_ids", ())) <= set(verdict.rule_ids), why
    if "unverified" in case:
        assert set(verdict.unverified) == set(case["unverified"]), why
        if verdict.unverified:  # never silently: a reason says so
            assert any("Unconfirmed" in r for r in verdict.reasons), why
    if "missing_facts" in case:
        assert list(verdict.missing_facts) == case["missing_facts"], why
    got = [(b.conditions, b.status) for b in verdict.branches]
    for expected in case.get("branches", ()):
        assert (expected["if"], expected["status"]) in got, f"{why} branches={got}"
