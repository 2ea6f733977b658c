"""Answers for the kinds of question that are not a determination (issue 12).

`respond(answerer, route, question, facts, today)` -> `Answer`, or None when the kind's
answerer has nothing on record (the question then goes to the engine, as before). Every
answer has the same record as a verdict (`bot.records.Answer`, `kind` set): its status is
`cannot_determine` — no verdict is claimed — its text is short, bottom line first, and each
line names the citations it rests on; nothing else is quoted.
"""
from __future__ import annotations

from datetime import date
from time import perf_counter
from typing import Callable

from bot.answers.base import Ask, Line, Reply, number_citations
from bot.answers.review import flag_reply
from bot.kinds import Kind, Route
from bot.records import Answer, Facts, Status, Verdict

WHAT_REGBOT_ANSWERS = (
    "I answer questions about U.S. export controls: whether an item may be exported to a country "
    "(\"Can we sell avionics to Cambodia?\"), what the rules say (country groups, arms embargoes, "
    "ECCNs, screening lists), what changed and when, and what a rule or notice says.")


def off_topic_reply(ask: Ask) -> Reply:
    return Reply((Line(WHAT_REGBOT_ANSWERS),))


def not_english_reply(ask: Ask) -> Reply:
    language = ask.route.language.name if ask.route.language else "another language"
    seen = [w for w in (ask.facts.destination_name, ask.facts.item or ask.facts.classification) if w]
    recognised = (f" I recognised only {' and '.join(seen)}." if seen else "")
    return Reply((Line(f"Your question looks like {language}. regbot answers in English and needs "
                       f"both a destination and an item to answer.{recognised} Please ask in English, "
                       "e.g. \"Can we sell avionics to Cambodia?\""),))


def fact_reply(ask: Ask) -> Reply | None:
    from bot.answers.country import country_reply
    from bot.answers.items import item_reply
    from bot.answers.parties import party_reply

    if ask.route.topic == "lists":
        return party_reply(ask)
    if ask.route.topic == "eccn":
        return item_reply(ask)
    return country_reply(ask)


def timeline(ask: Ask) -> Reply | None:
    from bot.answers.timeline import timeline_reply

    return timeline_reply(ask)


def document(ask: Ask) -> Reply | None:
    from bot.answers.documents import document_reply

    return document_reply(ask)


REPLIES: dict[Kind, Callable[[Ask], Reply | None]] = {
    Kind.FACT: fact_reply, Kind.TIMELINE: timeline, Kind.DOCUMENT: document,
    Kind.OFF_TOPIC: off_topic_reply, Kind.NOT_ENGLISH: not_english_reply,
}


def respond(answerer, route: Route, question: str, facts: Facts, today: date,
            start: float | None = None) -> Answer | None:
    """The answer of `route.kind`, or None (fall back to a determination)."""
    t = perf_counter()
    make = REPLIES.get(route.kind)
    ask = Ask(question, facts, today, route, answerer.rulebook, answerer)
    reply = make(ask) if make else None
    if reply is None or not reply.lines:
        return None
    reply = flag_reply(reply, answerer.rulebook)  # a value under review says so (bot.sync)
    text, citations = number_citations(reply.lines)
    rule_ids = tuple(dict.fromkeys(r for c in citations for r in c.rule_ids))
    verdict = Verdict(status=Status.CANNOT_DETERMINE, rule_ids=rule_ids, trace=reply.trace,
                      unverified=reply.unverified)
    notes = list(reply.notes)
    if verdict.unverified:
        notes.append("rests in part on rule values marked unconfirmed: " + ", ".join(verdict.unverified))
    total = round((perf_counter() - (start or t)) * 1000, 3)
    return Answer(question=question, as_of=facts.as_of, facts=facts, verdict=verdict,
                  citations=citations, text=text,
                  timings_ms={"total": total, "kind": round((perf_counter() - t) * 1000, 3)},
                  abstained=route.kind in (Kind.OFF_TOPIC, Kind.NOT_ENGLISH), notes=tuple(notes),
                  kind=str(route.kind))
