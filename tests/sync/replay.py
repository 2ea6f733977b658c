"""A local replay of the Federal Register API (and a little of the eCFR), over real HTTP.

Built at test time from ../shared/scale/earcrawler-2026/ (never copied into the repo): each of
its 100 documents becomes a search result in the API's own JSON shape (`document_number`,
`title`, `type`, `publication_date`, `effective_on`, `agencies`, `raw_text_url`,
`full_text_xml_url`, `cfr_references`, ...) and its paragraphs the document's full text.
The scraped paragraphs lack headings, so the replay reads the publication date from the
"[FR Doc. … Filed M-D-YY …]" line (the filing date, a day before publication at most) and
the type from the opening paragraphs. Part 740 of the eCFR is served from the eCFR chunks.

    with Replay() as fr: ... settings.sync_fr_url = fr.api_url ... fr.fail_next(2, 503)
"""
from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from datetime import date
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from regbot_paths import SHARED

CRAWL = SHARED / "scale" / "earcrawler-2026"
_FILED = re.compile(r"FR Doc\.\s*((?:C\d-)?\d{4}-\d+)\s+Filed\s+(\d{1,2})-(\d{1,2})-(\d{2})")
_EFFECTIVE = re.compile(r"(?:is effective|Effective(?: date)?:?|effective on)\s+"
                        r"([A-Z][a-z]+ \d{1,2}, \d{4})")
_PARTS = re.compile(r"\bparts?\s+((?:7[3-7]\d(?:\s*,\s*(?:and\s+)?|\s+and\s+)?)+)", re.I)
TYPES = {"RULE": "Rule", "PRORULE": "Proposed Rule", "NOTICE": "Notice"}
BIS = [{"raw_name": "DEPARTMENT OF COMMERCE", "name": "Commerce Department", "id": 54,
        "slug": "commerce-department", "parent_id": None},
       {"raw_name": "Bureau of Industry and Security", "name": "Industry and Security Bureau",
        "id": 223, "slug": "industry-and-security-bureau", "parent_id": 54}]


