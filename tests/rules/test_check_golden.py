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
    assert run_case(case) == expected
