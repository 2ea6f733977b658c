"""JSON and JSONL record files to text, one block per record, keeping record identity.

Federal Register paragraph records (`document_number`, `paragraph_index`, `text`) become
`## FR Doc. N` headings with `¶i text` paragraphs, so locators read `FR Doc. N ¶i`.
eCFR chunk rows (`section_id` "EAR-744.21(a)", `source_ref` "...:title15:...") get a
`15 CFR 744.21(a)` citation line, so locators read `15 CFR 744.21(a)(1)`.
"""
from __future__ import annotations

import re
from typing import Any

from ingest.errors import IngestError
from ingest.formats import jsonsafe

_TEXT_KEYS = ("text", "content", "body", "paragraph")
_LIST_KEYS = ("rows", "records", "items", "data", "documents", "chunks", "paragraphs")
_ID_KEYS = ("id", "doc_id", "section_id", "title", "name")
_SECTION_ID = re.compile(r"(\d+[A-Za-z]?\.\d+[A-Za-z0-9-]*(?:\([A-Za-z0-9]+\))*)$")
_TITLE_REF = re.compile(r"title[-_ ]?(\d{1,2})\b", re.I)


def _record_text(rec: dict[str, Any]) -> str | None:
    for key in _TEXT_KEYS:
        if isinstance(rec.get(key), str) and rec[key].strip():
            return rec[key].strip()
    return None


def _find_records(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [r for r in data if isinstance(r, dict)]
    if isinstance(data, dict):
        for key in _LIST_KEYS:
            if isinstance(data.get(key), list):
                return [r for r in data[key] if isinstance(r, dict)]
        lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if lists:
            return [r for r in lists[0] if isinstance(r, dict)]
        return [data]
    return []


def _cfr_label(rec: dict[str, Any]) -> str | None:
    """'15 CFR 744.21(a)' for an eCFR row, when its section id and CFR title are known."""
    m = _SECTION_ID.search(str(rec.get("section_id") or ""))
    t = _TITLE_REF.search(str(rec.get("source_ref") or "")) or re.search(
        r"\b(\d{1,2})\s+CFR\b", _record_text(rec) or "")
    return f"{t.group(1)} CFR {m.group(1)}" if m and t else None


def _label(rec: dict[str, Any], index: int) -> str:
    cfr = _cfr_label(rec)
    if cfr:
        return cfr
    return next((str(rec[k]) for k in _ID_KEYS if rec.get(k) not in (None, "")), f"record {index}")


def records_to_text(records: list[dict[str, Any]]) -> str:
    """Render records; FR paragraphs grouped under their document number."""
    blocks: list[str] = []
    current_doc = None
    for i, rec in enumerate(records):
        text = _record_text(rec)
        if text is None:
            continue
        if rec.get("document_number") is not None and rec.get("paragraph_index") is not None:
            if rec["document_number"] != current_doc:
                current_doc = rec["document_number"]
                blocks.append(f"## FR Doc. {current_doc}")
            blocks.append(f"¶{rec['paragraph_index']} {text}")
            continue
        current_doc = None
        label = _label(rec, i)
        if text.split("\n", 1)[0].strip() != label:
            blocks.append(f"## {label}")
        blocks.append(text)
    if not blocks:
        raise IngestError("no text records found (expected objects with a 'text' field)")
    return "\n\n".join(blocks) + "\n"


def json_to_text(text: str) -> str:
    """A JSON file of records (a list, or an object holding one, e.g. {"rows": [...]})."""
    try:
        parsed = jsonsafe.loads(text)
    except jsonsafe.JSONInputError as exc:
        raise IngestError(f"malformed JSON{exc.located()}")
    return records_to_text(_find_records(parsed))


def jsonl_to_text(text: str) -> str:
    """A JSON Lines file: one JSON object a line."""
    records = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = jsonsafe.loads(line)
        except jsonsafe.JSONInputError as exc:
            if exc.lineno is None:
                raise IngestError(f"malformed JSON on line {n}: {exc}")
            raise IngestError(f"malformed JSON on line {n} (column {exc.colno}: {exc.msg})")
        if not isinstance(rec, dict):
            raise IngestError(f"line {n} is not a JSON object")
        records.append(rec)
    return records_to_text(records)
