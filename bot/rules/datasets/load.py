"""Read a shipped snapshot (`bot/rules/data/ear/<date>/`) into `Tables`.

No I/O after `load_tables` returns: the procedure, the renderers and the search read only
the `Tables` object. Snapshots are kept one folder per eCFR date, so a later issue can pick
the table in force on an `--as-of` date: `load_tables(as_of=day)` reads the newest snapshot
of an eCFR date on or before `day` (the oldest one for an earlier day). Snapshots are kept in
the package (`bot/rules/data/ear/`) and, built by `regbot rules build DIR`, under
`$REGBOT_HOME/tables/ear/` (`snapshot_roots()`).
"""
from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.rules.datasets.types import (CclEntry, Destination, Footnote, Item, Provenance,
                                      Reference, destination_from, entry_from, footnote_from,
                                      items_from, provenance_from, reference_from)

DATA = Path(__file__).resolve().parent.parent / "data" / "ear"
FILES = ("destinations.json", "groups.json", "chart.json", "ccl.jsonl", "items.jsonl",
         "references.json", "synonyms.json", "provenance.json")


class TablesError(RuntimeError):
    """The snapshot is missing or unreadable (a broken install, not a user error)."""


@dataclass(frozen=True, eq=False)
class Tables:
    """The EAR's tables of one eCFR date. Look-ups are dicts; nothing here does I/O."""
    ecfr_date: str
    path: Path
    provenance: Provenance
    columns: tuple[str, ...]
    destinations: dict[str, Destination]          # ISO code -> destination, in chart order
    groups: dict[str, frozenset[str]]             # "D:5" -> ISO codes
    group_names: dict[str, tuple[str, ...]]       # "D:5" -> names as printed
    footnotes: dict[int, Footnote]
    entries: dict[str, CclEntry]                  # "3A001" -> entry
    un_embargo: frozenset[str]                    # § 746.1(b)(2)
    un_reference: Reference
    un_requirement: str
    ru_by_footnote: int
    ru_by_reference: Reference
    exception_references: dict[str, Reference]
    synonyms: dict[str, tuple[str, ...]]
    groups_of: dict[str, frozenset[str]] = field(default_factory=dict)

    def destination(self, code: str) -> Destination | None:
        return self.destinations.get(code.upper())

    def carrying(self, footnote: int) -> tuple[str, ...]:
        """ISO codes of the rows that print `footnote` (footnote 6: BY, RU)."""
        return tuple(d.code for d in self.destinations.values() if footnote in d.footnotes)

    def row_for(self, destination: Destination) -> Destination:
        """The row whose marks apply: the destination's own, or the one it is directed to
        (Hong Kong -> China, 85 FR 83788; Liechtenstein -> Switzerland, footnote 5)."""
        if destination.directive is not None:
            return self.destinations[destination.directive.to]
        return destination


@lru_cache(maxsize=4)
def load_items(path: Path) -> dict[str, tuple[Item, ...]]:
    """ECCN -> its List of Items Controlled (read lazily: only the word search needs it)."""
    try:
        lines = (Path(path) / "items.jsonl").read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line]
    except (OSError, ValueError) as exc:
        raise TablesError(f"cannot read {Path(path) / 'items.jsonl'}: {exc}") from exc
    return {r["eccn"]: items_from(r["items"]) for r in rows}


def home_root() -> Path:
    """Where `regbot rules build` keeps the snapshots it built: $REGBOT_HOME/tables/ear."""
    return _home_root(*_home_env())


# The environment variables the home folder depends on (bot.settings): reading the settings
# scans the whole environment, too slow for a look-up made on every evaluation.
_HOME_ENV = ("REGBOT_HOME", "REGBOT_CONFIG", "XDG_DATA_HOME", "HOME")


def _home_env() -> tuple:
    """The variables' values (the cache key of `_home_root`). `os.environ` decodes each
    value it is asked for; its own mapping of the encoded names, where it keeps one (POSIX),
    is read without that (a third of a snapshot look-up)."""
    data = getattr(os.environ, "_data", None)
    if type(data) is dict and _ENCODED:
        return tuple(map(data.get, _ENCODED))
    return tuple(os.environ.get(k) for k in _HOME_ENV)


def _encoded() -> tuple:
    try:
        return tuple(os.environ.encodekey(k) for k in _HOME_ENV)  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - another platform's os.environ
        return ()


_ENCODED = _encoded()


