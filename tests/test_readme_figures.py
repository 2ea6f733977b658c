"""Every number in the README's performance tables comes from the latest bench results file.

`make bench` writes docs/bench/results-latest.json (tests/bench/record.py). Each row of a table
in the README's "## Performance" section names, in its last column, the figure keys it shows
(`answer.warm_p95_ms`); every other number in the row (first column aside: what was measured)
must be one of those figures' values or targets, rounded as printed, and every value and target
of those keys must be printed. A row with a missed target says "missed"; one without does not.
docs/performance.md's generated block is the file rendered by `record.py finish`.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "bench"))

from record import BEGIN, END, LATEST, figure_value, markdown  # noqa: E402

NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
KEY = re.compile(r"`([a-z][a-z0-9_]*)\.([a-z0-9_]+)`")


def performance_section(readme: str) -> str:
    start = readme.index("\n## Performance\n")
    end = readme.find("\n## ", start + 1)
    return readme[start:end if end > 0 else None]


def table_rows(section: str) -> list[list[str]]:
    """Body rows (cells) of every table whose header's last column holds the figure keys."""
    rows, in_table = [], False
    for line in section.splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            in_table = "results" in cells[-1].lower()  # the header names the results file
            continue
        if not set("".join(cells)) <= set("-: "):
            rows.append(cells)
    return rows


def numbers(text: str) -> list[str]:
    return [n.replace(",", "") for n in NUMBER.findall(text.replace("**", ""))]


def shown(printed: str, value: float) -> bool:
    """`printed` (as in the README) is `value` rounded to the decimals it shows."""
    decimals = len(printed.partition(".")[2])
    return round(float(value), decimals) == float(printed)


def row_problems(cells: list[str], data: dict) -> list[str]:
    keys = [f"{b}.{n}" for b, n in KEY.findall(cells[-1])]
    if not keys:  # a bench that did not run: the row names it and says so, with no figure
        benches = re.findall(r"`([a-z][a-z0-9_]*)`", cells[-1])
        status = [data.get("benches", {}).get(b, {}).get("status") for b in benches]
        if benches and all(s in ("not_run", "failed", None) for s in status) and not numbers(
                " ".join(cells[1:-1])) and "not run" in cells[1].lower():
            return []
        return [f"row {cells[0]!r} names no figure key"]
    problems, entries = [], {}
    for key in keys:
        entry = figure_value(data, key)
        if entry is None:
            problems.append(f"{key} is not in the latest results file")
        else:
            entries[key] = entry
    printed = [n for cell in cells[1:-1] for n in numbers(cell)]
    wanted = [e["value"] for e in entries.values()] + [e["target"] for e in entries.values() if "target" in e]
    for n in printed:
        if not any(shown(n, v) for v in wanted):
            problems.append(f"{cells[0]!r}: {n} is none of {keys}' values or targets")
    for key, e in entries.items():
        for what in ("value", "target"):
            if what in e and not any(shown(n, e[what]) for n in printed):
                problems.append(f"{cells[0]!r}: {key} {what} {e[what]} is not shown")
    missed = any(e.get("met") is False for e in entries.values())
    says_missed = "missed" in " ".join(cells[1:-1]).lower()
    if missed != says_missed:
        problems.append(f"{cells[0]!r}: a target is {'missed' if missed else 'met'} but the row "
                        f"{'does not say' if missed else 'says'} 'missed'")
    return problems


@pytest.fixture(scope="module")
def latest() -> dict:
    return json.loads(LATEST.read_text(encoding="utf-8"))


def test_every_readme_performance_figure_is_in_the_latest_results(latest):
    section = performance_section((REPO / "README.md").read_text(encoding="utf-8"))
    rows = table_rows(section)
    assert len(rows) >= 8, "the README's performance tables were not found"
    problems = [p for cells in rows for p in row_problems(cells, latest)]
    assert not problems, "\n".join(problems)
    assert latest["started"][:10] in section and latest["commit"][:7] in section


def test_the_readme_check_fails_on_a_figure_not_in_the_file(latest):
    key = next(f"{b}.{n}" for b, s in latest["benches"].items() for n, f in s["figures"].items()
               if "target" not in f and f["value"] > 0)
    value = figure_value(latest, key)["value"]
    assert row_problems(["x", f"{value} ms", f"`{key}`"], latest) == []
    assert row_problems(["x", f"{value * 2 + 1:.1f} ms", f"`{key}`"], latest)  # a number not measured
    assert row_problems(["x", "—", f"`{key}`"], latest)  # a key whose value is not shown
    assert row_problems(["x", f"{value} ms", "`nobench.nofigure`"], latest)  # a key not in the file


def test_every_missed_target_is_said_so(latest):
    missed = [(f"{b}.{n}", f) for b, s in latest["benches"].items() for n, f in s["figures"].items()
              if f.get("met") is False]
    for key, f in missed:  # the row must say so; a row saying so over met targets fails too
        cells = ["x", f"{f['value']} {f['unit']}", f"≤ {f['target']}", f"`{key}`"]
        assert row_problems(cells, latest) and not row_problems(cells[:2] + [cells[2] + " missed", cells[3]],
                                                                    latest)


def test_performance_doc_shows_the_latest_results(latest):
    doc = (REPO / "docs" / "performance.md").read_text(encoding="utf-8")
    assert BEGIN in doc and END in doc
    block = doc.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")
    assert block == markdown(latest).strip("\n"), (
        "docs/performance.md is not the latest results file: run `python tests/bench/record.py finish`")


def test_latest_results_say_when_where_and_under_what_load(latest):
    assert latest["benches"], "no bench in the latest results file"
    for name, s in latest["benches"].items():
        assert s["status"] in ("ok", "not_run", "failed"), name
        assert s["commit"] and s["machine"]["cpus"] >= 1 and s["machine"]["cpu_model"], name
        assert len(s["loadavg_before"]) == 3 and len(s["loadavg_after"]) == 3, name
        assert s["cpu_s"]["self"] >= 0 and s["cpu_s"]["children"] >= 0, name
        assert s["status"] != "not_run" or (s.get("reason") and not s["figures"]), name
