"""Which screening list is active, and switching to a newer one atomically.

The package ships a snapshot (`bot/screening/data/csl.jsonl.gz` + `csl.provenance.json`, made
by `python -m bot.screening.build`). `update_list(file)` checks a newer download, stores it
under `$REGBOT_HOME/screening/lists/<sha>/` and then points `$REGBOT_HOME/screening/current.json`
at it (write temp, fsync, rename): a reader sees the old list or the new one, never half of
one, and a malformed or empty file leaves the old list active.
"""
from __future__ import annotations

import gzip
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from bot.screening.formats import (ListFormatError, ParsedList, counts_by_list, party_to_row,
                                   read_list)
from bot.screening.records import ListInfo, Party

DATA_DIR = Path(__file__).resolve().parent / "data"
SNAPSHOT = DATA_DIR / "csl.jsonl.gz"
PROVENANCE = DATA_DIR / "csl.provenance.json"
POINTER = "current.json"


class ScreeningListError(RuntimeError):
    """The active list cannot be read (missing snapshot, damaged update); says how to fix it."""


def screening_home() -> Path:
    from bot.settings import get_settings

    return Path(get_settings().home) / "screening"


def snapshot_bytes(parties) -> bytes:
    """The deterministic gzip'd JSON-lines form of `parties` (no timestamp, no file name)."""
    lines = "".join(json.dumps(party_to_row(p), ensure_ascii=False, sort_keys=True) + "\n"
                    for p in parties)
    buf = gzip.compress(lines.encode("utf-8"), compresslevel=9, mtime=0)
    return buf


def read_snapshot(path: Path) -> tuple[Party, ...]:
    from bot.screening.formats import _from_jsonl_row

    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            parties = tuple(_from_jsonl_row(json.loads(line)) for line in fh if line.strip())
    except (OSError, EOFError, ValueError, ListFormatError) as exc:
        raise ScreeningListError(f"the screening list {path} is damaged ({exc})") from None
    return tuple(p for p in parties if p is not None)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _info(meta: dict, origin: str, path: Path) -> ListInfo:
    return ListInfo(list_date=meta["list_date"], source=meta["source"], sha256=meta["input_sha256"],
                    entries=int(meta["entries"]), counts=dict(meta["counts"]), origin=origin,
                    path=str(path), loaded_at=meta.get("loaded_at"),
                    date_basis=meta.get("date_basis", ""))


def shipped_info() -> ListInfo:
    if not SNAPSHOT.is_file() or not PROVENANCE.is_file():
        raise ScreeningListError(
            f"the shipped screening snapshot is missing from {DATA_DIR} (build it: "
            f"python -m bot.screening.build ../shared/screening/csl.jsonl)")
    return _info(json.loads(PROVENANCE.read_text(encoding="utf-8")), "shipped", SNAPSHOT)


def active_list() -> tuple[ListInfo, Path]:
    """The active list's provenance and snapshot path: the latest update, else the shipped one."""
    pointer = screening_home() / POINTER
    if not pointer.exists():
        return shipped_info(), SNAPSHOT
    try:
        target = pointer.parent / json.loads(pointer.read_text(encoding="utf-8"))["dir"]
        meta = json.loads((target / "provenance.json").read_text(encoding="utf-8"))
        snapshot = target / "csl.jsonl.gz"
        if not snapshot.is_file():
            raise FileNotFoundError(snapshot)
        return _info(meta, "update", snapshot), snapshot
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ScreeningListError(
            f"the updated screening list that {pointer} points at cannot be read ({exc}); run "
            f"`regbot screening update FILE` again, or delete {pointer} to use the shipped "
            f"list") from None


def provenance(parsed: ParsedList, *, list_date: str, source: str, input_sha256: str,
               date_basis: str) -> dict:
    return {"list_date": list_date, "source": source, "input_sha256": input_sha256,
            "format": parsed.format, "entries": len(parsed.parties),
            "counts": counts_by_list(parsed.parties), "skipped": parsed.skipped,
            "date_basis": date_basis}


def _file_sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def update_list(path: str | Path, *, list_date: str | None = None) -> ListInfo:
    """Check `path` and make it the active list; raises ListFormatError (the old list stays)."""
    path = Path(path)
    parsed = read_list(path)
    date, basis = _list_date(parsed, path, list_date)
    sha = _file_sha256(path)
    home = screening_home()
    target = home / "lists" / sha[:16]
    meta = provenance(parsed, list_date=date, source=f"{parsed.format} file {path.name}",
                      input_sha256=sha, date_basis=basis)
    meta["loaded_at"] = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    _write_atomic(target / "csl.jsonl.gz", snapshot_bytes(parsed.parties))
    _write_atomic(target / "provenance.json", json.dumps(meta, indent=2).encode())
    read_snapshot(target / "csl.jsonl.gz")  # what we wrote reads back before we switch
    _write_atomic(home / POINTER, json.dumps({"dir": f"lists/{sha[:16]}"}).encode())
    return _info(meta, "update", target / "csl.jsonl.gz")


def _list_date(parsed: ParsedList, path: Path, given: str | None) -> tuple[str, str]:
    if given:
        try:
            return datetime.strptime(given, "%Y-%m-%d").date().isoformat(), "given (--list-date)"
        except ValueError:
            raise ListFormatError(f"--list-date must be YYYY-MM-DD, not {given!r}") from None
    if parsed.list_date:
        return parsed.list_date, "the file's sources_used (source_last_updated)"
    mtime = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).date().isoformat()
    return mtime, "the file's modification date (pass --list-date to state it)"
