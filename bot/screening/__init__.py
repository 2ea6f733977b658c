"""Party screening against the U.S. Consolidated Screening List.

    from bot.screening import screen, effect_of, find_party_mentions
    result = screen("Try Pheap Group", country="KH")   # ScreeningResult, hits best first
    effect_of(result.hits[0])                          # Effect: status, summary, references

The list is the package's snapshot (`python -m bot.screening.build`) or the latest
`regbot screening update FILE`; `active_list_info()` says which, with its date and counts.
Nothing here imports chromadb or torch.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from bot.screening.effects import effect_of, list_effects
from bot.screening.records import (Effect, Hit, ListInfo, Match, Mention, Party, Reference,
                                   ScreeningResult)
from bot.screening.store import ScreeningListError, active_list, read_snapshot

if TYPE_CHECKING:  # pragma: no cover
    from bot.screening.matcher import Matcher

_lock = threading.Lock()
_cache: dict[tuple[str, str], "Matcher"] = {}
# The matcher's module loads numpy and rapidfuzz: imported only when something is screened, so
# reading a question's names (mentions) or the list's date costs neither.
_LAZY = {"Matcher", "ScreeningInputError", "THRESHOLD", "NEAR_THRESHOLD"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from bot.screening import matcher

        return getattr(matcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_matcher() -> "Matcher":
    """The matcher over the active list, built once per process and list (~1-2 s)."""
    from bot.screening.matcher import Matcher

    info, path = active_list()
    key = (str(path), info.sha256)
    with _lock:
        matcher = _cache.get(key)
        if matcher is None:
            _cache.clear()
            matcher = _cache[key] = Matcher(read_snapshot(path), info)
    return matcher


def active_list_info() -> ListInfo:
    return active_list()[0]


def screen(name: str, country: str | None = None, *, limit: int = 10) -> ScreeningResult:
    """Screen one party name (optionally its ISO-2 country, a booster) against the active list."""
    return get_matcher().screen(name, country, limit=limit)


def find_party_mentions(question: str) -> list[Mention]:
    from bot.screening.mentions import find_party_mentions as find

    return find(question)


__all__ = [
    "screen", "effect_of", "list_effects", "find_party_mentions", "get_matcher",
    "active_list_info", "Party", "Match", "Hit", "ScreeningResult", "Effect", "Reference",
    "ListInfo", "Mention", "ScreeningInputError", "ScreeningListError", "THRESHOLD",
    "NEAR_THRESHOLD",
]
