"""The review store: alarms raised, which are new, and a person's acknowledgement.

`refresh` recomputes the alarms of the synced documents against a rulebook and the kept
table snapshots, records the ones not seen before (those are "new": one Slack message each)
and returns the open ones. `attach` gives a rulebook carrying its open alarms
(`Rulebook.reviews`), which the rules core and the fact answers read. `acknowledge` records a
person's decision in the decision log and closes the alarm.
"""
from __future__ import annotations

import dataclasses
import getpass
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.settings import Settings
from bot.sync.staleness import Alarm, check, open_reviews
from bot.sync.store import SyncStore


class ReviewError(ValueError):
    """An acknowledgement that cannot be recorded (unknown alarm, empty note)."""


@dataclass(frozen=True)
class ReviewState:
    alarms: tuple[Alarm, ...]  # every alarm of the synced documents
    new: tuple[Alarm, ...]  # raised by this refresh, not seen before
    acks: dict  # alarm id -> {"note", "by", "at", "log_id"}

    @property
    def open(self) -> tuple[Alarm, ...]:
        return tuple(a for a in self.alarms if a.id not in self.acks)


def _snapshots() -> list[str]:
    from bot.rules.datasets.load import snapshot_dates

    return snapshot_dates()


def compute(settings: Settings, rulebook=None) -> tuple[tuple[Alarm, ...], dict]:
    """(every alarm, the acknowledgements) without writing anything."""
    from bot.rules import load_rulebook

    store = SyncStore(settings.home)
    rulebook = rulebook if rulebook is not None else load_rulebook()
    alarms = check(rulebook, store.documents().values(), _snapshots())
    return alarms, store.reviews()["acks"]


def refresh(settings: Settings, rulebook=None, *, write: bool = True) -> ReviewState:
    """Recompute the alarms; record the new ones (unless `write` is False)."""
    store = SyncStore(settings.home)
    alarms, _ = compute(settings, rulebook)
    data = store.reviews()
    new = tuple(a for a in alarms if a.id not in data["alarms"])
    if new and write:
        data["alarms"].update({a.id: a.to_dict() for a in new})
        store.save_reviews(data)
    return ReviewState(alarms, new, data["acks"])


_CACHE: dict[tuple, tuple] = {}


def attach(rulebook, settings: Settings):
    """`rulebook` carrying the open alarms of `settings.home` (cached until sync files change)."""
    if not hasattr(rulebook, "reviews"):
        return rulebook
    store = SyncStore(settings.home)
    if not (store.root / "documents.json").is_file():
        return rulebook
    key = (id(rulebook), getattr(rulebook, "version", ""), str(settings.home), store.stamp(),
           tuple(_snapshots()))
    if key not in _CACHE:
        _CACHE.clear()
        alarms, acks = compute(settings, rulebook)
        _CACHE[key] = open_reviews(alarms, acks)
    reviews = _CACHE[key]
    return dataclasses.replace(rulebook, reviews=reviews) if reviews != rulebook.reviews else rulebook


def acknowledge(alarm_id: str, note: str, settings: Settings, *, by: str | None = None,
                rulebook=None) -> dict:
    """Record a person's decision on an open alarm in the decision log; close the alarm."""
    from bot.decision_log import record_review

    note = (note or "").strip()
    if not note:
        raise ReviewError("--note must say what was decided (e.g. 'rulebook updated in PR 42')")
    state = refresh(settings, rulebook)
    alarm = next((a for a in state.alarms if a.id == alarm_id), None)
    if alarm is None:
        known = ", ".join(a.id for a in state.open) or "none"
        raise ReviewError(f"no alarm {alarm_id!r} (open alarms: {known})")
    if alarm_id in state.acks:
        raise ReviewError(f"alarm {alarm_id} was already acknowledged "
                          f"(decision log row {state.acks[alarm_id].get('log_id')})")
    by = by or getpass.getuser()
    log_id = record_review(alarm.to_dict(), note=note, user_id=by, settings=settings)
    store = SyncStore(settings.home)
    data = store.reviews()
    data["alarms"].setdefault(alarm.id, alarm.to_dict())
    data["acks"][alarm.id] = {"note": note, "by": by, "log_id": log_id,
                              "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    store.save_reviews(data)
    return {"id": alarm.id, "log_id": log_id, "note": note, "by": by}
