"""EAR § 744.21: items for a military end use or user. Any item to the destinations of
§ 744.21(a)(2) (policy of denial); the items of Supp. No. 2 to part 744 to those of
§ 744.21(a)(1) (presumption of denial)."""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding, not_in_force
from bot.rules.schema import MEU_GROUP1, MEU_GROUP2, MEU_REVIEW, MEU_RULES, MEU_SUPP2
from bot.rules.types import Finding, Layer, Need

NAME = "military_end_use"
SUPP2_REQUIREMENT = "15 CFR 744.21(a)(1)"  # the paragraph that applies Supp. No. 2
STRICTER_POLICY = "15 CFR 744.21(e)(3)"  # 600 series / 9x515: the stricter review policy


def applies(ctx: Context) -> bool:
    if not ctx.subject_to_ear:
        return False
    return ctx.military or (ctx.end_use is None and ctx.kind is not None)


def check(ctx: Context) -> Iterator[Finding]:
    if not ctx.military:  # a classified EAR item, end use not stated: never a guess
        yield finding(NAME, Status.CANNOT_DETERMINE, (), "The end use is not known.",
                      needs=(Need("end_use"),))
        return
    group2 = ctx.reader.membership(MEU_GROUP2.id, ctx.destination)
    if group2:
        listing, review = ctx.reader.need(MEU_GROUP2.id), ctx.reader.need(MEU_REVIEW.id)
        yield finding(NAME, Status.PROHIBITED, [MEU_GROUP2.id, MEU_REVIEW.id], (
            f"Any item for a military end use or user in {ctx.name} needs a licence under "
            f"{listing.citation}, reviewed with a policy of denial ({review.citation})."),
            listing, review)
        return
    if ctx.kind is None:  # only the "any item" rule reaches an unclassified item
        return
    group1 = ctx.reader.membership(MEU_GROUP1.id, ctx.destination)
    if group1 is None or group2 is None:
        yield not_in_force(NAME, ctx, MEU_RULES)
    elif not group1 or ctx.kind in ("600", "9x515"):
        yield _clear(ctx)
    else:
        yield _supplement_2(ctx)


def _supplement_2(ctx: Context) -> Finding:
    """§ 744.21(a)(1): a licence for the items Supp. No. 2 lists; other items are not caught."""
    supp2 = ctx.reader.value(MEU_SUPP2.id)
    if supp2 is not None and ctx.eccn in supp2.value:
        review = ctx.reader.need(MEU_REVIEW.id)
        ids = [MEU_GROUP1.id, MEU_SUPP2.id, MEU_REVIEW.id]
        return finding(NAME, Status.LICENSE_REQUIRED, ids, (
            f"{ctx.classification} for a military end use or user in {ctx.name} needs a licence "
            f"under {SUPP2_REQUIREMENT} (listed in {supp2.citation}), reviewed with a "
            f"presumption of denial ({review.citation})."), supp2, review)
    if ctx.kind == "ear99":  # EAR99 is never on Supp. No. 2
        return _clear(ctx)
    return finding(NAME, Status.CANNOT_DETERMINE, [MEU_GROUP1.id], (
        f"Whether {ctx.classification} is listed in Supplement No. 2 to part 744 "
        f"({SUPP2_REQUIREMENT}) is not in the rulebook."))


def _clear(ctx: Context) -> Finding:
    """§ 744.21 adds no requirement here; the verdict still rests on having checked it."""
    values = [(rid, ctx.reader.value(rid)) for rid in (MEU_GROUP1.id, MEU_GROUP2.id)]
    reason = (f"15 CFR 744.21 does not require a licence for {ctx.classification} to a military "
              f"end use or user in {ctx.name} on {ctx.as_of}.")
    if ctx.kind in ("600", "9x515"):
        reason = (f"A licence for {ctx.classification} to a military end use or user is reviewed "
                  f"under the stricter of the policies that apply ({STRICTER_POLICY}).")
    return finding(NAME, Status.NO_LICENSE_REQUIRED, [rid for rid, v in values if v is not None],
                   reason, *(v for _, v in values))


LAYER = Layer(NAME, applies, check)
