"""HTML and XML (Federal Register / eCFR) to chunkable text.

The output is Markdown-like: `#` headings, one `§ N Title` line per CFR section (preceded
by a `15 CFR N` citation line when the CFR title is known), one blank-line-separated
paragraph per element. Same bytes in, same text out.
"""
from __future__ import annotations

import json
import re

from ingest.errors import IngestError

_WS = re.compile(r"\s+")
_HTML_BLOCKS = ("h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "tr",
                "dt", "dd", "caption", "figcaption")
_HTML_DROP = ("script", "style", "noscript", "template", "nav", "svg", "head")


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


# --------------------------------------------------------------------------- HTML


def _html_block(el) -> str:
    if el.name == "tr":
        cells = [_squash(c.get_text(" ")) for c in el.find_all(["td", "th"])]
        return " | ".join(c for c in cells if c)
    text = _squash(el.get_text(" "))
    if el.name[0] == "h" and el.name[1:].isdigit() and text:
        return "#" * int(el.name[1:]) + " " + text
    return text


def html_to_text(html: str) -> str:
    """Headings, paragraphs, list items and table rows of an HTML page, in order."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = _squash(soup.title.get_text()) if soup.title else ""
    for el in soup.find_all(_HTML_DROP):
        el.decompose()
    picked = [el for el in soup.find_all(_HTML_BLOCKS)
              if not any(p.name in _HTML_BLOCKS for p in el.parents)]
    blocks = [b for b in (_html_block(el) for el in picked) if b]
    if not blocks:  # no block elements: keep the visible text lines
        blocks = [_squash(line) for line in soup.get_text("\n").splitlines() if line.strip()]
    if title and not any(b.startswith("# ") for b in blocks):
        blocks.insert(0, "# " + title)
    return "\n\n".join(blocks) + ("\n" if blocks else "")


# --------------------------------------------------------------------------- XML

_FR_HD_LEVEL = {"HED": 2, "HD1": 3, "HD2": 4, "HD3": 5}
_ECFR_DIV_LEVEL = {"DIV1": 1, "DIV2": 1, "DIV3": 2, "DIV4": 2, "DIV5": 3, "DIV6": 4, "DIV7": 4,
                   "DIV9": 3}
_SKIP = {"PRTPAGE", "GPH", "BILCOD", "CFR", "DEPDOC", "RIN", "STARS", "CITA"}
_PARA = {"P", "FP", "AMDPAR", "AGENCY", "PSPACE", "FRDOC", "NOTE", "FTNT", "AUTH",
         "SOURCE", "EDNOTE", "SIG", "NAME", "TITLE", "DATED", "SECAUTH"}


def _text(el) -> str:
    return _squash("".join(el.itertext()))


class _XmlWalker:
    """Depth-first walk of FR / eCFR XML emitting Markdown-like blocks."""

    def __init__(self) -> None:
        self.blocks: list[str] = []

    def emit(self, text: str) -> None:
        if text:
            self.blocks.append(text)

    def walk(self, el, cfr_title: str | None = None, in_section: bool = False) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in _SKIP:
            return
        if tag in ("SECTION", "DIV8"):
            self.section(el, cfr_title)
            return
        if tag in _ECFR_DIV_LEVEL:
            cfr_title = self.ecfr_div(el, tag, cfr_title)
            return
        if tag == "REGTEXT":
            cfr_title = el.get("TITLE") or cfr_title
            self.emit(f"## Amendments to {cfr_title} CFR part {el.get('PART', '')}".rstrip())
        elif tag in ("HD", "HEAD"):
            self.heading(el, in_section)
            return
        elif tag == "SUBJECT" and not in_section:
            self.emit("# " + _text(el))
            return
        elif tag in ("GPOTABLE", "TABLE"):
            self.table(el)
            return
        elif tag in _PARA or (len(el) == 0 and (el.text or "").strip()):
            self.emit(_text(el))
            return
        for child in el:
            self.walk(child, cfr_title, in_section)

    def heading(self, el, in_section: bool) -> None:
        text = _text(el)
        if not text:
            return
        if in_section:
            self.emit(f"**{text}**")
        else:
            self.emit("#" * _FR_HD_LEVEL.get(el.get("SOURCE", "HD1"), 3) + " " + text)

    def ecfr_div(self, el, tag: str, cfr_title: str | None) -> str | None:
        if el.get("TYPE") == "TITLE" and el.get("N"):
            cfr_title = el.get("N")
        for child in el:
            if getattr(child, "tag", None) == "HEAD":
                self.emit("#" * _ECFR_DIV_LEVEL[tag] + " " + _text(child))
            else:
                self.walk(child, cfr_title)
        return cfr_title

    def section(self, el, cfr_title: str | None) -> None:
        number = el.get("N") or ""
        head = el.find("HEAD")
        sectno, subject = el.find("SECTNO"), el.find("SUBJECT")
        if head is not None:
            line = _text(head)
        else:
            line = " ".join(_text(x) for x in (sectno, subject) if x is not None)
        if not number:
            m = re.search(r"(\d+[A-Za-z]?\.\d+[A-Za-z0-9-]*)", line)
            number = m.group(1) if m else ""
        meta = el.get("hierarchy_metadata")
        if meta:
            try:
                cfr_title = str(json.loads(meta).get("citation", "")).split(" CFR")[0] or cfr_title
            except (ValueError, AttributeError):
                pass
        if cfr_title and number:
            self.emit(f"{cfr_title} CFR {number}")
        line = _squash(line)
        if line and not line.startswith("§"):
            line = f"§ {number} {line}" if number else line
        self.emit(line)
        for child in el:
            if getattr(child, "tag", None) not in ("HEAD", "SECTNO", "SUBJECT"):
                self.walk(child, cfr_title, in_section=True)

    def table(self, el) -> None:
        for row in el.iter("ROW", "TR", "BOXHD"):
            cells = [_text(c) for c in row]
            self.emit(" | ".join(c for c in cells if c))


def xml_to_text(data: bytes) -> str:
    """Federal Register or eCFR XML as headings, section lines and paragraphs."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(f"corrupt XML: {exc}")
    walker = _XmlWalker()
    walker.walk(root)
    return "\n\n".join(walker.blocks) + ("\n" if walker.blocks else "")
