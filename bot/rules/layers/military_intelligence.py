"""EAR § 744.22: any item for a military-intelligence end use or user in a destination named
in § 744.22(a) or in Country Group E needs a licence. Elsewhere § 744.21 applies to it."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import GROUP_E, MIEU_COUNTRIES, MIEU_REVIEW
from bot.rules.types import Finding, Layer

NAME = "military_intelligence"
REQUIREMENT = "15 CFR 744.22(a)"  # named whichever list reaches the destination
REVIEW = "15 CFR 744.22(e)"  # the review policy, when the rulebook holds no value of it


def applies(ctx: Context) -> bool:
    return ctx.subject_to_ear and ctx.end_use == "military-intelligence"


def check(ctx: Context) -> Iterator[Finding]:
    listed, in_e = ctx.military_intelligence_reach()
    if not (listed or in_e):
        if listed is None or in_e is None:  # a list holds no value then: fail closed
            yield not_in_force(NAME, ctx, MIEU_COUNTRIES.id if listed is None else GROUP_E.id)
        return  # not reached: § 744.21 applies (see Context.military)
    review = ctx.reader.value(MIEU_REVIEW.id)
    reach = ctx.reader.value(MIEU_COUNTRIES.id if listed else GROUP_E.id)
    ids = [MIEU_COUNTRIES.id if listed else GROUP_E.id] + ([MIEU_REVIEW.id] if review else [])
    yield finding(NAME, Status.LICENSE_REQUIRED, ids, (
        f"Any item for a military-intelligence end use or user in {ctx.name} needs a licence "
        f"under {REQUIREMENT}, reviewed with a presumption of denial "
        f"({review.citation if review else REVIEW})."), reach, review)


LAYER = Layer(NAME, applies, check)
