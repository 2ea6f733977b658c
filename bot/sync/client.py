"""Where synced documents come from: the Federal Register API (and the eCFR) over HTTP, or a
folder of saved API responses (`--from DIR`, no network).

HTTP goes through one `requests.Session` with urllib3's `Retry` (a well-kept library rather
than a hand-written loop): connection errors, 429 and 5xx answers are retried with
exponential backoff, honouring Retry-After. Whatever still fails becomes `SyncError` with a
clear message; nothing has been written at that point for the failing document.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, Protocol
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.sync.feed import FIELDS, FeedError, FrDocument, from_api

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_PAGES = 200  # a runaway next_page_url chain stops here


class SyncError(RuntimeError):
    """Fetching failed after the retries, or a response was malformed (exit 1)."""


class Source(Protocol):
    def search(self, since: str) -> Iterator[FrDocument]: ...
    def text(self, doc: FrDocument) -> str: ...
    def ecfr(self, title: int, part: int) -> tuple[str, str] | None: ...


def session(retries: int, backoff: float) -> requests.Session:
    """A Session that retries GETs on connection errors, 429 and 5xx, backing off."""
    retry = Retry(total=retries, connect=retries, read=retries, status=retries,
                  backoff_factor=backoff, status_forcelist=RETRY_STATUSES,
                  allowed_methods=frozenset({"GET"}), respect_retry_after_header=True,
                  raise_on_status=False)
    s = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = "regbot-sync/1 (export-control Q&A bot)"
    return s


class HttpSource:
    """The Federal Register API at `fr_url` (…/api/v1/) and the eCFR at `ecfr_url`."""

    def __init__(self, fr_url: str, agencies: list[str], types: list[str], *, ecfr_url: str = "",
                 retries: int = 4, backoff: float = 0.5, timeout: float = 30.0, per_page: int = 100):
        self.fr_url = fr_url if fr_url.endswith("/") else fr_url + "/"
        self.ecfr_url = ecfr_url if not ecfr_url or ecfr_url.endswith("/") else ecfr_url + "/"
        self.agencies, self.types, self.per_page = agencies, types, per_page
        self.timeout, self.retries = timeout, retries
        self.http = session(retries, backoff)

    def _get(self, url: str, params=None) -> requests.Response:
        try:
            response = self.http.get(url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SyncError(f"cannot reach {url.split('?')[0]} after {self.retries} retries: "
                            f"{type(exc).__name__}: {str(exc)[:160]}") from exc
        if response.status_code >= 400:
            raise SyncError(f"{url.split('?')[0]} answered HTTP {response.status_code} "
                            f"(after up to {self.retries} retries)")
        return response

    def _json(self, url: str, params=None) -> dict:
        try:
            data = self._get(url, params).json()
        except ValueError as exc:
            raise SyncError(f"{url.split('?')[0]} did not answer JSON") from exc
        if not isinstance(data, dict):
            raise SyncError(f"{url.split('?')[0]} answered JSON that is not an object")
        return data

    def search(self, since: str) -> Iterator[FrDocument]:
        """Every document of the agencies and types published on or after `since`, oldest first."""
        params = [("conditions[publication_date][gte]", since), ("order", "oldest"),
                  ("per_page", str(self.per_page))]
        params += [("conditions[agencies][]", a) for a in self.agencies]
        params += [("conditions[type][]", t) for t in self.types]
        params += [("fields[]", f) for f in FIELDS]
        url, query = urljoin(self.fr_url, "documents.json"), params
        for _ in range(MAX_PAGES):
            page = self._json(url, query)
            yield from _results(page, url)
            url, query = page.get("next_page_url"), None
            if not url:
                return

    def text(self, doc: FrDocument) -> str:
        url = doc.text_url or doc.xml_url
        if not url:
            raise SyncError(f"{doc.name} has neither raw_text_url nor full_text_xml_url")
        return self._get(url).text

    def ecfr(self, title: int, part: int) -> tuple[str, str] | None:
        """(the eCFR date, the part's XML) of the latest issue of `title`, or None if not configured."""
        if not self.ecfr_url:
            return None
        titles = self._json(urljoin(self.ecfr_url, "api/versioner/v1/titles.json"))
        day = next((t.get("up_to_date_as_of") or t.get("latest_issue_date")
                    for t in titles.get("titles", ()) if t.get("number") == title), None)
        if not day:
            raise SyncError(f"the eCFR lists no issue of title {title}")
        url = urljoin(self.ecfr_url, f"api/versioner/v1/full/{day}/title-{title}.xml")
        return str(day), self._get(url, {"part": str(part)}).text


def _results(page: dict, where: str) -> Iterator[FrDocument]:
    results = page.get("results", [])
    if not isinstance(results, list):
        raise SyncError(f"{where}: 'results' is not a list")
    for item in results:
        try:
            yield from_api(item)
        except FeedError as exc:
            raise SyncError(f"{where}: {exc}") from exc


class DirSource:
    """A folder of saved API responses: search pages (`*.json` with `results`), full texts named
    after the document (`<number>.txt` / `.xml`, or the last part of its text URL), and eCFR
    parts as `ecfr/title-<t>-part-<p>.xml` (with `ecfr/date.txt`)."""

    def __init__(self, folder: Path):
        if not folder.is_dir():
            raise SyncError(f"--from {folder}: no such folder")
        self.folder = folder

    def search(self, since: str) -> Iterator[FrDocument]:
        seen: set[str] = set()
        pages = sorted(self.folder.glob("*.json"))
        if not pages:
            raise SyncError(f"--from {self.folder}: no saved search responses (*.json) in it")
        for path in pages:
            try:
                page = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise SyncError(f"--from: cannot read {path.name}: {exc}") from exc
            if not isinstance(page, dict) or "results" not in page:
                continue
            for doc in _results(page, path.name):
                if doc.published.isoformat() >= since and doc.number not in seen:
                    seen.add(doc.number)
                    yield doc

    def text(self, doc: FrDocument) -> str:
        names = [f"{doc.number}.txt", f"{doc.number}.xml"]
        names += [u.rstrip("/").rsplit("/", 1)[-1] for u in (doc.text_url, doc.xml_url) if u]
        for name in names:
            path = self.folder / name
            if path.is_file():
                return path.read_text(encoding="utf-8")
        raise SyncError(f"--from {self.folder}: no full text for {doc.name} "
                        f"(looked for {', '.join(dict.fromkeys(names))})")

    def ecfr(self, title: int, part: int) -> tuple[str, str] | None:
        path = self.folder / "ecfr" / f"title-{title}-part-{part}.xml"
        day = self.folder / "ecfr" / "date.txt"
        if not path.is_file():
            return None
        return (day.read_text().strip() if day.is_file() else "unknown"), \
            path.read_text(encoding="utf-8")
