"""ITAR: a USML item to any destination — the DDTC licence every defense article needs
(22 CFR 123.1(a)), and the § 126.1 policy of denial with its exceptions.

Whether the destination is under § 126.1 is the rulebook's dated value where it holds a rule
for it (Cambodia's history, exactly), else Country Group D:5 of the shipped tables (the
proxy the Note to D:5 allows: the State list controls D:5), from the tables' date on.
Before that date, for a destination the rulebook does not hold, nothing records it: the
licence is still required, and the answer says the denial policy could not be checked."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import ITAR_126_1, ITAR_LICENCE
from bot.rules.types import Finding, Layer

NAME = "itar"


def applies(ctx: Context) -> bool:
    return ctx.kind == "usml"


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.reader.rulebook.rule(ITAR_126_1.of(ctx.destination)) is not None:
        yield from _rulebook(ctx)
        return
    listed, ids, values = ctx.arms_embargo()
    licence = ctx.reader.need(ITAR_LICENCE.id)
    if listed:
        yield finding(NAME, Status.PROHIBITED, ids, (
            f"{ctx.name} is in Country Group D:5 (arms-embargoed destinations) of the EAR's "
            f"table of {ctx.tables.ecfr_date}, which follows the State Department's § 126.1 "
            f"list: licences for USML defense articles are denied as a rule (22 CFR 126.1)."),
            *values)
        return
    unknown = "" if listed is not None else (
        f" Whether {ctx.name} was under the § 126.1 policy of denial on {ctx.as_of} is not "
        f"recorded (regbot's Country Groups are those of {ctx.tables.ecfr_date}); check it.")
    checked = "" if listed is None else (
        f" {ctx.name} is not in Country Group D:5 (the § 126.1 proxy) of the table of "
        f"{ctx.tables.ecfr_date}: applications are reviewed case by case.")
    yield finding(NAME, Status.LICENSE_REQUIRED, [ITAR_LICENCE.id, *(ids if checked else ())], (
        f"A DDTC licence is needed to export a USML defense article to any destination "
        f"({licence.citation}).{checked}{unknown}"), licence, *values)


def _rulebook(ctx: Context) -> Iterator[Finding]:
    """The rulebook's dated § 126.1 value for the destination (unchanged behaviour)."""
    rid = ITAR_126_1.of(ctx.destination)
    listing = ctx.itar_listing()
    if listing is None:
        yield not_in_force(NAME, ctx, rid)
    elif listing.value == "listed" and _excepted(ctx, listing.exceptions):
        activity = _excepted(ctx, listing.exceptions)
        yield finding(NAME, Status.LICENSE_REQUIRED, [rid], (
            f"{ctx.name} was on the ITAR § 126.1 list on {ctx.as_of} ({listing.citation}), but "
            f"{activity.replace('-', ' ')} is an exception reviewed case by case, whoever the end "
            f"user is: a DDTC licence is required."), listing)
    elif listing.value == "listed":
        yield finding(NAME, Status.PROHIBITED, [rid], (
            f"{ctx.name} is under the ITAR § 126.1 policy of denial on {ctx.as_of} "
            f"({listing.citation}): licences for USML defense articles are denied as a rule."),
            listing)
    else:
        licence = ctx.reader.need(ITAR_LICENCE.id)
        yield finding(NAME, Status.LICENSE_REQUIRED, [rid], (
            f"{ctx.name} is not on the ITAR § 126.1 list on {ctx.as_of} ({listing.citation}): "
            f"applications are reviewed case by case."), listing)
        yield finding(NAME, Status.LICENSE_REQUIRED, [ITAR_LICENCE.id], (
            f"A DDTC licence is still needed for USML items ({licence.citation})."), licence)


def _excepted(ctx: Context, exceptions: tuple[str, ...]) -> str | None:
    """The excepted activity the facts state. The § 126.1 exceptions (e.g. (o): "in furtherance
    of ... humanitarian mine action activities") turn on the activity, not on the end user:
    demining by an army unit is still demining."""
    return next((u for u in (ctx.activity, ctx.end_use) if u and u in exceptions), None)


LAYER = Layer(NAME, applies, check, must_speak=True)
