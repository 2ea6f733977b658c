"""The only place findings become an outcome.

`consult` asks every layer that applies, in registration order; a value a layer needs that
is not in force on the date makes that layer's finding cannot_determine (fail closed), and a
prohibition ends the consultation (nothing ranks above it). `outcome` ranks the findings:

- the status is the most severe any layer found (prohibited > licence required > cannot
  determine); the outcome rests on the findings at that status;
- "no licence required" only when no layer found anything against the export and every
  layer that must speak where it applies (the item's own licensing: ITAR, 600 series, the
  chart) found it clear;
- otherwise the explicit default, cannot_determine (`layers.residual`).

Clear findings of the other layers (e.g. "§ 744.21 adds nothing for this military end user")
are what was checked besides: they follow the deciding reasons.
"""
from __future__ import annotations

from typing import Iterable

from bot.records import Status
from bot.rules import review
from bot.rules.context import Context
from bot.rules.layers import LAYERS
from bot.rules.layers.base import not_in_force
from bot.rules.layers.residual import default
from bot.rules.reader import NotInForce
from bot.rules.types import Finding, Layer, Outcome

Consulted = list[tuple[Layer, tuple[Finding, ...]]]
# Post-combine steps, in order: each takes (ctx, outcome) and returns the outcome.
STEPS = (
    review.flag,  # a value under review (bot.sync): say so, name the document, never a go-ahead
)


def consult(ctx: Context, layers: Iterable[Layer] = LAYERS) -> Consulted:
    """The findings of every layer that applies to `ctx`, until one prohibits."""
    consulted: Consulted = []
    for layer in layers:
        if not layer.applies(ctx):
            continue
        try:
            found = tuple(layer.check(ctx))
        except NotInForce as missing:
            found = (not_in_force(layer.name, ctx, missing.rule_id),)
        consulted.append((layer, found))
        if any([f.status == Status.PROHIBITED for f in found]):
            break
    return consulted


def _all_clear(consulted: Consulted) -> bool:
    speakers = [found for layer, found in consulted if layer.must_speak]
    return bool(speakers) and all(found and all(f.clear for f in found) for found in speakers)


def outcome(ctx: Context, consulted: Consulted) -> Outcome:
    """One branch's status, the rule ids and reasons it rests on, and the facts it needs."""
    objections = [f for _, found in consulted for f in found if not f.clear]
    if objections:
        status = Status.worst(f.status for f in objections)
        deciding = [f for f in objections if f.status == status]
    elif _all_clear(consulted):
        status = Status.NO_LICENSE_REQUIRED
        deciding = [f for layer, found in consulted if layer.must_speak for f in found]
    else:
        status, deciding = Status.CANNOT_DETERMINE, [default(ctx)]
    checked = [f for layer, found in consulted if not layer.must_speak for f in found if f.clear]
    rests_on = deciding + checked
    result = Outcome(
        status=status,
        rule_ids=tuple(dict.fromkeys(r for f in rests_on for r in f.rule_ids)),
        reasons=tuple(dict.fromkeys(f.reason for f in rests_on if f.reason)),
        missing=tuple(dict.fromkeys(n.fact for f in deciding for n in f.needs)))
    for step in STEPS:
        result = step(ctx, result)
    return result
