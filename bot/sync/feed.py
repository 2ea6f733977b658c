"""Federal Register documents as the API describes them, and their full text as paragraphs.

`from_api(item)` reads one result of the documents search (`/api/v1/documents.json`, with
the `fields[]` of `FIELDS`); `paragraphs(body)` splits a document's text (`raw_text_url`: plain
text or HTML with a <pre>) or XML (`full_text_xml_url`: P / AMDPAR / HD elements) into
paragraphs. Pure; the HTTP is `bot.sync.client`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.sync.amend import Amendment
from bot.sync.refs import CfrRef

FIELDS = ("document_number", "title", "type", "abstract", "publication_date", "effective_on",
          "agencies", "html_url", "raw_text_url", "full_text_xml_url", "cfr_references",
          "citation")
_NUMBER = re.compile(r"^(?:C\d-)?\d{4}-\d{4,6}$")  # C1-…: a correction


class FeedError(ValueError):
    """A response that is not what the Federal Register API returns."""


@dataclass(frozen=True)
class FrDocument:
    """One Federal Register document (the search result's fields we use)."""

    number: str  # "2026-02262"
    title: str
    type: str  # "Rule", "Proposed Rule", "Notice", ...
    published: date
    effective: date | None
    agencies: tuple[str, ...]  # slugs, e.g. "industry-and-security-bureau"
    html_url: str | None = None
    text_url: str | None = None
    xml_url: str | None = None
    cfr_parts: tuple[CfrRef, ...] = ()
    citation: str | None = None  # "91 FR 5053"
    abstract: str = ""

    @property
    def name(self) -> str:
        return f"FR Doc. {self.number}"

    @property
    def amends(self) -> bool:
        """Only a final (or interim final) rule changes the regulation."""
        return self.type.lower() == "rule"

    @property
    def title_number(self) -> int:
        """The CFR title bare part numbers in its text refer to (22 for State's ITAR rules)."""
        if any(r.title == 22 for r in self.cfr_parts) or "state-department" in self.agencies:
            return 22
        return 15


@dataclass(frozen=True)
class SyncedDoc:
    """A document stored under REGBOT_HOME: what it is, what it amends, where its text is."""

    document: FrDocument
    amendments: tuple[Amendment, ...]
    sha256: str
    file: str  # path relative to the sync folder


def _date(value, field: str, number: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise FeedError(f"document {number}: {field} is not a date: {value!r}") from exc


def _cfr_parts(refs) -> tuple[CfrRef, ...]:
    out = []
    for ref in refs or ():
        try:
            out.append(CfrRef(int(ref["title"]), int(ref["part"])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(dict.fromkeys(out))


def from_api(item: dict) -> FrDocument:
    """One search result -> FrDocument (FeedError when it lacks a number or a date)."""
    if not isinstance(item, dict):
        raise FeedError(f"a search result must be an object, not {type(item).__name__}")
    number = str(item.get("document_number") or "")
    if not _NUMBER.match(number):
        raise FeedError(f"a search result has no valid document_number ({number!r})")
    published = _date(item.get("publication_date"), "publication_date", number)
    if published is None:
        raise FeedError(f"document {number} has no publication_date")
    agencies = tuple(a.get("slug") or "" for a in item.get("agencies") or () if isinstance(a, dict))
    return FrDocument(
        number=number, title=str(item.get("title") or f"FR Doc. {number}"),
        type=str(item.get("type") or ""), published=published,
        effective=_date(item.get("effective_on"), "effective_on", number),
        agencies=tuple(a for a in agencies if a), html_url=item.get("html_url"),
        text_url=item.get("raw_text_url"), xml_url=item.get("full_text_xml_url"),
        cfr_parts=_cfr_parts(item.get("cfr_references")), citation=item.get("citation"),
        abstract=str(item.get("abstract") or ""))


_XML_BLOCKS = ("P", "AMDPAR", "HD", "FP", "SECTION", "SECTNO", "SUBJECT", "GPOTABLE", "ROW")


def _xml_paragraphs(body: str) -> list[str]:
    from lxml import etree

    try:
        root = etree.fromstring(body.encode("utf-8"), etree.XMLParser(recover=True,
                                                                     resolve_entities=False))
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"the document XML does not parse: {exc}") from exc
    if root is None:
        raise FeedError("the document XML is empty")
    out = []
    for el in root.iter(*_XML_BLOCKS):
        if el.tag in ("SECTION", "GPOTABLE"):
            continue
        text = " ".join("".join(el.itertext()).split())
        if text:
            out.append(text)
    return out


def paragraphs(body: str) -> list[str]:
    """A document's full text (plain, <pre> HTML or FR XML) as paragraphs."""
    head = body.lstrip()[:200].lower()
    if head.startswith("<?xml") or head.startswith("<rule") or head.startswith("<notice") \
            or head.startswith("<prorule"):
        return _xml_paragraphs(body)
    if head.startswith("<"):
        from lxml import html

        body = html.fromstring(body).text_content()
    blocks = re.split(r"\n\s*\n", body.replace("\r\n", "\n"))
    return [" ".join(b.split()) for b in blocks if b.strip()]
