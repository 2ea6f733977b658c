"""EAR § 746.8: licence requirements for Russia and Belarus beyond the Country Chart."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding
from bot.rules.schema import SANCTIONS_746_8
from bot.rules.types import Finding, Layer

NAME = "russia_belarus"


def applies(ctx: Context) -> bool:
    return ctx.kind in ("ear99", "eccn")


def check(ctx: Context) -> Iterator[Finding]:
    rid = SANCTIONS_746_8.of(ctx.destination)
    sanction = ctx.reader.value(rid)
    if sanction is None:
        return
    if ctx.kind == "ear99":  # § 746.8(a)(2)-(3) reach EAR99 items by lists the rulebook lacks
        yield finding(NAME, Status.CANNOT_DETERMINE, [rid], (
            f"EAR99 items to {ctx.name} may need a licence under the Russia/Belarus sanctions "
            f"({sanction.citation}); the rulebook does not hold those lists."), sanction)
    else:
        yield finding(NAME, Status.LICENSE_REQUIRED, [rid], (
            f"{ctx.classification} to {ctx.name} needs a licence under the Russia/Belarus "
            f"sanctions ({sanction.citation})."), sanction)


LAYER = Layer(NAME, applies, check)