def _paragraphs() -> "OrderedDict[str, list[str]]":
    docs: dict[str, list[tuple[int, str]]] = OrderedDict()
    with open(CRAWL / "fr_paragraphs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            docs.setdefault(row["document_number"], []).append((row["paragraph_index"], row["text"]))
    return OrderedDict((n, [t for _, t in sorted(ps)]) for n, ps in docs.items())


def _titles() -> dict[str, str]:
    titles = {}
    with open(CRAWL / "fr_sections.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            m = re.search(r"/(\d{4}-\d{4,6})/", row.get("source_url", ""))
            if m:
                titles[m.group(1)] = row["title"]
    return titles


def _type(paras: list[str]) -> str:
    head = " ".join(paras[:8])
    if re.search(r"proposed rule", head, re.I) and not re.search(r"\bfinal rule\b", head, re.I):
        return "Proposed Rule"
    if re.search(r"\b(interim )?final rule\b", head, re.I) or \
            any(re.search(r"\b(is|are) amended\b", p) for p in paras):
        return "Rule"
    return "Notice"


def _date(text: str) -> date | None:
    try:
        from datetime import datetime

        return datetime.strptime(text, "%B %d, %Y").date()
    except ValueError:
        return None


def build_feed(base: str) -> list[tuple[dict, list[str]]]:
    """(search result, paragraphs) for every document, oldest first; URLs under `base`."""
    titles, out = _titles(), []
    for number, paras in _paragraphs().items():
        filed = next((m for p in paras for m in [_FILED.search(p)] if m), None)
        published = date(2000 + int(filed[4]), int(filed[2]), int(filed[3])) if filed \
            else date(int(number[-10:-6]), 1, 1)
        eff = next((m for p in paras[:12] for m in [_EFFECTIVE.search(p)] if m), None)
        kind = _type(paras)
        parts = sorted({int(n) for p in paras if re.search(r"\bamended\b", p) and len(p) < 700
                        for m in _PARTS.finditer(p) for n in re.findall(r"\d{3}", m[1])})
        y, mth, d = published.year, f"{published.month:02d}", f"{published.day:02d}"
        item = {
            "document_number": number,
            "title": titles.get(number) or f"Bureau of Industry and Security {kind.lower()} "
                                           f"(FR Doc. {number})",
            "type": kind, "abstract": next((p for p in paras if len(p) > 120), "")[:500],
            "publication_date": published.isoformat(),
            "effective_on": (_date(eff[1]) or published).isoformat() if eff else None,
            "agencies": BIS, "citation": None,
            "html_url": f"{base}/documents/{y}/{mth}/{d}/{number}/document",
            "raw_text_url": f"{base}/documents/full_text/text/{y}/{mth}/{d}/{number}.txt",
            "full_text_xml_url": f"{base}/documents/full_text/xml/{y}/{mth}/{d}/{number}.xml",
            "cfr_references": [{"title": 15, "part": p, "chapter": "VII"} for p in parts],
        }
        out.append((item, paras))
    out.sort(key=lambda x: (x[0]["publication_date"], x[0]["document_number"]))
    return out


def fr_xml(item: dict, paras: list[str]) -> str:
    tag = {"Rule": "RULE", "Proposed Rule": "PRORULE"}.get(item["type"], "NOTICE")
    tags = ["AMDPAR" if re.match(r"^\d+\. ", p) else "P" for p in paras]
    body = "".join(f"<{t}>{escape(p)}</{t}>" for t, p in zip(tags, paras))
    return f'<?xml version="1.0" encoding="UTF-8"?><{tag}><PREAMB/>{body}</{tag}>'


def ecfr_part_xml(part: int) -> str | None:
    rows = json.loads((CRAWL / "ecfr_chunks_2026-02-10.json").read_text(encoding="utf-8"))["rows"]
    texts = [r["text"] for r in rows if r["doc_id"].startswith(f"EAR-{part}.")
             and r["chunk_kind"] == "section"]
    if not texts:
        return None
    sections = "".join(f'<DIV8 TYPE="SECTION"><P>{escape(t)}</P></DIV8>' for t in texts)
    return f'<?xml version="1.0"?><DIV5 N="{part}" TYPE="PART">{sections}</DIV5>'


class Replay:
    """The replay server on a free local port; `extra` adds (item, paragraphs) documents."""

    def __init__(self, extra: list[tuple[dict, list[str]]] | None = None):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.feed = build_feed(self.base) + list(extra or ())
        self.by_number = {item["document_number"]: (item, paras) for item, paras in self.feed}
        self.faults: list[int] = []
        self.fail_texts: set[str] = set()
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/v1/"

    def fail_next(self, times: int, status: int = 503) -> None:
        with self.lock:
            self.faults = [status] * times

    def save(self, folder: Path, since: str = "0000") -> Path:
        """The responses `regbot sync --from DIR` reads: search pages and the full texts."""
        folder.mkdir(parents=True, exist_ok=True)
        items = [i for i, _ in self.feed if i["publication_date"] >= since]
        for n, start in enumerate(range(0, len(items), 40), 1):
            page = {"count": len(items), "total_pages": -(-len(items) // 40),
                    "results": items[start:start + 40]}
            (folder / f"documents-page-{n}.json").write_text(json.dumps(page), encoding="utf-8")
        for item, paras in self.feed:
            (folder / f"{item['document_number']}.txt").write_text("\n\n".join(paras),
                                                                   encoding="utf-8")
        return folder

    def __enter__(self) -> "Replay":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _search(replay: Replay, query: dict) -> dict:
    agencies = query.get("conditions[agencies][]", [])
    types = {TYPES.get(t, t) for t in query.get("conditions[type][]", [])}
    since = (query.get("conditions[publication_date][gte]") or ["0000"])[0]
    per_page = int((query.get("per_page") or ["20"])[0])
    page = int((query.get("page") or ["1"])[0])
    fields = query.get("fields[]")
    hits = [i for i, _ in replay.feed
            if i["publication_date"] >= since and (not types or i["type"] in types)
            and (not agencies or any(a["slug"] in agencies for a in i["agencies"]))]
    pages = max(1, -(-len(hits) // per_page))
    chunk = hits[(page - 1) * per_page: page * per_page]
    if fields:
        chunk = [{k: v for k, v in i.items() if k in fields} for i in chunk]
    out = {"count": len(hits), "description": "Documents matching your search",
           "total_pages": pages, "results": chunk}
    if page < pages:
        rest = [(k, v) for k, vs in query.items() if k != "page" for v in vs]
        from urllib.parse import urlencode

        out["next_page_url"] = f"{replay.api_url}documents.json?" + urlencode(rest + [("page", page + 1)])
    return out


def _handler(replay: Replay):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            with replay.lock:
                replay.requests.append(url.path)
                fault = replay.faults.pop(0) if replay.faults else None
            if fault:
                return self._send(fault, b'{"errors":["unavailable"]}', "application/json",
                                  {"Retry-After": "0"})
            query = parse_qs(url.query)
            if url.path == "/api/v1/documents.json":
                return self._send(200, json.dumps(_search(replay, query)).encode(), "application/json")
            m = re.match(r"^/documents/full_text/(text|xml)/\d{4}/\d\d/\d\d/((?:C\d-)?\d{4}-\d+)\.(txt|xml)$",
                         url.path)
            if m and m[2] in replay.by_number:
                if m[2] in replay.fail_texts:
                    return self._send(500, b"server error", "text/plain")
                item, paras = replay.by_number[m[2]]
                if m[1] == "text":
                    return self._send(200, "\n\n".join(paras).encode(), "text/plain; charset=utf-8")
                return self._send(200, fr_xml(item, paras).encode(), "application/xml")
            if url.path == "/api/versioner/v1/titles.json":
                return self._send(200, json.dumps({"titles": [
                    {"number": 15, "latest_issue_date": "2026-02-10",
                     "up_to_date_as_of": "2026-02-10"}]}).encode(), "application/json")
            m = re.match(r"^/api/versioner/v1/full/([\d-]+)/title-15\.xml$", url.path)
            if m:
                xml = ecfr_part_xml(int((query.get("part") or ["0"])[0]))
                if xml:
                    return self._send(200, xml.encode(), "application/xml")
            self._send(404, b'{"errors":["not found"]}', "application/json")

        def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

    return Handler
