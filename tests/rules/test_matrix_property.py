"""Issue 9 point 9: a property test over every CCL ECCN x every Commerce Country Chart row.

The properties, for today's date, the bare ECCN (no paragraph) and a civil end use:
1. nothing raises (§ 738.4 procedure and engine);
2. never "no licence required" where the destination's chart row has an X in a column that one
   of the ECCN's License Requirements rows names. "Applicable X" is computed here from the raw
   JSON of ../shared/ear (country-chart.json, ccl.jsonl), not through regbot's code: for a bare
   ECCN any row may cover the item, so any row's column counts; Hong Kong reads China's row
   (85 FR 83788) and Liechtenstein Switzerland's (footnote 5);
3. every verdict that is not cannot_determine cites: rule ids, each traced with a citation and
   a quote, and every quote verified — table rows re-rendered from the raw JSON (CCL rows and
   chart rows) or the shipped snapshot (groups), rule values found verbatim in their file.

The § 738.4 procedure runs on all 633 x 201 pairs (a few seconds). The engine (every layer)
costs ~0.3-1 ms a pair, too slow for all 127k pairs in `make test` (see docs/performance.md),
so it runs every ECCN against one member of each class of destinations whose chart row,
footnotes and Country Groups are identical, rotating the member with the ECCN (so every
destination is evaluated with several ECCNs), and every destination the rulebook holds dated
rules for, every part 746 row and every directed destination with every ECCN.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

from bot.answers.cite import verify_dataset_citation
from bot.records import Facts, Status
from bot.rules import evaluate, load_rulebook
from bot.rules.datasets import load_tables, matrix

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
EAR = SHARED / "ear"
COLUMN = re.compile(r"\b([A-Z]{2}) Column (\d)\b")
# Destinations without a row of their own, and the row the regulation directs them to.
DIRECTED = {"Hong Kong": "China",  # 85 FR 83788 (Dec. 23, 2020): treated as China
            "Liechtenstein": "Switzerland"}  # chart footnote 5

pytestmark = pytest.mark.skipif(not (EAR / "ccl.jsonl").is_file(),
                                reason="../shared/ear is not present")


# ------------------------------------------------------------------ the raw tables, read here


@lru_cache(maxsize=1)
def raw_chart() -> dict:
    return json.loads((EAR / "country-chart.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def raw_ccl() -> dict[str, dict]:
    lines = (EAR / "ccl.jsonl").read_text(encoding="utf-8").splitlines()
    return {e["eccn"]: e for e in map(json.loads, filter(None, lines))}


def raw_x(name: str) -> set[str]:
    """The columns with an X on the chart row `name` (as the chart prints it) reads."""
    rows = raw_chart()["rows"]
    own = set(rows.get(name, {}).get("x", ()))
    return own | set(rows.get(DIRECTED.get(name, ""), {}).get("x", ()))


def named_columns(eccn: str) -> set[str]:
    """Every "XX Column N" a License Requirements row of `eccn` names in its right-hand cell."""
    return {f"{r} {n}" for row in raw_ccl()[eccn]["controls"]
            for r, n in COLUMN.findall(row["country_chart"])}


def applicable_x(eccn: str, name: str) -> set[str]:
    return named_columns(eccn) & raw_x(name)


def test_the_independent_reading_sees_what_the_issue_names():
    """The test's own reading of the raw JSON (checked before it is trusted)."""
    assert "Switzerland" in raw_chart()["footnotes"]["5"]
    assert applicable_x("3A001", "Vietnam") >= {"NS 2"}
    assert applicable_x("3A001", "Cambodia") >= {"NS 2"}
    assert applicable_x("7A994", "Japan") == set()  # the AT column has no X anywhere
    assert applicable_x("3A991", "Hong Kong") == applicable_x("3A991", "China")
    assert applicable_x("1C350", "Liechtenstein") == applicable_x("1C350", "Switzerland")
    assert len(raw_ccl()) == 633 and len(raw_chart()["rows"]) == 196


# ------------------------------------------------------------------ quotes, verified


@lru_cache(maxsize=None)
def _file_text(source: str) -> str | None:
    for path in (SHARED / source, SHARED / "corpus" / source):
        if path.is_file():
            return path.read_bytes().decode("utf-8")
    return None


