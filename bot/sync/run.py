"""`run_sync`: fetch new documents -> store them (atomically) -> ingest -> staleness -> alarms.

A document already stored is never fetched again (a Federal Register document does not
change after publication; a correction is a document of its own), so syncing the same feed
twice adds nothing. Each document is stored whole — text, sidecar, then its entry in
documents.json (written at most once a second, and when the fetching ends or fails) — or
not at all; ingest runs while a `pending` marker says stored documents
may not be in the index yet, so a run killed after storing is finished by the next one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from time import perf_counter
from typing import Callable

from filelock import FileLock, Timeout

from bot.settings import Settings
from bot.sync.amend import amendments
from bot.sync.client import DirSource, HttpSource, Source, SyncError
from bot.sync.feed import FrDocument, SyncedDoc, paragraphs
from bot.sync.store import SyncStore

Progress = Callable[[str], None]
DEFAULT_SINCE = "2023-01-01"
PENDING = "pending-ingest"
# documents.json is rewritten at most this often while fetching (and once at the end): once
# per document cost O(n^2) — 2.3 s of 100 documents. A run killed in between loses only the
# entries of the last second's documents; their files are fetched and written again.
SAVE_EVERY_S = 1.0
_TYPES = {"rule": "final_rule", "proposed rule": "proposed_rule", "notice": "notice"}


@dataclass(frozen=True)
class SyncReport:
    source: str
    since: str
    dry_run: bool
    found: int = 0
    new: tuple[str, ...] = ()
    unchanged: int = 0
    out_of_scope: tuple[str, ...] = ()
    ecfr: tuple[str, ...] = ()
    ingest: dict | None = None
    alarms_new: tuple[dict, ...] = ()
    alarms_open: int = 0
    notified: int = 0
    problems: tuple[str, ...] = ()
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"source": self.source, "since": self.since, "dry_run": self.dry_run,
                "found": self.found, "new": list(self.new), "unchanged": self.unchanged,
                "out_of_scope": list(self.out_of_scope), "ecfr": list(self.ecfr),
                "ingest": self.ingest, "alarms_new": list(self.alarms_new),
                "alarms_open": self.alarms_open, "slack_messages": self.notified,
                "problems": list(self.problems), "seconds": round(self.seconds, 3)}


def _source(settings: Settings, from_dir: Path | None) -> Source:
    if from_dir is not None:
        return DirSource(Path(from_dir))
    return HttpSource(settings.sync_fr_url, settings.sync_agencies, settings.sync_types,
                      ecfr_url=settings.sync_ecfr_url if settings.sync_ecfr_parts else "",
                      retries=settings.sync_retries, backoff=settings.sync_backoff,
                      timeout=settings.sync_timeout)


def in_scope(doc: FrDocument) -> bool:
    """BIS documents; State documents only when they touch the ITAR (22 CFR 120-130)."""
    if "industry-and-security-bureau" in doc.agencies or not doc.agencies:
        return True
    return any(r.title == 22 and 120 <= r.part <= 130 for r in doc.cfr_parts) or \
        "International Traffic in Arms" in doc.title


def _sidecar(doc: FrDocument) -> dict:
    publisher = ("Bureau of Industry and Security, U.S. Department of Commerce"
                 if "industry-and-security-bureau" in doc.agencies else
                 "Directorate of Defense Trade Controls, U.S. Department of State"
                 if "state-department" in doc.agencies else None)
    return {"title": doc.title, "publisher": publisher,
            "document_type": _TYPES.get(doc.type.lower(), doc.type.lower() or None),
            "published": doc.published.isoformat(),
            "effective": doc.effective.isoformat() if doc.effective else None,
            "citation": doc.name, "source_url": doc.html_url, "completeness": "full",
            "obtained_from": f"regbot sync ({doc.text_url or doc.xml_url or 'saved response'})"}


def fetch_one(source: Source, store: SyncStore, doc: FrDocument) -> SyncedDoc:
    """Fetch, parse and store one document (text and sidecar); its SyncedDoc."""
    import hashlib

    body = source.text(doc)
    paras = paragraphs(body)
    if not paras:
        raise SyncError(f"{doc.name}: the full text is empty")
    text = "\n\n".join(paras) + "\n"
    found = amendments(paras, doc.title_number, doc.cfr_parts) if doc.amends else ()
    file = store.write_text(doc, text, _sidecar(doc))
    return SyncedDoc(doc, found, hashlib.sha256(text.encode("utf-8")).hexdigest(), file)


def _ecfr(source: Source, store: SyncStore, settings: Settings, say: Progress) -> list[str]:
    done = []
    for spec in settings.sync_ecfr_parts:
        title, _, part = spec.partition(":")
        got = source.ecfr(int(title), int(part))
        if got is None:
            continue
        day, xml = got
        store.write_ecfr(int(title), int(part), day, xml)
        done.append(f"{title} CFR part {part} ({day})")
        say(f"eCFR {title} CFR part {part} as of {day} stored")
    return done


def _ingest(store: SyncStore, settings: Settings, say: Progress) -> dict:
    from index.build import ingest_paths

    paths = [p for p in (store.docs_dir, store.root / "ecfr") if p.is_dir()]

    def progress(p) -> None:
        if p.stage == "done":
            say(f"ingest {p.files_done}/{p.files_total} files, {p.chunks_embedded} new chunks")

    report = ingest_paths(paths, settings, progress=progress)
    if not report.failed:
        (store.root / PENDING).unlink(missing_ok=True)
    return report.summary_json()


def run_sync(settings: Settings, *, since: str | None = None, dry_run: bool = False,
             from_dir: Path | None = None, progress: Progress | None = None, rulebook=None,
             notify_slack: bool = True, ingest: bool = True) -> SyncReport:
    """One sync of REGBOT_HOME (see the module docstring); SyncError on a failure. With
    `ingest=False` the documents are stored and checked but left for a later run to ingest."""
    from bot.sync.notify import notify
    from bot.sync.review import refresh

    say = progress or (lambda _msg: None)
    start = perf_counter()
    store = SyncStore(settings.home)
    store.root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(store.lock_path))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise SyncError(f"another `regbot sync` is running on {settings.home}") from exc
    try:
        docs = store.documents()
        if since is None:
            since = max((d.document.published.isoformat() for d in docs.values()),
                        default=settings.sync_since or DEFAULT_SINCE)
        date.fromisoformat(since)
        source = _source(settings, from_dir)
        found, new, unchanged, skipped = 0, [], 0, []
        saved, unsaved = perf_counter(), False
        try:
            for doc in source.search(since):
                found += 1
                if not in_scope(doc):
                    skipped.append(doc.number)
                elif doc.number in docs:
                    unchanged += 1
                elif dry_run:
                    new.append(doc.number)
                    say(f"would fetch {doc.name} ({doc.published}) {doc.title[:60]}")
                else:
                    (store.root / PENDING).touch()
                    docs[doc.number] = fetch_one(source, store, doc)
                    new.append(doc.number)
                    unsaved = True
                    say(f"fetched {doc.name} ({doc.published}): "
                        f"{len(docs[doc.number].amendments)} amendment(s)")
                    if perf_counter() - saved >= SAVE_EVERY_S:
                        store.save_documents(docs)
                        saved, unsaved = perf_counter(), False
        finally:  # the entries of every document stored whole, also when a fetch failed
            if unsaved:
                store.save_documents(docs)
        ecfr = [] if dry_run else _ecfr(source, store, settings, say)
        ingested = None
        if not dry_run and (new or ecfr or (store.root / PENDING).exists()):
            (store.root / PENDING).touch()
            ingested = _ingest(store, settings, say) if ingest else None
        state = refresh(settings, rulebook, write=not dry_run)
        posted, problems = (notify(state.new, settings) if notify_slack and not dry_run
                            else (0, []))
        for alarm in state.new:
            say(f"alarm {alarm.id}: {alarm.rule_id} under review (FR Doc. {alarm.document} "
                f"amends {alarm.amends})")
        return SyncReport(
            source=str(from_dir) if from_dir else settings.sync_fr_url, since=since,
            dry_run=dry_run, found=found, new=tuple(new), unchanged=unchanged,
            out_of_scope=tuple(skipped), ecfr=tuple(ecfr), ingest=ingested,
            alarms_new=tuple(a.to_dict() for a in state.new), alarms_open=len(state.open),
            notified=posted, problems=tuple(problems), seconds=perf_counter() - start)
    finally:
        lock.release()
