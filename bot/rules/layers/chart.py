"""The Commerce Country Chart and the CCL (part 738, part 774) for the items the rulebook
holds: anti-terrorism-only ECCNs against the chart's AT column, and EAR99 (§ 734.3(c)).
An ECCN the rulebook does not hold is never cleared. Part 746 destinations are not read
from the chart: it sends them to part 746 (the embargo layer)."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import AT_COLUMN, AT_ONLY_ECCNS, EAR99_NO_LICENCE
from bot.rules.types import Finding, Layer

NAME = "chart"


def applies(ctx: Context) -> bool:
    return ctx.kind in ("ear99", "eccn") and ctx.embargo() is None


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.kind == "ear99":
        rule = ctx.reader.need(EAR99_NO_LICENCE.id)
        yield finding(NAME, Status.NO_LICENSE_REQUIRED, [EAR99_NO_LICENCE.id], (
            f"EAR99 items need no licence to {ctx.name} unless an embargo or end-use rule "
            f"applies ({rule.citation})."), rule)
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
