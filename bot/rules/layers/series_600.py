"""600-series and 9x515 items (§ 742.4, § 742.6): a BIS licence to every destination here,
and to an arms-embargoed (Country Group D:5) destination the § 126.1 policy of denial
(§ 742.4(b)(1)(ii)). D:5 membership is read from the State list, as the Note to D:5 directs."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import D5_NOTE, ITAR_126_1, SERIES_600_D5, SERIES_600_LICENCE
from bot.rules.types import Finding, Layer

NAME = "series_600"


def applies(ctx: Context) -> bool:
    return ctx.kind in ("600", "9x515")


def check(ctx: Context) -> Iterator[Finding]:
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


LAYER = Layer(NAME, applies, check, must_speak=True)
