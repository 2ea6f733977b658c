"""The explicit default (fail closed): a branch no layer decides is cannot_determine, never
"no licence required". Not a registered layer: `combine` falls back to it."""
from __future__ import annotations

from bot.records import Status
from bot.rules.context import Context
from bot.rules.layers.base import finding
from bot.rules.types import Finding, Need

NAME = "residual"


def default(ctx: Context) -> Finding:
    if ctx.kind is None:
        return finding(NAME, Status.CANNOT_DETERMINE, (), (
            f"The item's classification is not known, so the rules for {ctx.name} cannot be "
            f"applied."), needs=(Need("classification"),))
    return finding(NAME, Status.CANNOT_DETERMINE, (), (
        f"No rule in the rulebook decides {ctx.classification} to {ctx.name} on {ctx.as_of}; "
        f"it cannot say."))
