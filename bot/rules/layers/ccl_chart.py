"""The § 738.4 determination from the EAR's own tables (issue 9): ECCN x destination x date.

`bot.rules.datasets.determine` reads the ECCN's License Requirements rows against the
destination's Country Chart row and the Country Groups; this layer turns its result into
findings, each citing the ECCN's row and the chart cell (or the groups) it read:

- a covering row with an X, a sentence naming the destination, or a footnote that requires
  a licence -> licence required;
- a row whose scope the classification does not settle (paragraph-scoped rows when only the
  ECCN is known, free-text conditions) -> depends, asking for the classification;
- a pointer ("Refer to § 742.15") or a footnote that adds a check (UN sanctions, Crimea,
  Russian industry sectors) -> depends, quoting what to check;
- nothing applicable -> no licence required *for that classification under the chart*.

Licence exceptions the entry names are listed as "may be available", never applied. The
tables hold from the snapshot's date: before it, nothing records what the chart held, so a
clear result fails closed (cannot determine) and a requirement is said to be read from the
later table. Part 746 destinations are the embargo layer's.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from bot.records import Status
from bot.rules import table_values as tv
from bot.rules.context import Context
from bot.rules.datasets import ClassificationError
from bot.rules.datasets.evidence import render_chart_row, render_control_row
from bot.rules.datasets.results import CHECK, REQUIRED, Determination, RowResult
from bot.rules.layers import chart
from bot.rules.types import Finding, Layer, Need

NAME = "ccl_chart"
PROCEDURE = "15 CFR 738.4"
CHECKED = ("embargoes (part 746), military and military-intelligence end uses and users "
           "(§§ 744.21, 744.22) and the parties named, where stated, are checked by the other "
           "rules; other end uses (§§ 744.2-744.9, e.g. nuclear, missile, chemical or "
           "biological) and red flags are not")


def applies(ctx: Context) -> bool:
    return ctx.kind in ("eccn", "600", "9x515") and ctx.embargo() is None \
        and not chart.dated_at_only(ctx)


def check(ctx: Context) -> Iterator[Finding]:
    try:
        det = ctx.determination
    except ClassificationError as exc:
        yield Finding(NAME, Status.CANNOT_DETERMINE, (), (
            f"{exc}: the Commerce Control List regbot ships (eCFR of {ctx.tables.ecfr_date}) "
            f"does not hold {ctx.classification}, so no licence requirement can be read."))
        return
    if not ctx.charted:
        yield _before_snapshot(ctx, det)
        return
    yield from _findings(ctx, det)


def _f(status: Status, keys, reason: str, citations, needs=()) -> Finding:
    return Finding(NAME, status, tuple(dict.fromkeys(keys)), reason,
                   tuple(dict.fromkeys(citations)), tuple(needs))


def _findings(ctx: Context, det: Determination) -> Iterator[Finding]:
    tables, reader = ctx.tables, ctx.reader
    entry = det.entry
    if det.summary == "see_other_part":  # the embargo layer holds no value for the date
        key = tv.chart_row(reader, tables, det.row.code)
        yield _f(Status.CANNOT_DETERMINE, [key], (
            f"The Country Chart sends {ctx.name} to part 746 (“{det.row.see_other_part}”), and "
            f"the rulebook holds no part 746 value for {ctx.name} on {ctx.as_of}."),
            [tv.CHART_CITATION])
        return
    if entry is None or det.summary in ("no_table", "not_in_chart"):
        keys = [tv.heading(reader, tables, entry.eccn)] if entry is not None else []
        yield _f(Status.CANNOT_DETERMINE, keys, (
            f"{det.note}. The entry's own text and the provisions it cites decide; ask "
            f"compliance to read {entry.eccn if entry else ctx.classification}."), [])
        return
    code = det.row.code
    cls = det.classification.text
    required = [r for r in det.rows if r.coverage == "yes" and r.outcome == REQUIRED]
    branches = [r for r in det.rows if r.coverage == "unknown" and r.outcome == REQUIRED]
    checks = [r for r in det.rows if r.applies and r.outcome == CHECK]
    fn_required = [f for f in det.footnotes if f.coverage == "yes" and f.outcome == REQUIRED]
    fn_checks = [f for f in det.footnotes if f not in fn_required]
    extra = _exceptions(det) + _also_check(checks, fn_checks)
    for r in required:
        keys = tv.result_keys(reader, tables, r, code)
        yield _f(Status.LICENSE_REQUIRED, keys, (
            f"{_row(r)}: {_read(r, ctx)} — a licence is required for {cls} to {ctx.name} "
            f"({r.reason}; {PROCEDURE}).{extra}"), [_cite(r), tv.CHART_CITATION])
        extra = ""
    for f in fn_required:
        keys = [tv.chart_row(reader, tables, code), tv.footnote(reader, tables, f.footnote.number)]
        yield _f(Status.LICENSE_REQUIRED, keys, (
            f"{f.destination}'s chart row carries footnote {f.footnote.number}: "
            f"“{f.footnote.text}” — a licence is required for {cls}.{extra}"),
            [f"{tv.CHART_CITATION}, footnote {f.footnote.number}"])
        extra = ""
    for r in branches:
        keys = tv.result_keys(reader, tables, r, code)
        yield _f(Status.DEPENDS, keys, (
            f"If the item is one this row covers ({r.coverage_note}): licence required — "
            f"{_row(r)}: {_read(r, ctx)}."), [_cite(r)], (Need("classification"),))
    for r in checks:
        keys = tv.result_keys(reader, tables, r, code)
        what = ", ".join(r.see) or "the provision the row cites"
        yield _f(Status.DEPENDS, keys, (
            f"{_row(r)}: the row points elsewhere — check {what} for {ctx.name} "
            f"({r.note}).{_resolved(r)}"), [_cite(r)])
    for f in fn_checks:
        keys = [tv.chart_row(reader, tables, code), tv.footnote(reader, tables, f.footnote.number)]
        yield _f(Status.DEPENDS, keys, (
            f"{f.destination}'s chart row carries footnote {f.footnote.number}: "
            f"“{f.footnote.text}” — {f.note or 'check it'}."),
            [f"{tv.CHART_CITATION}, footnote {f.footnote.number}"])
    if not (required or fn_required or branches or checks or fn_checks):
        yield _clear(ctx, det)


def _clear(ctx: Context, det: Determination) -> Finding:
    reader, tables = ctx.reader, ctx.tables
    covering = [r for r in det.rows if r.applies]
    keys = [k for r in covering for k in tv.result_keys(reader, tables, r, det.row.code)]
    keys.append(tv.chart_row(reader, tables, det.row.code))
    rows = "; ".join(f"{_row(r)}: {_read(r, ctx)}" for r in covering)
    return _f(Status.NO_LICENSE_REQUIRED, keys, (
        f"No License Requirements row of {det.entry.eccn} that covers "
        f"{det.classification.text} has an X for {ctx.name} ({rows}; "
        f"{render_chart_row(det.row, tables)}): no licence is required for this "
        f"classification under the Commerce Country Chart ({PROCEDURE}). Besides: {CHECKED}."),
        [_cite(r) for r in covering] + [tv.CHART_CITATION])


def _before_snapshot(ctx: Context, det: Determination) -> Finding:
    """Before the tables' date nothing records the chart: fail closed, saying what today's
    table reads (nothing of it is a value in force then, so nothing is traced)."""
    return _f(Status.CANNOT_DETERMINE, (), (
        f"regbot holds the EAR's tables as of the eCFR of {ctx.tables.ecfr_date}; nothing "
        f"records what the Country Chart and the CCL held on {ctx.as_of}, so the chart cannot "
        f"decide {ctx.classification} to {ctx.name} then (today's table: {det.note})."), [])


def _row(r: RowResult) -> str:
    return f"“{render_control_row(r.eccn, r.row)}”"


def _read(r: RowResult, ctx: Context) -> str:
    """What the row read for the destination: its cells, or the groups it matched."""
    if r.cells:
        return _cells(r.cells)
    if r.groups:
        return f"{ctx.name} is in Country Group {', '.join(r.groups)}"
    return r.note


@lru_cache(maxsize=8192)
def _cells(cells) -> str:
    return "; ".join(c.render() for c in cells)


def _cite(r: RowResult) -> str:
    return f"15 CFR part 774, Supp. No. 1, ECCN {r.eccn}"


def _resolved(r: RowResult) -> str:
    if r.resolved_by is None:
        return ""
    return f" Settled by {r.resolved_by.citation}: “{r.resolved_by.quote}”."


def _exceptions(det: Determination) -> str:
    """For the first requirement: the licence exceptions the entry names, never applied."""
    return _named(det.exceptions) if det.exceptions else ""


@lru_cache(maxsize=2048)
def _named(exceptions) -> str:
    """The exceptions' sentence, rendered once per entry."""
    named = "; ".join(f"{e.exception.code} may be available — conditions in "
                      f"{e.exception.section or 'part 740'} (the entry prints “"
                      f"{_short(e.exception.printed)}”)" for e in exceptions)
    return f" Licence exceptions the entry names (never applied here): {named}."


def _also_check(checks: list[RowResult], fn_checks) -> str:
    """What the requirement does not settle and must still be checked (pointers, footnotes)."""
    what = [f"{', '.join(r.see) or 'the provision'} ({r.reason} row {r.row.number})"
            for r in checks] + [f"footnote {f.footnote.number} of the chart" for f in fn_checks]
    return f" Also to check: {'; '.join(what)}." if what else ""


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


LAYER = Layer(NAME, applies, check, must_speak=True)
