"""600-series and 9x515 items (§ 742.4, § 742.6): to an arms-embargoed (Country Group D:5)
destination the § 126.1 policy of denial (§ 742.4(b)(1)(ii)); elsewhere a BIS licence as
the ECCN's License Requirements say.

D:5 is the rulebook's dated § 126.1 value where it holds one for the destination (the Note
to D:5: the State list controls), else D:5 of the shipped tables from their date on. From
that date the licence follows the entry's rows that reach the whole entry ("NS applies to
entire entry except ... — NS Column 1") against the destination's chart row, so a
destination without an X there (Canada; the United Kingdom and Australia since 2024) and
a .y item are not caught here (`ccl_chart` reads every row). Before it, the rulebook's dated
value decides, and a .y item is licensed as § 742.6(a)(7) says: RS only to China, Russia
and Venezuela (`ear.742_6.y_countries`); elsewhere the rulebook cannot say."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules import table_values as tv
from bot.rules.context import Context
from bot.rules.datasets import ClassificationError
from bot.rules.datasets.evidence import render_control_row
from bot.rules.datasets.results import REQUIRED
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import D5_NOTE, ITAR_126_1, SERIES_600_D5, SERIES_600_LICENCE, SERIES_600_Y
from bot.rules.types import Finding, Layer

NAME = "series_600"
WHOLE = ("entire", "entire_except")


def applies(ctx: Context) -> bool:
    return ctx.kind in ("600", "9x515")


def check(ctx: Context) -> Iterator[Finding]:
    if _y_item(ctx.classification) and not ctx.charted:
        yield _y_paragraph(ctx)
        return
    listed, ids, values = ctx.arms_embargo()
    if listed is None:
        yield not_in_force(NAME, ctx, ids[0] if ids else ITAR_126_1.of(ctx.destination))
    elif listed:
        policy = ctx.reader.need(SERIES_600_D5.id)
        note = ctx.reader.value(D5_NOTE.id)
        yield finding(NAME, Status.PROHIBITED, [*ids, D5_NOTE.id, SERIES_600_D5.id], (
            f"{ctx.name} is an arms-embargoed (D:5) destination on {ctx.as_of}: "
            f"{ctx.classification} is reviewed under the § 126.1 policy of denial "
            f"({policy.citation})."), *values, note, policy)
    elif ctx.charted:
        yield from _as_the_entry_says(ctx, ids, values)
    else:
        licence = ctx.reader.need(SERIES_600_LICENCE.id)
        yield finding(NAME, Status.LICENSE_REQUIRED, [SERIES_600_LICENCE.id, *ids], (
            f"{ctx.name} is not arms-embargoed on {ctx.as_of}, but {ctx.classification} still "
            f"needs a BIS licence ({licence.citation})."), licence, *values)


def _as_the_entry_says(ctx: Context, ids: list[str], values) -> Iterator[Finding]:
    """Not D:5: a licence where a row reaching the whole entry has an X for the destination."""
    try:
        det = ctx.determination
    except ClassificationError:
        return  # ccl_chart says why the classification cannot be read
    rows = [r for r in det.rows if r.row.scope.kind in WHOLE and r.coverage != "no"
            and r.outcome == REQUIRED and r.cells]
    if not rows:
        yield finding(NAME, Status.NO_LICENSE_REQUIRED, ids, (
            f"{ctx.name} is not arms-embargoed (D:5) on {ctx.as_of}, and no row of "
            f"{det.entry.eccn} that reaches the whole entry has an X for it: the 600-series "
            f"licence requirement does not reach {ctx.classification} there (the other rows "
            f"are read by the chart)."), *values)
        return
    licence = ctx.reader.need(SERIES_600_LICENCE.id)
    keys = [k for r in rows for k in tv.result_keys(ctx.reader, ctx.tables, r, det.row.code)]
    read = "; ".join(f"“{render_control_row(r.eccn, r.row)}”: "
                     + "; ".join(c.render() for c in r.cells) for r in rows)
    yield finding(NAME, Status.LICENSE_REQUIRED, [SERIES_600_LICENCE.id, *ids, *keys], (
        f"{ctx.name} is not arms-embargoed (D:5) on {ctx.as_of}, but {ctx.classification} "
        f"needs a BIS licence ({licence.citation}) as its entry says: {read}."),
        licence, *values)


def _y_item(classification: str | None) -> bool:
    """An item of a .y paragraph ("9A610.y", "9A619.y.1")."""
    return bool(classification) and classification.split(".")[1:2] == ["y"]


def _y_paragraph(ctx: Context) -> Finding:
    """§ 742.6(a)(7): a .y item needs an RS licence to China, Russia or Venezuela; elsewhere
    its AT control and the embargoes decide, which the rulebook does not hold per ECCN."""
    rule = ctx.reader.value(SERIES_600_Y.id)
    if rule is None:
        return not_in_force(NAME, ctx, SERIES_600_Y.id)
    if ctx.destination in rule.value:
        return finding(NAME, Status.LICENSE_REQUIRED, [SERIES_600_Y.id], (
            f"{ctx.classification} is a .y item: it needs a BIS licence to {ctx.name} "
            f"({rule.citation})."), rule)
    return finding(NAME, Status.CANNOT_DETERMINE, [SERIES_600_Y.id], (
        f"{ctx.classification} is a .y item, not licensed like the rest of the 600 series: the "
        f"RS licence of {rule.citation} reaches only China, Russia and Venezuela; its other "
        f"requirements to {ctx.name} are not in the rulebook."), rule)


LAYER = Layer(NAME, applies, check, must_speak=True)
