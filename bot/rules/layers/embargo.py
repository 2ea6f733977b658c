"""EAR part 746 embargoes (Cuba § 746.2, Iran § 746.7, North Korea § 746.4, Syria § 746.9):
the Country Chart sends these destinations here."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding
from bot.rules.schema import EMBARGO
from bot.rules.types import Finding, Layer

NAME = "embargo"


def applies(ctx: Context) -> bool:
    return ctx.subject_to_ear


def check(ctx: Context) -> Iterator[Finding]:
    embargo = ctx.embargo()
    rid = EMBARGO.of(ctx.destination)
    if embargo is None:
        return
    if embargo.value == "comprehensive":  # whatever the item: nothing is more severe
        yield finding(NAME, Status.PROHIBITED, [rid], (
            f"{ctx.name} is under a comprehensive embargo on {ctx.as_of} ({embargo.citation}): "
            f"exports of items subject to the EAR are denied as a rule."), embargo)
    elif ctx.kind is not None:
        # A relaxed embargo still requires a licence, with exceptions that turn on the item
        # (§ 746.9(a): EAR99 food and medicine; SPP), so it speaks only for a classified item.
        yield finding(NAME, Status.LICENSE_REQUIRED, [rid], (
            f"Exports to {ctx.name} still need a BIS licence on {ctx.as_of}, now reviewed more "
            f"favourably ({embargo.citation}); EAR99 items may go under License Exception SPP."),
            embargo)


LAYER = Layer(NAME, applies, check)
