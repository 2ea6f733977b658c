"""EAR part 746 embargoes (Cuba § 746.2, Iran § 746.7, North Korea § 746.4, Syria § 746.9):
the Country Chart sends these destinations here.

- comprehensive: a licence for (nearly) every item, denied as a rule;
- case_by_case (North Korea, § 746.4): a licence for every item, reviewed case by case except
  the items denied as a rule (§ 746.4(b), § 742.19(b)(1): `ear.746.denied_eccns.<CC>`);
- relaxed (Syria from 2025-09-02): a licence, reviewed more favourably.
Where the section excepts EAR99 food and medicine (`ear.746.food_medicine.<CC>`), those
need no licence under it. The layer must speak: "no licence" here rests on that exception.
"""
from __future__ import annotations

from typing import Iterator

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding, not_in_force
from bot.rules.loader import RuleValue
from bot.rules.schema import DENIED_ECCNS, EMBARGO, FOOD_MEDICINE
from bot.rules.types import Finding, Layer

NAME = "embargo"


def applies(ctx: Context) -> bool:
    """An EAR item to a destination part 746 holds an embargo for, on any date."""
    return ctx.subject_to_ear and ctx.reader.rulebook.rule(EMBARGO.of(ctx.destination)) is not None


def check(ctx: Context) -> Iterator[Finding]:
    embargo = ctx.embargo()
    rid = EMBARGO.of(ctx.destination)
    if embargo is None:  # before the section's controls (Syria before 2004-05-14): fail closed
        yield not_in_force(NAME, ctx, rid)
        return
    excepted = _food_or_medicine(ctx)
    if excepted is not None:
        yield finding(NAME, Status.NO_LICENSE_REQUIRED, [FOOD_MEDICINE.of(ctx.destination)], (
            f"EAR99 food and medicine are excepted from the licence requirement for "
            f"{ctx.name} on {ctx.as_of} ({excepted.citation}): no licence under that section."),
            excepted)
    elif embargo.value == "comprehensive":  # whatever the item: nothing is more severe
        yield finding(NAME, Status.PROHIBITED, [rid], (
            f"{ctx.name} is under a comprehensive embargo on {ctx.as_of} ({embargo.citation}): "
            f"exports of items subject to the EAR are denied as a rule."), embargo)
    elif ctx.kind is None:
        return  # the licence and its review turn on the item (food, medicine, the ECCN)
    elif embargo.value == "case_by_case":
        yield _case_by_case(ctx, embargo, rid)
    else:
        # A relaxed embargo still requires a licence, with exceptions that turn on the item
        # (§ 746.9(a): EAR99 food and medicine; SPP), so it speaks only for a classified item.
        yield finding(NAME, Status.LICENSE_REQUIRED, [rid], (
            f"Exports to {ctx.name} still need a BIS licence on {ctx.as_of}, now reviewed more "
            f"favourably ({embargo.citation}); EAR99 items may go under License Exception SPP."),
            embargo)


def _food_or_medicine(ctx: Context) -> RuleValue | None:
    """The destination's food-and-medicine exception, when it reaches this item."""
    if not ctx.food_or_medicine:
        return None
    value = ctx.reader.value(FOOD_MEDICINE.of(ctx.destination))
    return value if value is not None and value.value == "excepted" else None


def _case_by_case(ctx: Context, embargo: RuleValue, rid: str) -> Finding:
    """§ 746.4: a licence for every item; denial for the ECCNs listed as denied, else a
    case-by-case review (the exceptions that turn on facts the rulebook lacks are named)."""
    denied_id = DENIED_ECCNS.of(ctx.destination)
    denied = ctx.reader.value(denied_id)
    if denied is not None and ctx.eccn in denied.value:
        return finding(NAME, Status.PROHIBITED, [rid, denied_id], (
            f"{ctx.classification} to {ctx.name} needs a BIS licence ({embargo.citation}), and "
            f"applications for it are generally denied ({denied.citation})."), embargo, denied)
    return finding(NAME, Status.LICENSE_REQUIRED, [rid], (
        f"Exports of {ctx.classification} to {ctx.name} need a BIS licence on {ctx.as_of}, "
        f"reviewed case by case ({embargo.citation}); luxury goods, arms and related materiel, "
        f"NP/MT items and the items § 742.19(b)(1) lists are denied as a rule."), embargo)


LAYER = Layer(NAME, applies, check, must_speak=True)
