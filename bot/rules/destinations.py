"""Which destinations the engine can decide, and which row of the EAR's tables each reads.

A destination is covered when the rulebook holds rules for it (its dated history: Cambodia,
China, ...) or when the Commerce Country Chart of the shipped snapshot has a row for it or
directs it to another row (Hong Kong -> China, 85 FR 83788; Liechtenstein -> Switzerland,
footnote 5). Anything else (Palestine, Greenland, a typo) is `NotInChart`: cannot determine,
never a verdict. A directed destination is evaluated as the row it reads, for every layer:
the EAR's lists name China, not Hong Kong.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.rules.countries import country_name
from bot.rules.datasets import Destination, NotInChart, Tables, load_tables
from bot.rules.loader import Rulebook, RuleValue


@dataclass(frozen=True)
class Place:
    """A destination as the engine evaluates it."""

    asked: str  # ISO code as asked ("HK")
    code: str  # ISO code of the row every layer reads ("CN" for Hong Kong)
    name: str  # "Hong Kong (read as China)"
    direction: RuleValue | None = None  # why another row is read (traced and cited)


def tables() -> Tables:
    return load_tables()


def snapshot_date(t: Tables | None = None) -> date:
    """The eCFR date of the shipped tables: they hold from this day on."""
    return date.fromisoformat((t or tables()).ecfr_date)


@lru_cache(maxsize=8)
def chart_codes(t: Tables | None = None) -> frozenset[str]:
    return frozenset((t or tables()).destinations)


def covered(rulebook: Rulebook) -> frozenset[str]:
    """ISO codes the engine can decide: the rulebook's destinations and the chart's."""
    return _covered(rulebook.countries(), chart_codes())


@lru_cache(maxsize=8)
def _covered(countries: tuple[str, ...], charted: frozenset[str]) -> frozenset[str]:
    return frozenset(countries) | charted


def not_in_chart(code: str) -> NotInChart:
    """Why a destination outside the rulebook and the chart cannot be decided."""
    from bot.rules.datasets import resolve_destination

    found = resolve_destination(code)
    if isinstance(found, NotInChart):
        return found
    return NotInChart(code, country_name(code) or code, "no row")  # pragma: no cover


def direction_value(dest: Destination, t: Tables) -> RuleValue:
    """The direction to another row as a dated, cited value (for the trace)."""
    ref = dest.directive.reference
    source = ref.source.split("/", 1)[1] if ref.source.startswith("corpus/") else ref.source
    return RuleValue(value=dest.directive.to, valid_from=snapshot_date(t), valid_until=None,
                     citation=ref.citation, source=source, quote=ref.quote,
                     verified=ref.verified, note=ref.note or None)


def place(code: str, name: str | None = None) -> Place:
    """The destination `code` as every layer reads it (a directed one as its row)."""
    return _place(code, name or country_name(code) or code, tables())


@lru_cache(maxsize=1024)
def _place(code: str, name: str, t: Tables) -> Place:
    """Once per destination, name and snapshot (every evaluation asks)."""
    dest = t.destinations.get(code)
    if dest is None or dest.directive is None:
        return Place(code, code, name)
    row = t.destinations[dest.directive.to]
    return Place(code, row.code, f"{name} (read as {country_name(row.code) or row.name})",
                 direction_value(dest, t))


__all__ = ["Place", "chart_codes", "covered", "direction_value", "not_in_chart", "place",
           "snapshot_date", "tables"]
