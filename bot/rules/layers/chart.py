"""EAR99 (§ 734.3(c)), and the rulebook's dated anti-terrorism-only reading of the chart
before the shipped tables' date.

EAR99 needs no licence unless an embargo, an end-use rule or a chart footnote of the
destination's row that reaches every item (Russia/Belarus, Crimea/DNR/LNR) says otherwise.
Before the tables' date (`ccl_chart` reads them from it on), the rulebook's dated values
decide for the destinations it holds: AT-only ECCNs against its AT column. For any other
destination, nothing records the past: cannot determine. Part 746 destinations are the
embargo layer's."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules import table_values as tv
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import AT_COLUMN, AT_ONLY_ECCNS, EAR99_NO_LICENCE
from bot.rules.types import Finding, Layer

NAME = "chart"


def _held(ctx: Context) -> bool:
    """The rulebook holds this destination's dated history."""
    return ctx.destination in ctx.reader.rulebook.countries()


def dated_at_only(ctx: Context) -> bool:
    """Before the tables' date, an ECCN the rulebook's dated AT-only list may hold, to a
    destination the rulebook holds: its values decide (the tables do not reach back)."""
    return ctx.kind == "eccn" and not ctx.charted and _held(ctx) and \
        ctx.reader.membership(AT_ONLY_ECCNS.id, ctx.eccn) is not False


def applies(ctx: Context) -> bool:
    return ctx.embargo() is None and (ctx.kind == "ear99" or dated_at_only(ctx))


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.kind == "ear99":
        yield from _ear99(ctx)
        return
    at_only = ctx.reader.membership(AT_ONLY_ECCNS.id, ctx.eccn)
    if at_only is None:
        yield not_in_force(NAME, ctx, AT_ONLY_ECCNS.id)
    elif at_only:
        yield _anti_terrorism(ctx)
    else:
        yield finding(NAME, Status.CANNOT_DETERMINE, (), (
            f"The rulebook does not hold the licence requirements of {ctx.classification}; ask "
            f"compliance to check the Commerce Control List entry."))


def _ear99(ctx: Context) -> Iterator[Finding]:
    if not ctx.charted and not _held(ctx):
        yield finding(NAME, Status.CANNOT_DETERMINE, (), (
            f"regbot holds the EAR's tables as of the eCFR of {ctx.tables.ecfr_date} and no "
            f"dated rules for {ctx.name}: nothing records what applied to EAR99 items there "
            f"on {ctx.as_of}."))
        return
    notes = []
    if ctx.charted:
        row = ctx.tables.row_for(ctx.tables.destinations[ctx.destination])
        notes = [n for n in row.footnotes if ctx.tables.footnotes[n].applies_to == "all"
                 and ctx.tables.footnotes[n].effect != "directs"]
    for n in notes:  # Russia/Belarus industry sectors, Crimea/DNR/LNR: every item, EAR99 too
        note = ctx.tables.footnotes[n]
        keys = [tv.chart_row(ctx.reader, ctx.tables, row.code),
                tv.footnote(ctx.reader, ctx.tables, n)]
        yield finding(NAME, Status.DEPENDS, keys, (
            f"{row.name}'s chart row carries footnote {n}: “{note.text}” — "
            f"{note.question or 'check it'} (this reaches EAR99 items too)."))
    if notes:
        return
    rule = ctx.reader.need(EAR99_NO_LICENCE.id)
    yield finding(NAME, Status.NO_LICENSE_REQUIRED, [EAR99_NO_LICENCE.id], (
        f"EAR99 items need no licence to {ctx.name} unless an embargo or end-use rule "
        f"applies ({rule.citation})."), rule)


def _anti_terrorism(ctx: Context) -> Finding:
    """An AT-only ECCN needs a licence only where the chart's AT column has an X."""
    eccns, column = ctx.reader.need(AT_ONLY_ECCNS.id), ctx.reader.need(AT_COLUMN.id)
    ids = [AT_ONLY_ECCNS.id, AT_COLUMN.id]
    if ctx.destination in column.value:
        return finding(NAME, Status.LICENSE_REQUIRED, ids, (
            f"{ctx.classification} is controlled for anti-terrorism ({eccns.citation}) and "
            f"{ctx.name} has an AT licence requirement ({column.citation})."), eccns, column)
    return finding(NAME, Status.NO_LICENSE_REQUIRED, ids, (
        f"{ctx.classification} is controlled for anti-terrorism reasons only ({eccns.citation}) "
        f"and {ctx.name} has no AT licence requirement ({column.citation}): no licence for a "
        f"civil end use and end user."), eccns, column)


LAYER = Layer(NAME, applies, check, must_speak=True)
