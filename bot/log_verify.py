"""Verify the decision log, and take a checkpoint of its head.

What each check catches (issue 14's attacks, each tested on the real SQLite file):
- a row's content edited: its sha256 no longer matches;
- an edit with every hash after it recomputed: the keyed MAC chain breaks there;
- a forged row appended (hashes computed, no key): its MAC is wrong, or missing after
  keyed rows;
- the last rows deleted: AUTOINCREMENT's sqlite_sequence remembers their ids; with
  sqlite_sequence lowered too, the signed head record (or a checkpoint) still names a
  row that is gone;
- a middle row deleted: ids are no longer consecutive.
Rows written before the log had a key (schema < 3) have no MAC: they must come before
every keyed row, and are reported as hash-chained only.
"""
from __future__ import annotations

import hmac
from typing import Any

from bot.decision_log import GENESIS, ChainReport, highest_id_ever, raw_rows, row_hash
from bot.log_key import GENESIS_MAC, LogKey, LogKeyError, load_key, read_head
from bot.settings import Settings


def _broken(rows: int, at: int | None, reason: str, keyed: int) -> ChainReport:
    return ChainReport(False, rows, at, reason, keyed)


def _walk(rows: list[dict[str, Any]], key: LogKey | None) -> ChainReport:
    """Ids, hash links, content hashes and MACs, row by row."""
    prev_hash, prev_mac, expected_id, count, keyed = GENESIS, GENESIS_MAC, 1, 0, 0
    for row in rows:
        if row["id"] != expected_id:
            return _broken(count, expected_id, f"row {expected_id} is missing", keyed)
        if row["prev_hash"] != prev_hash:
            return _broken(count, row["id"], "previous-row hash does not match", keyed)
        if row_hash(row) != row["row_hash"]:
            return _broken(count, row["id"], "row content was changed", keyed)
        mac = row.get("mac")
        if mac is None and keyed:
            return _broken(count, row["id"], "row has no MAC after keyed rows: it was inserted "
                                             "without the key (forged)", keyed)
        if mac is not None:
            if key is None:
                raise LogKeyError("the decision log is keyed but no key is available: set "
                                  "REGBOT_LOG_KEY or REGBOT_LOG_KEY_FILE to the key it was written with")
            if not hmac.compare_digest(mac, key.mac(prev_mac, row["row_hash"])):
                return _broken(count, row["id"], "MAC does not match: the row was changed or "
                                                 "forged (hashes recomputed without the key), or "
                                                 f"this is not the log's key (key id {key.key_id})",
                                keyed)
            prev_mac, keyed = mac, keyed + 1
        prev_hash, expected_id, count = row["row_hash"], expected_id + 1, count + 1
    return ChainReport(True, count, keyed_rows=keyed)


def _against_head(rows: list[dict[str, Any]], head: dict[str, Any], what: str,
                  key: LogKey | None) -> str | None:
    """Why `rows` do not reach the head/checkpoint `head`, or None when they do."""
    try:
        last_id, count = int(head["last_id"]), int(head["rows"])
    except (KeyError, TypeError, ValueError):
        return f"the {what} is malformed (needs rows, last_id, mac)"
    if what == "head record":
        if key is None or not hmac.compare_digest(str(head.get("sig", "")),
                                                  key.head_sig(count, last_id, str(head.get("mac")))):
            return "the head record's signature does not match (edited, or another key)"
    if last_id == 0:
        return None
    by_id = {r["id"]: r for r in rows}
    target = by_id.get(last_id)
    if target is None or len(rows) < count:
        return (f"truncated: the {what} says {count} row(s) up to row {last_id}, the log has "
                f"{len(rows)} (last id {rows[-1]['id'] if rows else 0})")
    if head.get("mac") and target.get("mac") != head["mac"]:
        return f"row {last_id} is not the row the {what} recorded (rewritten)"
    if head.get("row_hash") and target["row_hash"] != head["row_hash"]:
        return f"row {last_id} is not the row the {what} recorded (rewritten)"
    return None


def verify_log(settings: Settings, checkpoint: dict[str, Any] | None = None) -> ChainReport:
    """The full check; see the module docstring."""
    path = settings.decision_log_path
    if not path.exists():
        if checkpoint and int(checkpoint.get("rows", 0) or 0) > 0:
            return _broken(0, 1, f"the log {path} is gone but the checkpoint names "
                                 f"{checkpoint['rows']} row(s)", 0)
        return ChainReport(ok=True, rows=0)
    key = load_key(settings, create=False)
    rows = raw_rows(path)
    report = _walk(rows, key)
    if not report.ok:
        return report
    highest = highest_id_ever(path)
    if highest > len(rows):  # AUTOINCREMENT remembers ids of deleted tail rows
        return _broken(len(rows), len(rows) + 1, f"rows {len(rows) + 1}..{highest} were deleted",
                       report.keyed_rows)
    notes = []
    head = read_head(path)
    if report.keyed_rows and head is None and checkpoint is None:
        return _broken(len(rows), None, "the head record (decisions.head.json) is missing, so "
                                        "truncation cannot be ruled out; verify with "
                                        "--checkpoint FILE", report.keyed_rows)
    for record, what in ((head, "head record"), (checkpoint, "checkpoint")):
        if record is not None:
            why = _against_head(rows, record, what, key)
            if why:
                return _broken(len(rows), None, why, report.keyed_rows)
    legacy = len(rows) - report.keyed_rows
    if legacy:
        notes.append(f"rows 1..{legacy} predate the log key: hash-chained only, anchored by "
                     "the first keyed row" if report.keyed_rows else
                     f"{legacy} row(s) without a key: hash-chained only")
    return ChainReport(True, len(rows), keyed_rows=report.keyed_rows, notes=tuple(notes))


def checkpoint(settings: Settings) -> dict[str, Any]:
    """The head to store elsewhere: row count, last id, its MAC and hash, the key id."""
    from datetime import datetime, timezone

    key = load_key(settings, create=False)
    path = settings.decision_log_path
    rows = raw_rows(path) if path.exists() else []
    last = rows[-1] if rows else None
    return {"log": str(path), "rows": len(rows), "last_id": last["id"] if last else 0,
            "mac": last.get("mac") if last else None,
            "row_hash": last["row_hash"] if last else None,
            "key_id": key.key_id if key else None,
            "taken_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
