"""Newer EAR tables: compile a folder in the format of ../shared/ear, show what changed, keep it.

`stage(dir, home)` compiles the folder with the same builder as `make tables`
(`bot.rules.datasets.build.compile_snapshot`) into a staging folder beside the kept
snapshots; `diff(old, new)` says what changed (chart rows and columns, ECCNs, Country Group
members); `keep(staged)` renames it to `<home>/tables/ear/<eCFR date>/` in one step. Older
snapshots stay where they are, so `load_tables(as_of=day)` still reads the table of `day`.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.rules.datasets.load import Tables, load_tables


class TablesBuildError(ValueError):
    """The folder cannot be compiled, or its date is already kept with other content."""


@dataclass(frozen=True)
class Staged:
    path: Path  # the staging folder (removed by keep/discard)
    ecfr_date: str
    target: Path  # where keep() puts it


def _shared_view(ear: Path, work: Path) -> Path:
    """A ../shared look-alike whose ear/ is `ear` and whose other folders (the hand-cited
    sources' files) are the real ../shared ones, so the builder's quote checks still run."""
    from bot.rules.datasets.build import DEFAULT_EAR

    real = DEFAULT_EAR.parent if DEFAULT_EAR.parent.is_dir() else ear.resolve().parent
    view = work / "shared"
    view.mkdir()
    for child in real.iterdir():
        if child.name != "ear":
            os.symlink(child.resolve(), view / child.name)
    os.symlink(ear.resolve(), view / "ear")
    return view / "ear"


def stage(ear: Path, root: Path) -> Staged:
    """Compile `ear` into a staging folder under `root` (the home's snapshot folder)."""
    from bot.rules.datasets.build import EAR_FILES, compile_snapshot, write

    missing = [n for n in EAR_FILES if not (ear / n).is_file()]
    if missing:
        raise TablesBuildError(f"{ear} lacks {', '.join(missing)} (the format of ../shared/ear)")
    with tempfile.TemporaryDirectory() as work:
        try:
            files = compile_snapshot(_shared_view(ear, Path(work)))
        except (OSError, ValueError, KeyError) as exc:
            raise TablesBuildError(f"cannot build the EAR tables from {ear}: {exc}") from exc
    day = json.loads(files["provenance.json"])["ecfr_date"]
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{day}-", dir=root))
    write(files, staging)
    return Staged(staging, day, root / day)


def _names(tables: Tables, codes) -> list[str]:
    return sorted(tables.destinations[c].name if c in tables.destinations else c for c in codes)


def diff(old: Tables | None, new: Tables) -> dict:
    """What changed from `old` to `new`: columns, chart rows, ECCNs, group members."""
    if old is None:
        return {"from": None, "to": new.ecfr_date, "first": True}
    rows_changed = {}
    for code in sorted(set(old.destinations) & set(new.destinations)):
        a, b = old.destinations[code], new.destinations[code]
        if (a.x, a.footnotes, a.see_other_part, a.kind) != (b.x, b.footnotes, b.see_other_part, b.kind):
            rows_changed[b.name] = {"added": sorted(set(b.x) - set(a.x)),
                                    "removed": sorted(set(a.x) - set(b.x)),
                                    "footnotes": [list(a.footnotes), list(b.footnotes)]}
    groups = {}
    for g in sorted(set(old.groups) | set(new.groups)):
        before, after = old.groups.get(g, frozenset()), new.groups.get(g, frozenset())
        if before != after:
            groups[g] = {"added": _names(new, after - before), "removed": _names(old, before - after)}
    changed_eccns = sorted(e for e in set(old.entries) & set(new.entries)
                           if old.entries[e] != new.entries[e])
    return {
        "from": old.ecfr_date, "to": new.ecfr_date, "first": False,
        "columns": {"added": sorted(set(new.columns) - set(old.columns)),
                    "removed": sorted(set(old.columns) - set(new.columns))},
        "rows": {"added": _names(new, set(new.destinations) - set(old.destinations)),
                 "removed": _names(old, set(old.destinations) - set(new.destinations)),
                 "changed": rows_changed},
        "eccns": {"added": sorted(set(new.entries) - set(old.entries)),
                  "removed": sorted(set(old.entries) - set(new.entries)),
                  "changed": changed_eccns},
        "groups": groups,
    }


def same_bytes(a: Path, b: Path) -> bool:
    names = {p.name for p in a.iterdir()} | {p.name for p in b.iterdir()}
    return all((a / n).is_file() and (b / n).is_file() and (a / n).read_bytes() == (b / n).read_bytes()
               for n in names)


def keep(staged: Staged) -> Path:
    """Switch: the staged snapshot becomes `<root>/<date>/` (one rename)."""
    os.replace(staged.path, staged.target)
    load_tables.cache_clear()
    return staged.target


def discard(staged: Staged) -> None:
    shutil.rmtree(staged.path, ignore_errors=True)
