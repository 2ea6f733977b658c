"""What every layer shares: building findings, and failing closed on a value not in force."""
from __future__ import annotations

from bot.records import Status
from bot.rules.context import Context
from bot.rules.loader import RuleValue
from bot.rules.types import Finding, Need


def finding(layer: str, status: Status, rule_ids, reason: str, *values: RuleValue | None,
            needs: tuple[Need, ...] = ()) -> Finding:
    """A finding resting on `rule_ids`; `values` are the rule values its reason cites."""
    return Finding(layer=layer, status=status, rule_ids=tuple(dict.fromkeys(rule_ids)),
                   reason=reason, needs=needs,
                   citations=tuple(dict.fromkeys(v.citation for v in values if v is not None)))


def not_in_force(layer: str, ctx: Context, rule_id: str) -> Finding:
    """The rulebook holds no value the layer needs on the date: cannot determine."""
    return finding(layer, Status.CANNOT_DETERMINE, (), (
        f"The rulebook holds no value of {rule_id} for {ctx.name} on {ctx.as_of}; "
        f"it cannot say what applied then."))