@lru_cache(maxsize=8)
def _home_root(*_env: str | None) -> Path:
    from bot.settings import get_settings

    return Path(get_settings().home) / "tables" / "ear"


def snapshot_roots() -> tuple[Path, ...]:
    """The folders holding snapshots: the package's, then the home's (the later wins a date)."""
    return (DATA, home_root())


def snapshots(roots: tuple[Path, ...] | None = None) -> dict[str, Path]:
    """eCFR date -> snapshot folder, oldest first, over every root. The folders are listed
    again when a root's modification time changes (a snapshot renamed in or removed) or
    `load_tables.cache_clear()` ran: an evaluation looks the snapshot up several times, and
    listing the folders each time cost more than the § 738.4 procedure itself."""
    return dict(_listed(roots))


def _listed(roots: tuple[Path, ...] | None = None, recent: float = 0.0
            ) -> tuple[tuple[str, Path], ...]:
    """`snapshots()` as the (date, folder) pairs it keeps, oldest first (not copied). With
    `recent`, a listing whose folders' times were read less than `recent` seconds ago is
    trusted without reading them again."""
    roots = snapshot_roots() if roots is None else tuple(roots)
    seen = _LISTED.get(roots)
    now = time.monotonic()
    if seen is not None and now - seen[2] < recent:
        return seen[1]
    stamp = tuple(map(_mtime, roots))
    listing = seen[1] if seen is not None and seen[0] == stamp else _listing(roots)
    _LISTED[roots] = (stamp, listing, now)
    return listing


# roots -> (their modification times, the listing, when the times were read)
_LISTED: dict[tuple[Path, ...], tuple[tuple, tuple[tuple[str, Path], ...], float]] = {}
# An evaluation (pinned, `bot.rules.engine`) trusts a listing whose folder times were read
# less than this long ago: reading them (two stat calls, one failing where the home holds no
# snapshot) was a tenth of a verdict. Every other look-up reads them each time; in-process
# writers (`regbot rules build`, `regbot sync`) clear the listing, so only a snapshot another
# process adds or removes is seen up to this late by an evaluation.
RECHECK_S = 1.0


def _mtime(root: Path) -> int | None:
    try:
        return os.stat(str(root)).st_mtime_ns
    except OSError:
        return None


def _listing(roots: tuple[Path, ...]) -> tuple[tuple[str, Path], ...]:
    found: dict[str, Path] = {}
    for root in roots:
        if root.is_dir():
            for p in root.iterdir():
                if (p / "provenance.json").is_file() and not p.name.startswith("."):
                    found[p.name] = p
    return tuple(sorted(found.items()))


def snapshot_dates(root: Path | None = None) -> list[str]:
    """The eCFR dates of the kept snapshots (of `root` only, when given), oldest first."""
    return list(snapshots(None if root is None else (root,)))


def snapshot_for(as_of=None) -> Path:
    """The snapshot in force on `as_of` (a date): the newest of an eCFR date on or before it,
    else the oldest kept; with no date, the newest."""
    memo = _PINNED.get()
    if memo is None:
        kept = _listed()
    elif (kept := memo.get(_KEPT)) is None:
        kept = memo[_KEPT] = _listed(recent=RECHECK_S)
    if not kept:
        raise TablesError(f"no EAR tables snapshot under {DATA} (run `make tables`)")
    if as_of is None:
        return kept[-1][1]
    day = as_of.isoformat() if hasattr(as_of, "isoformat") else str(as_of)
    before = [p for d, p in kept if d <= day]
    return before[-1] if before else kept[0][1]


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TablesError(f"cannot read the EAR tables snapshot file {path}: {exc}") from exc


def load_tables(path: Path | str | None = None, as_of=None) -> Tables:
    """The snapshot at `path` (a snapshot folder), else the one in force on `as_of` (a date),
    else the newest kept."""
    if path is not None:
        return _load(Path(path))
    memo = _PINNED.get()
    if memo is None:
        return _load(snapshot_for(as_of))
    if as_of not in memo:
        memo[as_of] = _load(snapshot_for(as_of))
    return memo[as_of]


# Inside `pinned()`, the snapshot folders are listed (their modification times read, the
# home folder found) once, and the snapshot in force on each date looked up once: one
# evaluation reads the tables several times.
_PINNED: ContextVar[dict | None] = ContextVar("regbot_tables_pinned", default=None)
_KEPT = object()  # the memo's key for the listing