def _in_file(source: str, quote: str) -> bool:
    text = _file_text(source)
    if text is None:
        return False
    if quote in text:
        return True
    if source.endswith(".jsonl"):  # a paragraph of a JSON-lines file, JSON-escaped there
        return any(quote in line for line in (json.loads(x) for x in text.splitlines() if x)
                   for line in _strings(line))
    return False


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _flat(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=None)
def quote_verified(key: str, source: str, quote: str) -> bool:
    """The trace entry's quote, checked against the raw tables or its file."""
    if key.startswith("ear-table:ccl:") and ":row:" in key:
        eccn, number = key[len("ear-table:ccl:"):].split(":row:")
        row = raw_ccl()[eccn]["controls"][int(number) - 1]
        return quote == f"{eccn} — {_flat(row['control'])} — {_flat(row['country_chart'])}"
    if key.startswith("ear-table:chart:"):
        chart = raw_chart()
        name, _, rest = quote.partition(": ")
        if name in chart["see_other_part"]:
            return rest == chart["see_other_part"][name]
        if name not in chart["rows"]:
            return False
        marks = [f"{c} X" for c in chart["columns"] if c in chart["rows"][name]["x"]]
        return rest == (" · ".join(marks) if marks else "no X in any column")
    if key.startswith("ear-table:footnote:"):
        return quote == raw_chart()["footnotes"][key.rsplit(":", 1)[1]]
    if key.startswith("ear-table:") and not key.startswith("ear-table:direction:"):
        return verify_dataset_citation(key, quote)  # the groups row, from the shipped snapshot
    return bool(quote.strip()) and _in_file(source, quote)


def assert_cites(verdict, where: str) -> None:
    assert verdict.rule_ids, f"{where}: {verdict.status} without rule ids"
    traced = {t.rule_id: t for t in verdict.trace}
    for rid in verdict.rule_ids:
        assert rid in traced, f"{where}: rule id {rid} is not in the trace"
    for entry in verdict.trace:
        assert entry.citation, f"{where}: {entry.rule_id} has no citation"
        assert entry.quote and quote_verified(entry.rule_id, entry.source, entry.quote), \
            f"{where}: the quote of {entry.rule_id} is not verbatim: {entry.quote[:90]!r}"


# ------------------------------------------------------------------ the properties


def test_the_procedure_never_clears_an_applicable_x_on_any_pair():
    """All 633 ECCNs x all 201 destinations (196 rows, 4 part 746 rows, Hong Kong) through the
    § 738.4 procedure, the `ccl_chart` layer's input."""
    tables = load_tables()
    names = {code: d.name for code, d in tables.destinations.items()}
    pairs, summaries = 0, Counter()
    for eccn in raw_ccl():
        for code, det in matrix(eccn, tables).items():
            pairs += 1
            summaries[det.summary] += 1
            hit = applicable_x(eccn, names[code])
            if hit:
                assert det.summary in ("required", "depends"), (eccn, code, hit, det.summary)
                assert det.summary == "required" or any(
                    r.outcome == "required" for r in det.rows), (eccn, code, hit)
    assert pairs == 633 * len(tables.destinations) and len(tables.destinations) == 201
    assert summaries["required"] > 50_000 and summaries["not_required"] > 1_000


def _classes(tables, held: frozenset[str]) -> list[list[str]]:
    """Destinations grouped by everything the engine reads of them; the rulebook's countries,
    the part 746 rows and directed destinations each alone."""
    chart = raw_chart()["rows"]
    classes: dict[tuple, list[str]] = {}
    for code, dest in tables.destinations.items():
        alone = code in held or dest.name not in chart or dest.name in DIRECTED
        row = chart.get(dest.name, {})
        key = (code if alone else None, tuple(row.get("x", ())), tuple(row.get("footnotes", ())),
               tuple(sorted(tables.groups_of.get(code, ()))))
        classes.setdefault(key, []).append(code)
    return list(classes.values())


def test_the_engine_never_clears_an_applicable_x_and_every_verdict_cites():
    tables, rulebook = load_tables(), load_rulebook()
    today = date.today()
    assert today >= date.fromisoformat(tables.ecfr_date)
    classes = _classes(tables, frozenset(rulebook.countries()))
    names = {code: d.name for code, d in tables.destinations.items()}
    seen: Counter = Counter()
    statuses: Counter = Counter()
    for i, eccn in enumerate(raw_ccl()):
        for members in classes:
            code = members[i % len(members)]
            facts = Facts(as_of=today, destination=code, classification=eccn, end_use="civil")
            verdict = evaluate(facts, rulebook)
            seen[code] += 1
            statuses[verdict.status] += 1
            where = f"{eccn} to {code}"
            if applicable_x(eccn, names[code]):
                assert verdict.status != Status.NO_LICENSE_REQUIRED, \
                    f"{where}: cleared although the chart has an X ({verdict.reasons})"
            if verdict.status != Status.CANNOT_DETERMINE:
                assert_cites(verdict, where)
    assert set(seen) == set(tables.destinations), "every destination is evaluated"
    assert min(seen.values()) >= 3
    assert statuses[Status.NO_LICENSE_REQUIRED] > 1_000  # the property is not vacuous
    assert statuses[Status.LICENSE_REQUIRED] > 10_000
