"""Document metadata: the `X.meta.json` sidecar when present, inferred from the file otherwise."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from ingest.records import DocMeta
from ingest.errors import IngestError
from ingest.formats import jsonsafe
from ingest.structure import CfrTitles, front_matter
from ingest.trust import effective_trust

SIDECAR_SUFFIX = ".meta.json"
SIDECAR_DEPTH = 16  # a sidecar is one flat object; deeper nesting is an attack or a mistake
SIDECAR_MAX_BYTES = 1 << 20
_STR_FIELDS = ("title", "publisher", "agency", "document_type", "published", "effective",
               "citation", "source_url", "completeness", "visibility", "trust")
_DATE_FIELDS = ("published", "effective")
_VISIBILITY = ("shareable", "internal")
# publisher words -> short agency name (first match wins)
_AGENCIES = (
    (r"Bureau of Industry and Security|\bBIS\b|Department of Commerce|Commerce Department", "BIS"),
    (r"Directorate of Defense Trade Controls|\bDDTC\b|Department of State|State Department", "DDTC"),
    (r"Office of Foreign Assets Control|\bOFAC\b|Department of the Treasury", "OFAC"),
    (r"Nuclear Regulatory Commission|\bNRC\b", "NRC"),
    (r"Department of Energy|\bDOE\b", "DOE"),
)
_FILE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})_")
_CITATION = re.compile(r"\b(\d{1,2})\s+CFR\s+(?:§\s*)?(\d+\.\d+[A-Za-z0-9-]*)")
_SECTION_HEAD = re.compile(r"^\s*(?:#{1,6}\s*)?§(?:\s+§)?\s*(\d+\.\d+)\b", re.M)
_FR_CITATION = re.compile(r"\b(\d{2,3})\s+FR\s+(\d{3,6})\b")


def sidecar_path(path: Path) -> Path:
    """`X.md` -> `X.md.meta.json`."""
    return path.with_name(path.name + SIDECAR_SUFFIX)


def agency_for(publisher: str | None) -> str | None:
    """'Bureau of Industry and Security, ...' -> 'BIS'; 'Department of State (DDTC)' -> 'DDTC'."""
    if not publisher:
        return None
    return next((short for pattern, short in _AGENCIES if re.search(pattern, publisher, re.I)), None)


def _iso_date(value: Any, field: str, where: Path) -> str | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise IngestError(f"{where.name}: '{field}' must be a date YYYY-MM-DD or null, got {value!r}")


def _read_small(side: Path) -> bytes:
    """A sidecar's bytes: a regular file (never a FIFO) of at most SIDECAR_MAX_BYTES."""
    from ingest.readers import open_regular

    with open_regular(side) as fh:
        data = fh.read(SIDECAR_MAX_BYTES + 1)
    if len(data) > SIDECAR_MAX_BYTES:
        raise IngestError(f"metadata sidecar {side.name} is over {SIDECAR_MAX_BYTES // 1024} KB; "
                          "a sidecar holds a few fields")
    return data


def _read_sidecar(side: Path) -> dict[str, Any]:
    try:
        data = jsonsafe.loads(_read_small(side).decode("utf-8"), max_depth=SIDECAR_DEPTH)
    except OSError as exc:
        raise IngestError(f"cannot read metadata sidecar {side.name}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        raise IngestError(f"metadata sidecar {side.name} is not valid UTF-8")
    except jsonsafe.JSONInputError as exc:
        raise IngestError(f"metadata sidecar {side.name} is not valid JSON{exc.located()}")
    if not isinstance(data, dict):
        raise IngestError(f"metadata sidecar {side.name} must hold a JSON object, "
                          f"not {type(data).__name__}")
    for key in _STR_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise IngestError(f"{side.name}: '{key}' must be a string or null, "
                              f"got {type(data[key]).__name__}")
    return data


def infer_title(text: str, fallback: str) -> str:
    """Front-matter title, first Markdown heading, first short non-empty line, or `fallback`."""
    front = front_matter(text).get("title")
    if front:
        return front
    heading = re.search(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)
    if heading:
        return heading.group(1).strip()
    for line in text.splitlines()[:20]:
        line = line.strip()
        if line and not line.startswith(("<!--", "---")) and len(line) <= 200:
            return line
    return fallback


def infer_citation(text: str) -> str | None:
    """'15 CFR 744.21' from the opening text or a one-section file's heading; '90 FR 50489'."""
    head = text[:2000]
    cfr = _CITATION.search(head)
    if cfr:
        return f"{cfr.group(1)} CFR {cfr.group(2)}"
    front = front_matter(text)
    if front.get("title_number") and front.get("chapter"):
        return f"{front['title_number']} CFR chapter {front['chapter']}"
    sections = set(_SECTION_HEAD.findall(text))
    if len(sections) == 1:
        number = sections.pop()
        title = CfrTitles.from_text(text).title_for(number)
        return f"{title} CFR {number}" if title else f"§ {number}"
    fr = _FR_CITATION.search(head)
    return f"{fr.group(1)} FR {fr.group(2)}" if fr else None


def infer_meta(path: Path, text: str, trust: str | None = None) -> DocMeta:
    """Metadata from the file alone: title, date prefix of the name, citation, agency; its
    trust level is the folder's (`trust`), else unknown: text alone never makes it primary."""
    file_date = _FILE_DATE.match(path.name)
    published = None
    if file_date:
        try:
            published = date.fromisoformat(file_date.group(1)).isoformat()
        except ValueError:
            published = None
    head = text[:600]  # an agency line opens FR documents; deeper mentions are not authorship
    records = path.suffix.lower() in (".json", ".jsonl", ".ndjson")  # many records: no one title
    title = path.stem if records else infer_title(text, path.stem)
    return DocMeta(title=title, agency=agency_for(head), published=published,
                   citation=infer_citation(text), trust=effective_trust(None, trust))


def load_meta(path: Path, text: str, trust: str | None = None) -> DocMeta:
    """The sidecar's metadata (missing fields inferred), or inferred metadata; IngestError if malformed.

    `trust` is the level of the folder it was ingested from (a ceiling on what a sidecar says)."""
    inferred = infer_meta(path, text, trust)
    side = sidecar_path(path)
    if not side.is_file():
        return inferred
    data = _read_sidecar(side)
    visibility = data.get("visibility") or "shareable"
    if visibility not in _VISIBILITY:
        raise IngestError(f"{side.name}: 'visibility' must be one of {', '.join(_VISIBILITY)}, "
                          f"got {visibility!r}")
    publisher = data.get("publisher")
    try:
        level = effective_trust(data, trust)
    except ValueError as exc:
        raise IngestError(f"{side.name}: {exc}")

    def pick(key: str, inferred_value: str | None) -> str | None:
        # a key the sidecar states (even as null) is authoritative; absent keys are inferred
        return data.get(key) if key in data else inferred_value

    return DocMeta(
        title=(data.get("title") or "").strip() or inferred.title,
        publisher=publisher,
        agency=data.get("agency") or agency_for(publisher),
        document_type=data.get("document_type"),
        published=_iso_date(pick("published", inferred.published), "published", side),
        effective=_iso_date(data.get("effective"), "effective", side),
        citation=pick("citation", inferred.citation),
        source_url=data.get("source_url"),
        completeness=data.get("completeness"),
        visibility=visibility,
        trust=level,
    )