@contextmanager
def pinned():
    """Within the block, `load_tables(as_of=...)` looks each date's snapshot up once (the
    engine pins one evaluation). Nested blocks share the outer one's look-ups."""
    token = pin()
    try:
        yield
    finally:
        unpin(token)


def pin():
    """`pinned()` without the context manager (the engine's hot path): a token for `unpin`,
    None when a pin is already in place (the outer one's look-ups are shared)."""
    return None if _PINNED.get() is not None else _PINNED.set({})


def unpin(token) -> None:
    if token is not None:
        _PINNED.reset(token)


@lru_cache(maxsize=8)
def _load(path: Path) -> Tables:
    missing = [n for n in FILES if not (path / n).is_file()]
    if missing:
        raise TablesError(f"EAR tables snapshot {path} lacks {', '.join(missing)}")
    dests = [destination_from(d) for d in _read_json(path / "destinations.json")["destinations"]]
    groups = _read_json(path / "groups.json")["groups"]
    chart = _read_json(path / "chart.json")
    refs = _read_json(path / "references.json")
    try:
        lines = (path / "ccl.jsonl").read_text(encoding="utf-8").splitlines()
        entries = [entry_from(json.loads(line)) for line in lines if line]
    except (OSError, ValueError, KeyError) as exc:
        raise TablesError(f"cannot read {path / 'ccl.jsonl'}: {exc}") from exc
    provenance = provenance_from(_read_json(path / "provenance.json"))
    group_sets = {g: frozenset(v["codes"]) for g, v in groups.items()}
    groups_of: dict[str, set[str]] = {}
    for group, codes in group_sets.items():
        for code in codes:
            groups_of.setdefault(code, set()).add(group)
    return Tables(
        provenance.ecfr_date, path, provenance, tuple(chart["columns"]),
        {d.code: d for d in dests}, group_sets,
        {g: tuple(v["printed"]) for g, v in groups.items()},
        {f.number: f for f in (footnote_from(f) for f in chart["footnotes"])},
        {e.eccn: e for e in entries},
        frozenset(refs["un_arms_embargo"]["codes"]),
        reference_from(refs["un_arms_embargo"]["reference"]),
        refs["un_arms_embargo"]["requirement"],
        int(refs["ru_by"]["footnote"]), reference_from(refs["ru_by"]["reference"]),
        {code: reference_from(v["reference"]) for code, v in refs["license_exceptions"].items()},
        {w: tuple(v) for w, v in _read_json(path / "synonyms.json").items()},
        {code: frozenset(g) for code, g in groups_of.items()})


def describe(tables: Tables) -> dict:
    """What a snapshot holds: date, source, input hashes and counts (`regbot rules info`)."""
    from collections import Counter

    rows = [r for e in tables.entries.values() for r in e.rows]
    dests = list(tables.destinations.values())
    return {
        "ecfr_date": tables.ecfr_date,
        "source": tables.provenance.source,
        "path": str(tables.path),
        "builder_version": tables.provenance.builder_version,
        "snapshots": snapshot_dates(tables.path.parent),
        "inputs": dict(tables.provenance.inputs),
        "counts": {
            "destinations": len(dests),
            "destinations_by_kind": dict(sorted(Counter(d.kind for d in dests).items())),
            "directed": {d.code: d.directive.to for d in dests if d.directive},
            "columns": len(tables.columns),
            "groups": {g: len(m) for g, m in sorted(tables.groups.items())},
            "group_memberships": sum(len(m) for m in tables.groups.values()),
            "eccns": len(tables.entries),
            "eccns_without_license_table": sum(not e.rows for e in tables.entries.values()),
            "license_requirement_rows": len(rows),
            "rows_by_kind": dict(sorted(Counter(r.requirement.kind for r in rows).items())),
            "scopes_by_kind": dict(sorted(Counter(r.scope.kind for r in rows).items())),
            "footnotes": len(tables.footnotes),
        },
        "footnotes": {str(n): {"kind": f.kind, "effect": f.effect, "applies_to": f.applies_to,
                               "eccns": sorted({t.eccn for t in f.targets}),
                               "destinations": list(tables.carrying(n))}
                      for n, f in sorted(tables.footnotes.items())},
        "notes": list(tables.provenance.notes),
    }


def _cache_clear() -> None:
    _load.cache_clear()
    _LISTED.clear()


load_tables.cache_clear = _cache_clear  # type: ignore[attr-defined]  # tests, benches, `keep`
