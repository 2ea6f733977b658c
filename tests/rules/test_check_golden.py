"""`regbot check --json` for every decision-table case, compared with a committed golden file.

The golden file (tests/rules/golden/check_cases.json) holds, for each case under
tests/rules/cases, the exit code and the whole JSON object `regbot check --json` printed for
the case's facts and date when it was captured: status, reasons, branches, missing facts,
questions, rule ids, the trace and the unverified ids. Any change to the engine that changes
one byte of that output fails here; a deliberate change regenerates the file with

    REGBOT_UPDATE_GOLDEN=1 pytest tests/rules/test_check_golden.py

and the diff of the golden file is then reviewed like code.

Cases run through the CLI (click's runner, in process) with `--destination`, `--item`,
`--classification`, `--end-use`, `--end-user` and `--as-of`. Three cases state facts the CLI
cannot express (no destination, an unknown country, an out-of-scope topic); they go through
`evaluate` and the same JSON shape (`{"facts": ..., **verdict}`). A case dated `today` runs on
the fixed day TODAY, so the file does not change with the calendar.

Everything is compared exactly except the order and extent of `trace`. The engine now
consults every layer that applies (issue 15) where the old ladder stopped at the first rule
that fired, so it may read values the verdict does not rest on (e.g. the chart's AT-only
list while § 744.21 decides a military end user), and it reads them in layer order. The
trace is therefore compared as a set restricted to the rule ids the verdict rests on (its
`rule_ids` and its branches'): every one of those entries must be there, unchanged.
Status, reasons, branches, missing facts, questions, rule ids and unverified ids are exact.
"""
from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.records import Facts
from .test_cases import CASES

GOLDEN = Path(__file__).with_name("golden") / "check_cases.json"
TODAY = date(2026, 12, 1)  # the capture day, standing in for "today"
CLI_FACTS = {"destination", "item", "classification", "end_use", "end_user", "as_of"}


def _day(raw) -> date:
    return TODAY if str(raw) == "today" else date.fromisoformat(str(raw))


def _through_cli(facts: dict) -> dict:
    args = ["check", "--json", "--destination", facts["destination"],
            "--as-of", _day(facts["as_of"]).isoformat()]
    for key, flag in (("item", "--item"), ("classification", "--classification"),
                      ("end_use", "--end-use"), ("end_user", "--end-user")):
        if facts.get(key) is not None:
            args += [flag, str(facts[key])]
    result = CliRunner().invoke(cli, args)
    return {"exit_code": result.exit_code,
            "output": json.loads(result.output) if result.exit_code == 0 else result.output}


def _through_engine(facts: dict) -> dict:
    from bot.rules import evaluate, load_rulebook

    raw = dict(facts, as_of=_day(facts["as_of"]))
    record = Facts(**raw)
    verdict = evaluate(record, load_rulebook())
    return {"exit_code": 0, "output": json.loads(json.dumps(
        {"facts": record.to_dict(), **verdict.to_dict()}, ensure_ascii=False))}


def run_case(case: dict) -> dict:
    facts = case["facts"]
    if facts.get("destination") and set(facts) <= CLI_FACTS:
        return {"via": "cli", **_through_cli(facts)}
    return {"via": "engine", **_through_engine(facts)}


def _rests_on(output) -> set[str]:
    """The trace entries of the rule ids a verdict rests on, as canonical JSON strings."""
    if not isinstance(output, dict):  # a rejected input: the CLI's message
        return set()
    ids = set(output["rule_ids"]) | {r for b in output["branches"] for r in b["rule_ids"]}
    return {json.dumps(t, sort_keys=True) for t in output["trace"] if t["rule_id"] in ids}


def _without_trace(run: dict) -> dict:
    output = run["output"]
    if isinstance(output, dict):
        output = {k: v for k, v in output.items() if k != "trace"}
    return {**run, "output": output}


def _golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_golden_covers_every_case():
    if os.environ.get("REGBOT_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        captured = {case["name"]: run_case(case) for case in CASES}
        GOLDEN.write_text(json.dumps(captured, ensure_ascii=False, indent=1, sort_keys=True)
                          + "\n", encoding="utf-8")
    golden = _golden()
    assert sorted(golden) == sorted(c["name"] for c in CASES)
    assert sum(g["via"] == "cli" for g in golden.values()) >= len(CASES) - 3


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_check_json_matches_golden(case):
    expected = _golden().get(case["name"])
    assert expected is not None, f"no golden output for {case['name']!r}: regenerate the file"
    got = run_case(case)
    assert _without_trace(got) == _without_trace(expected)
    assert _rests_on(got["output"]) == _rests_on(expected["output"])
