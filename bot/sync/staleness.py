"""The staleness model: which rule values and table snapshots a synced document may have changed.

A value of rule R, in force from F (until U), rests on CFR references B (`refs.rests_on`). A
synced final rule D puts it *under review* when
  - D amends a provision that overlaps one of B (`CfrRef.overlaps`),
  - D was published after F, and the value was still in force when D took effect (U is open
    or not before D's effective date),
  - the value does not already cite D (its citation or note names D's FR Doc. number), and
  - where D's instruction names table entries (destinations), R is about one of them, or is
    a list of destinations (a list may gain a member).
A table snapshot of eCFR date S rests on parts 738, 740 and 774 Supp. No. 1 and goes under
review when such a rule is published after S and no newer snapshot is kept.

Pure and fast: one pass over the values per amended part (well under a second for the
whole rulebook against hundreds of documents; tests/bench/bench_sync.py).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Iterable

from bot.rules import schema
from bot.rules.review import TABLES, UnderReview
from bot.sync.feed import SyncedDoc
from bot.sync.refs import TABLES_BASIS, CfrRef, cited_documents, rests_on


@dataclass(frozen=True)
class Alarm:
    """A rule value (or table snapshot) that a later document may have made stale."""

    id: str
    rule_id: str
    value_from: date
    citation: str
    rests_on: str  # the reference of the value that the document amends
    document: str  # "2026-02262"
    title: str
    published: date
    effective: date | None
    amends: str
    instruction: str
    url: str | None = None

    def to_dict(self) -> dict:
        return {"id": self.id, "rule_id": self.rule_id, "value_from": self.value_from.isoformat(),
                "citation": self.citation, "rests_on": self.rests_on,
                "document": self.document, "title": self.title,
                "published": self.published.isoformat(),
                "effective": self.effective.isoformat() if self.effective else None,
                "amends": self.amends, "instruction": self.instruction, "url": self.url}

    @classmethod
    def from_dict(cls, d: dict) -> "Alarm":
        return cls(id=d["id"], rule_id=d["rule_id"], value_from=date.fromisoformat(d["value_from"]),
                   citation=d["citation"], rests_on=d["rests_on"], document=d["document"],
                   title=d["title"], published=date.fromisoformat(d["published"]),
                   effective=date.fromisoformat(d["effective"]) if d.get("effective") else None,
                   amends=d["amends"], instruction=d["instruction"], url=d.get("url"))

    def under_review(self) -> UnderReview:
        return UnderReview(alarm_id=self.id, rule_id=self.rule_id, value_from=self.value_from,
                           document=f"FR Doc. {self.document}", published=self.published,
                           amends=self.amends, title=self.title, url=self.url)


def alarm_id(document: str, rule_id: str, value_from: date) -> str:
    """Stable: the same document against the same value always raises the same alarm."""
    return hashlib.sha256(f"{document}|{rule_id}|{value_from}".encode()).hexdigest()[:10]


@dataclass(frozen=True)
class _Value:
    rule_id: str
    valid_from: date
    valid_until: date | None
    citation: str
    basis: tuple[CfrRef, ...]
    cites: frozenset[str]
    destination: str | None
    is_list: bool


def _values(rulebook, snapshots: Iterable[str]) -> list[_Value]:
    out = []
    for rule in rulebook.rules.values():
        parsed = schema.parse(rule.id)
        destination = parsed[1] if parsed else None
        is_list = bool(parsed and parsed[0].kind in ("countries", "eccns"))
        for v in rule.values:
            out.append(_Value(rule.id, v.valid_from, v.valid_until, v.citation,
                              rests_on(rule.id, v.citation),
                              cited_documents(v.citation, v.note), destination, is_list))
    dates = sorted(snapshots)
    for i, day in enumerate(dates):
        until = date.fromisoformat(dates[i + 1]) if i + 1 < len(dates) else None
        out.append(_Value(TABLES, date.fromisoformat(day), until, f"EAR tables, eCFR {day}",
                          TABLES_BASIS, frozenset(), None, True))
    return out


def _reaches(value: _Value, doc: SyncedDoc, entries: frozenset[str]) -> bool:
    d = doc.document
    if d.published <= value.valid_from or d.number in value.cites:
        return False
    took_effect = d.effective or d.published
    if value.valid_until is not None and value.valid_until < took_effect:
        return False
    if value.rule_id == TABLES and value.valid_until is not None:
        return False  # a newer snapshot is kept: it is the one to review
    return not entries or value.is_list or value.destination is None or \
        value.destination in entries


def _narrow(value: _Value, entries: frozenset[str]) -> bool:
    """An instruction that names table entries does not touch a single-value rule (a note)."""
    return not entries or value.is_list or value.destination is not None or value.rule_id == TABLES


def check(rulebook, documents: Iterable[SyncedDoc], snapshots: Iterable[str] = ()) -> tuple[Alarm, ...]:
    """Every alarm the synced `documents` raise against `rulebook` and the table `snapshots`."""
    by_part: dict[tuple[int, int], list[tuple[_Value, CfrRef]]] = defaultdict(list)
    for value in _values(rulebook, snapshots):
        for ref in value.basis:
            by_part[(ref.title, ref.part)].append((value, ref))
    alarms: dict[str, Alarm] = {}
    for doc in sorted(documents, key=lambda x: (x.document.published, x.document.number)):
        if not doc.document.amends:
            continue
        for amendment in doc.amendments:
            target = amendment.target
            for value, ref in by_part.get((target.title, target.part), ()):
                if not target.overlaps(ref) or not _narrow(value, amendment.entries) \
                        or not _reaches(value, doc, amendment.entries):
                    continue
                key = alarm_id(doc.document.number, value.rule_id, value.valid_from)
                if key not in alarms:
                    alarms[key] = Alarm(
                        id=key, rule_id=value.rule_id, value_from=value.valid_from,
                        citation=value.citation, rests_on=str(ref),
                        document=doc.document.number, title=doc.document.title,
                        published=doc.document.published, effective=doc.document.effective,
                        amends=str(target), instruction=amendment.instruction[:300],
                        url=doc.document.html_url)
    return tuple(alarms.values())


def open_reviews(alarms: Iterable[Alarm], acked: Iterable[str]) -> tuple[UnderReview, ...]:
    """What the rules core reads: every alarm nobody has acknowledged."""
    done = set(acked)
    return tuple(a.under_review() for a in alarms if a.id not in done)
