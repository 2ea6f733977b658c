"""A fact or timeline answer resting on a value under review says so (issue 13).

The rules core flags verdicts (`bot.rules.review.flag`); this does the same for the replies of
`bot.answers`: every rule value a reply read (its trace) and the EAR tables snapshot its
citations came from are matched against the rulebook's open alarms, and one line per alarm,
naming the document, follows the bottom line.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.answers.base import Line, Reply
from bot.rules.review import TABLES, matching


def _table_dates(reply: Reply) -> set[date]:
    from bot.answers.cite import TABLE_PREFIX

    days = set()
    for line in reply.lines:
        for cite in line.cites:
            if cite.key.startswith(TABLE_PREFIX) and cite.source.startswith("EAR tables, eCFR "):
                try:
                    days.add(date.fromisoformat(cite.source.rsplit(" ", 1)[-1]))
                except ValueError:
                    continue
    return days


def flag_reply(reply: Reply, rulebook) -> Reply:
    """`reply` with a line per open alarm about a value or table it rests on."""
    reviews = getattr(rulebook, "reviews", ())
    if not reviews:
        return reply
    hits = [h for entry in reply.trace for h in matching(reviews, entry.rule_id, entry.valid_from)]
    hits += [h for day in _table_dates(reply) for h in matching(reviews, TABLES, day)]
    if not hits:
        return reply
    said = tuple(Line(s) for s in dict.fromkeys(h.sentence() for h in hits))
    lines = (*reply.lines[:1], *said, *reply.lines[1:])
    notes = (*reply.notes, *(f"under review: {h.rule_id} ({h.document}, alarm {h.alarm_id})"
                             for h in hits))
    return replace(reply, lines=lines, notes=tuple(dict.fromkeys(notes)))
