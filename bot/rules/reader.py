"""`Reader`: the one place every dated look-up of a rule value goes through, traced.

A reader answers for one date. Every value it returns is recorded in its trace (rule id ->
value -> citation -> quote), and every rule it was asked about is remembered, so it can
also say on which dates the answers it gave would change (`change_dates`). A rule that
holds no value on the date is "not in force": `value` gives None, `need` raises
`NotInForce`, and the layer that needed it fails closed.

Other dated sources (the EAR's compiled tables) are meant to be read through the same
reader, so one trace covers every value a verdict rests on.
"""
from __future__ import annotations

from datetime import date, timedelta

from bot.records import TraceEntry
from bot.rules.loader import Rule, Rulebook, RuleValue
from bot.rules.parties import PartyLists, PartyReads


class NotInForce(LookupError):
    """A rule value the decision needs holds no value on the date (fail closed)."""

    def __init__(self, rule_id: str):
        super().__init__(rule_id)
        self.rule_id = rule_id


class Reader:
    """Reads rule values on one date and remembers every value read (the trace)."""

    def __init__(self, rulebook: Rulebook, as_of: date, parties: PartyLists | None = None):
        self.rulebook = rulebook
        self.as_of = as_of
        self.parties = PartyReads(parties)  # the screening list, read by bot.rules.parties
        self._trace: dict[str, TraceEntry] = {}
        self._asked: dict[str, Rule | None] = {}

    def _rule(self, rule_id: str) -> Rule | None:
        if rule_id not in self._asked:
            self._asked[rule_id] = self.rulebook.rule(rule_id)
        return self._asked[rule_id]

    def value(self, rule_id: str) -> RuleValue | None:
        """The value of `rule_id` in force on the date, or None (not in force, or no rule)."""
        rule = self._rule(rule_id)
        return self.traced(rule_id, rule.value_on(self.as_of) if rule else None)

    def traced(self, key: str, value: RuleValue | None) -> RuleValue | None:
        """Record `value` (read under `key`) in the trace, once; the hook for any other dated,
        cited source read on this reader's date (e.g. a compiled table's row)."""
        if value is not None and key not in self._trace:
            self._trace[key] = TraceEntry(  # positionally: rule_id, as_of, value, citation,
                key, self.as_of, value.value, value.citation,  # source, quote, verified,
                value.source, value.quote, value.verified,  # valid_from, valid_until
                value.valid_from, value.valid_until)
        return value

    def need(self, rule_id: str) -> RuleValue:
        """The value in force, or `NotInForce` (the layer turns that into cannot_determine)."""
        value = self.value(rule_id)
        if value is None:
            raise NotInForce(rule_id)
        return value

    def membership(self, rule_id: str, code: str) -> bool | None:
        """Is `code` in the list rule `rule_id` on the date? None = the rulebook cannot say
        (the list holds no value then, though some other period of it names `code`)."""
        value = self.value(rule_id)
        if value is not None:
            return code in value.value
        rule = self._rule(rule_id)
        mentioned = rule is not None and any(code in v.value for v in rule.values)
        return None if mentioned else False

    def entry(self, rule_id: str) -> TraceEntry | None:
        return self._trace.get(rule_id)

    def trace(self) -> tuple[TraceEntry, ...]:
        return tuple(self._trace.values())

    def change_dates(self, start: date, end: date) -> tuple[date, ...]:
        """Dates in (start, end] on which a rule this reader was asked about changes value
        (a value starts, or the day after one ends): where an answer over a period may split."""
        edges: set[date] = set()
        for rule in self._asked.values():
            for value in getattr(rule, "values", ()):
                edges.add(value.valid_from)
                if value.valid_until is not None and value.valid_until < date.max:
                    edges.add(value.valid_until + timedelta(days=1))
        return tuple(sorted(d for d in edges if start < d <= end))
