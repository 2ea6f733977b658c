"""The records the rules core passes between its stages: Facts -> Context -> Finding* -> Outcome.

A layer (one provision of the regulation) returns `Finding`s; `combine` turns the findings
of one branch into its `Outcome`; the engine turns the outcomes of all branches into the
`Verdict` (bot.records).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable

from bot.records import Status

if TYPE_CHECKING:  # pragma: no cover
    from bot.rules.context import Context


@dataclass(frozen=True)
class Need:
    """A fact a layer needs before it can decide (it becomes a clarifying question)."""

    fact: str  # "classification" | "end_use" | "destination"
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """What one layer found for one branch: a status, the rule values it rests on, why."""

    layer: str
    status: Status
    rule_ids: tuple[str, ...] = ()
    reason: str = ""
    citations: tuple[str, ...] = ()  # the citations of the values in `rule_ids`
    needs: tuple[Need, ...] = ()

    @property
    def clear(self) -> bool:
        """The layer checked and imposes no requirement."""
        return self.status == Status.NO_LICENSE_REQUIRED


@dataclass(frozen=True)
class Layer:
    """One provision of the regulation, registered in `bot.rules.layers.LAYERS`.

    `applies(ctx)` says whether the provision reaches these facts at all; `check(ctx)` is
    pure and returns the findings. A layer that `must_speak` is one a "no licence required"
    rests on: where it applies it must find the export clear, or the branch fails closed.
    """

    name: str
    applies: Callable[["Context"], bool]
    check: Callable[["Context"], Iterable[Finding]]
    must_speak: bool = False


@dataclass(frozen=True)
class Outcome:
    """The result of one branch: its status, the rule ids and reasons it rests on, the
    facts it still needs."""

    status: Status
    rule_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
