"""Import external gold sets from JSONL.

Each line is one JSON object from another dataset; `JsonlMapping` says which of its fields hold what:

    {"id": "q17", "question": "Can we ship X to Y?", "label": "licence needed",
     "evidence": [{"doc": "15cfr744.21.md", "section": "15 CFR 744.21(a)(1)", "text": "..."},
                  {"doc": "notes.txt", "start": 120, "end": 180}, "a bare quote"],
     "as_of": "2024-01-01", "tags": ["external"]}

- question  -> `question` (required)
- label     -> `status` via `label_map` (case-insensitive); labels that already are regbot statuses pass
  through; an unmapped label is an error naming the line. `abstain_labels` also set must_abstain.
- evidence  -> `sources`: a string is a quote; an object maps `doc`/`file`/`source` to file,
  `section`/`locator` to locator, `text`/`quote` to quote, and a `start`/`end` character span of the
  document (read from `corpus`) to the quote it covers.
- id, as_of, tags -> the same fields (id defaults to `<file stem>-<line>`).

`regbot eval data.jsonl` uses the default mapping below; call `load_jsonl_gold` for others.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.eval.gold import GoldError, GoldItem, parse_item

DEFAULT_LABEL_MAP = {
    "allowed": "no_license_required", "nlr": "no_license_required", "no licence required":
    "no_license_required", "no license required": "no_license_required",
    "licence required": "license_required", "license required": "license_required",
    "licence needed": "license_required", "license needed": "license_required",
    "denied": "prohibited", "embargoed": "prohibited", "forbidden": "prohibited",
    "it depends": "depends", "unanswerable": "cannot_determine", "unknown": "cannot_determine",
    "out of scope": "cannot_determine",
}


@dataclass(frozen=True)
class JsonlMapping:
    """Field names of the external dataset, and how its labels map to our statuses."""

    id_field: str = "id"
    question_field: str = "question"
    label_field: str = "label"
    evidence_field: str = "evidence"
    as_of_field: str = "as_of"
    tags_field: str = "tags"
    label_map: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LABEL_MAP))
    abstain_labels: tuple[str, ...] = ("unanswerable", "out of scope", "cannot_determine")


def _map_label(label: Any, mapping: JsonlMapping, where: str) -> str:
    from bot.records import STATUSES

    if not isinstance(label, str):
        raise GoldError(f"{where}: field 'label': expected a string, got {label!r}")
    key = label.strip().lower()
    status = mapping.label_map.get(key) or (key if key in STATUSES else None)
    if status is None:
        raise GoldError(f"{where}: field 'label': no status for label {label!r}; "
                        "add it to the adapter's label_map")
    return status


def _evidence_source(ev: Any, corpus: Path | None, where: str) -> dict[str, Any] | str:
    if isinstance(ev, str):
        return {"quote": ev}
    if not isinstance(ev, dict):
        raise GoldError(f"{where}: field 'evidence': expected strings or objects, got {ev!r}")
    file = ev.get("doc") or ev.get("file") or ev.get("source")
    ref: dict[str, Any] = {"file": file, "locator": ev.get("section") or ev.get("locator"),
                           "quote": ev.get("text") or ev.get("quote")}
    if ref["quote"] is None and "start" in ev and "end" in ev:
        ref["quote"] = _span_text(file, ev["start"], ev["end"], corpus, where)
    return {k: v for k, v in ref.items() if v is not None}


def _span_text(file: Any, start: Any, end: Any, corpus: Path | None, where: str) -> str:
    if corpus is None or not isinstance(file, str):
        raise GoldError(f"{where}: field 'evidence': a start/end span needs a doc and a corpus folder")
    path = corpus / file
    if not path.is_file():
        raise GoldError(f"{where}: field 'evidence': no such document {path}")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise GoldError(f"{where}: field 'evidence': bad span [{start}, {end}] for {file}")
    return text[start:end]


def convert_record(record: dict[str, Any], mapping: JsonlMapping, origin: str, line: int,
                   corpus: Path | None = None) -> GoldItem:
    """One external record -> a validated GoldItem."""
    where = f"{origin}: line {line}"
    status = _map_label(record.get(mapping.label_field), mapping, where)
    evidence = record.get(mapping.evidence_field) or []
    if not isinstance(evidence, list):
        evidence = [evidence]
    raw = {
        "id": str(record.get(mapping.id_field) or f"{Path(origin).stem}-{line}").lower(),
        "question": record.get(mapping.question_field),
        "status": status,
        "sources": [_evidence_source(ev, corpus, where) for ev in evidence],
        "must_abstain": record[mapping.label_field].strip().lower() in mapping.abstain_labels,
        "tags": record.get(mapping.tags_field) or [],
    }
    if record.get(mapping.as_of_field):
        raw["as_of"] = record[mapping.as_of_field]
    return parse_item(raw, origin, line - 1)


def load_jsonl_gold(path: Path, mapping: JsonlMapping | None = None,
                    corpus: Path | None = None) -> list[GoldItem]:
    """Read an external JSONL dataset into gold items (GoldError names the file and line)."""
    mapping = mapping or JsonlMapping()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: cannot read: {exc}") from exc
    items = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"{path}: line {n}: invalid JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise GoldError(f"{path}: line {n}: expected a JSON object")
        items.append(convert_record(record, mapping, str(path), n, corpus))
    return items
