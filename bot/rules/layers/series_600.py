"""600-series and 9x515 items (§ 742.4, § 742.6): a BIS licence to every destination here,
and to an arms-embargoed (Country Group D:5) destination the § 126.1 policy of denial
(§ 742.4(b)(1)(ii)). D:5 membership is read from the State list, as the Note to D:5 directs.
The .y items are licensed differently: RS only to China, Russia and Venezuela (§ 742.6(a)(7))."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import D5_NOTE, ITAR_126_1, SERIES_600_D5, SERIES_600_LICENCE, SERIES_600_Y
from bot.rules.types import Finding, Layer

NAME = "series_600"


def applies(ctx: Context) -> bool:
    return ctx.kind in ("600", "9x515")


def check(ctx: Context) -> Iterator[Finding]:
    if _y_item(ctx.classification):
        yield _y_paragraph(ctx)
        return
    note = ctx.reader.value(D5_NOTE.id)
    rid = ITAR_126_1.of(ctx.destination)
    listing = ctx.itar_listing()
    if listing is None:
        yield not_in_force(NAME, ctx, rid)
    elif listing.value == "listed":
        policy = ctx.reader.need(SERIES_600_D5.id)
        yield finding(NAME, Status.PROHIBITED, [rid, D5_NOTE.id, SERIES_600_D5.id], (
            f"{ctx.name} is an arms-embargoed (D:5) destination on {ctx.as_of}: "
            f"{ctx.classification} is reviewed under the § 126.1 policy of denial "
            f"({policy.citation})."), listing, note, policy)
    else:
        licence = ctx.reader.need(SERIES_600_LICENCE.id)
        yield finding(NAME, Status.LICENSE_REQUIRED, [SERIES_600_LICENCE.id, rid], (
            f"{ctx.name} is not arms-embargoed on {ctx.as_of}, but {ctx.classification} still "
            f"needs a BIS licence ({licence.citation})."), licence, listing)


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
