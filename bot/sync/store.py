"""What sync keeps under `$REGBOT_HOME/sync/`, every file written atomically.

    documents/<number>.txt (+ .meta.json)  each synced document's text, with its ingest sidecar
    documents.json                         number -> what it is and what it amends
    ecfr/title-<t>-part-<p>.xml            eCFR parts, when configured
    reviews.json                           alarms raised so far, and the acknowledgements
    sync.lock                              one sync at a time

Atomic: a file is written to a temporary name in the same folder, flushed to disk and renamed
over the old one, so a crash leaves the old file or the new one, never half of either. A
document's text is written before its entry in documents.json, so an entry always has its text.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from bot.sync.amend import Amendment
from bot.sync.feed import FrDocument, SyncedDoc
from bot.sync.refs import CfrRef

DOCS_FILE, REVIEWS_FILE = "documents.json", "reviews.json"


def sync_dir(home: Path) -> Path:
    return Path(home) / "sync"


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once (temp file, fsync, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, obj: Any) -> None:
    write_atomic(path, (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True, default=str)
                        + "\n").encode("utf-8"))


def read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {path}: {exc}") from exc


class StoreError(RuntimeError):
    """A sync file under REGBOT_HOME is unreadable."""


# --------------------------------------------------------------------------- (de)serialising


def _ref(d: dict) -> CfrRef:
    return CfrRef(int(d["title"]), int(d["part"]), d.get("section"), d.get("supplement"))


def doc_to_json(doc: SyncedDoc) -> dict:
    d = doc.document
    return {"number": d.number, "title": d.title, "type": d.type,
            "published": d.published.isoformat(),
            "effective": d.effective.isoformat() if d.effective else None,
            "agencies": list(d.agencies), "html_url": d.html_url, "text_url": d.text_url,
            "xml_url": d.xml_url, "cfr_parts": [asdict(r) for r in d.cfr_parts],
            "citation": d.citation, "sha256": doc.sha256, "file": doc.file,
            "amendments": [{"target": asdict(a.target), "entries": sorted(a.entries),
                            "instruction": a.instruction} for a in doc.amendments]}


def doc_from_json(d: dict) -> SyncedDoc:
    document = FrDocument(
        number=d["number"], title=d["title"], type=d["type"],
        published=date.fromisoformat(d["published"]),
        effective=date.fromisoformat(d["effective"]) if d.get("effective") else None,
        agencies=tuple(d.get("agencies") or ()), html_url=d.get("html_url"),
        text_url=d.get("text_url"), xml_url=d.get("xml_url"),
        cfr_parts=tuple(_ref(r) for r in d.get("cfr_parts") or ()), citation=d.get("citation"))
    amendments = tuple(Amendment(_ref(a["target"]), frozenset(a.get("entries") or ()),
                                 a.get("instruction") or "") for a in d.get("amendments") or ())
    return SyncedDoc(document, amendments, d["sha256"], d["file"])


# --------------------------------------------------------------------------- the store


class SyncStore:
    """The sync folder of one REGBOT_HOME."""

    def __init__(self, home: Path):
        self.root = sync_dir(home)
        self.docs_dir = self.root / "documents"

    @property
    def lock_path(self) -> Path:
        return self.root / "sync.lock"

    def documents(self) -> dict[str, SyncedDoc]:
        raw = read_json(self.root / DOCS_FILE, {})
        try:
            return {n: doc_from_json(d) for n, d in raw.get("documents", {}).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"{self.root / DOCS_FILE} is malformed: {exc}") from exc

    def save_documents(self, docs: dict[str, SyncedDoc]) -> None:
        write_json(self.root / DOCS_FILE,
                   {"documents": {n: doc_to_json(d) for n, d in sorted(docs.items())}})

    def write_text(self, doc: FrDocument, text: str, meta: dict) -> str:
        """Store a document's text and its ingest sidecar; the path relative to the sync folder."""
        path = self.docs_dir / f"{doc.number}.txt"
        write_atomic(path, text.encode("utf-8"))
        write_json(path.with_name(path.name + ".meta.json"), meta)
        return str(path.relative_to(self.root))

    def write_ecfr(self, title: int, part: int, day: str, xml: str) -> Path:
        path = self.root / "ecfr" / f"title-{title}-part-{part}.xml"
        write_atomic(path, xml.encode("utf-8"))
        write_json(path.with_suffix(".json"), {"title": title, "part": part, "ecfr_date": day})
        return path

    def reviews(self) -> dict:
        data = read_json(self.root / REVIEWS_FILE, {})
        return {"alarms": dict(data.get("alarms") or {}), "acks": dict(data.get("acks") or {})}

    def save_reviews(self, data: dict) -> None:
        write_json(self.root / REVIEWS_FILE, data)

    def stamp(self) -> tuple[float, float]:
        """Changes when documents or acknowledgements change (for caches)."""
        out = []
        for name in (DOCS_FILE, REVIEWS_FILE):
            try:
                out.append((self.root / name).stat().st_mtime_ns)
            except FileNotFoundError:
                out.append(0)
        return tuple(out)
