"""Values under review: a later Federal Register document amends what a value rests on.

`UnderReview` is what the rules core knows of a staleness alarm (computed by `bot.sync`):
which rule value, which document, which CFR section or supplement it amends. A rulebook
carries them (`Rulebook.reviews`, attached by the front ends); the rules core only reads.

`flag` is the post-combine step registered in `bot.rules.combine.STEPS`: an outcome resting
on a value under review says so and names the document, and is never "no licence
required" on it — it becomes `depends` (on what the amendment changed).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Iterable

from bot.records import Status
from bot.rules.schema import TABLES_ALARM

if TYPE_CHECKING:  # pragma: no cover
    from bot.rules.context import Context
    from bot.rules.types import Outcome

TABLES = TABLES_ALARM  # the rule id a table snapshot's alarm names (value_from = its eCFR date)


@dataclass(frozen=True)
class UnderReview:
    """One open alarm: `rule_id`'s value from `value_from` may be out of date."""

    alarm_id: str
    rule_id: str
    value_from: date | None  # the value concerned (its `from`); a snapshot: its eCFR date
    document: str  # "FR Doc. 2026-02262"
    published: date
    amends: str  # "15 CFR part 740, Supp. No. 1"
    title: str = ""
    url: str | None = None

    def concerns(self, value_from: date | None) -> bool:
        """Does this alarm concern the value (of its rule) that starts on `value_from`?"""
        return self.value_from is None or value_from is None or value_from == self.value_from

    def sentence(self) -> str:
        what = ("The EAR tables snapshot of " + self.value_from.isoformat()
                if self.rule_id == TABLES and self.value_from else f"The value of {self.rule_id}")
        since = f" (in force since {self.value_from.isoformat()})" \
            if self.value_from and self.rule_id != TABLES else ""
        return (f"Under review: {what}{since} may be out of date — {self.document}, published "
                f"{self.published.isoformat()}, amends {self.amends}, on which it rests "
                f"(alarm {self.alarm_id}). Check that document before relying on this answer.")


def matching(reviews: Iterable[UnderReview], rule_id: str,
             value_from: date | None) -> tuple[UnderReview, ...]:
    """The open alarms about the value of `rule_id` that starts on `value_from`."""
    return tuple(r for r in reviews if r.rule_id == rule_id and r.concerns(value_from))


def flag(ctx: "Context", outcome: "Outcome") -> "Outcome":
    """The outcome, with every alarm about a value it rests on said, and no go-ahead on one."""
    reviews = getattr(ctx.reader.rulebook, "reviews", ())
    if not reviews:
        return outcome
    hits: list[UnderReview] = []
    for rule_id in outcome.rule_ids:
        entry = ctx.reader.entry(rule_id)
        hits.extend(matching(reviews, rule_id, entry.valid_from if entry else None))
    if not hits:
        return outcome
    status = Status.DEPENDS if outcome.status == Status.NO_LICENSE_REQUIRED else outcome.status
    reasons = tuple(dict.fromkeys((*outcome.reasons, *(h.sentence() for h in hits))))
    return replace(outcome, status=status, reasons=reasons)
