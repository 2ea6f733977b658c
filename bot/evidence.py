"""Evidence: rule -> citation -> chunk, and quotes checked verbatim against their source file.

A quote is shown only when code has found it in the indexed chunk (whitespace
normalised), mapped it back to an exact character span of the document, and
re-read the source file to confirm `text[start:end] == quote`. Anything else is
dropped and reported in the notes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol

from bot import provenance
from bot.records import Chunk, Citation, Passage, TraceEntry, Verdict
from bot.support import Claim, supported_rules

_WS = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.;:])\s")
EXCERPT_CHARS = 400
TABLE_ROWS = ("ear-table:ccl:", "ear-table:chart:", "ear-table:groups:", "ear-table:footnote:")


class ChunkSource(Protocol):
    """What evidence needs from the index."""

    def chunks_by_source(self, source: str) -> list[Chunk]: ...


@dataclass(frozen=True)
class Evidence:
    citations: tuple[Citation, ...]
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- pure text helpers


def normalise(text: str) -> tuple[str, list[int]]:
    """Collapse whitespace runs to one space; return the text and, per character, its origin."""
    out: list[str] = []
    origin: list[int] = []
    for match in re.finditer(r"\S+|\s+", text):
        if match.group().isspace():
            if out and out[-1] != " ":
                out.append(" ")
                origin.append(match.start())
        else:
            out.extend(match.group())
            origin.extend(range(match.start(), match.end()))
    return "".join(out), origin


def find_span(text: str, quote: str) -> tuple[int, int] | None:
    """Exact character span in `text` of `quote`, comparing with whitespace normalised."""
    needle = _WS.sub(" ", quote).strip()
    if not needle:
        return None
    start = text.find(quote)
    if start >= 0 and quote == quote.strip():
        return start, start + len(quote)
    if needle not in _WS.sub(" ", text):  # the same collapsed text, without the origin map
        return None
    hay, origin = normalise(text)
    pos = hay.find(needle)
    if pos < 0:
        return None
    return origin[pos], origin[pos + len(needle) - 1] + 1


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> tuple[int, int]:
    """Span of a readable excerpt of `text`: leading whitespace skipped, cut at a sentence end."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    if end - start <= limit:
        return start, end
    window = text[start:start + limit]
    cuts = [m.start() for m in _SENTENCE_END.finditer(window)]
    cut = cuts[-1] if cuts and cuts[-1] > limit // 3 else window.rfind(" ")
    return start, start + (cut if cut > 0 else limit)


_LINE = re.compile(r"[^\n]+")
_BREAK = re.compile(r"[.;:](?=\s)")
# a period after these is not a sentence end (CFR and Federal Register usage: "Supp. No. 2")
_ABBREVIATION = re.compile(
    r"(?:^|[\s(])(?:no|nos|supp|pt|para|sec|cat|vol|art|fig|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"mr|ms|mrs|dr|st|inc|co|corp|ltd|jr|vs|v|cf|e\.g|i\.e|u\.s|u\.k|u\.n)$", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+(?:[.:][a-z0-9]+)*")
STOPWORDS = frozenset(
    "a an and are as at be by can could do does for from has have how i if in is it its may "
    "of on or our shall should so that the their there this to us was we what when which who "
    "will with would you your".split())


def terms_of(text: str) -> set[str]:
    """Content words of a question (lower case, stopwords dropped)."""
    return {w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1}


def is_sentence_break(text: str, pos: int) -> bool:
    """Whether the punctuation at `pos` ends a sentence ("Supp. No. 1", "Nov. 7", "U.S. law" do not)."""
    if text[pos] != ".":
        return True
    if _ABBREVIATION.search(text, max(0, pos - 8), pos):
        return False
    following = text[pos + 1:pos + 4].lstrip()[:1]
    return not (following.islower() or following.isdigit())


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    piece = text[start:end]
    return start + len(piece) - len(piece.lstrip()), end - (len(piece) - len(piece.rstrip()))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (or lines) of `text`, stripped of surrounding space."""
    spans = []
    for line in _LINE.finditer(text):
        cuts = [m.end() for m in _BREAK.finditer(text, line.start(), line.end())
                if is_sentence_break(text, m.start())]
        for start, end in zip([line.start(), *cuts], [*cuts, line.end()]):
            start, end = _stripped(text, start, end)
            if end > start:
                spans.append((start, end))
    return spans


def sentence_start(text: str, pos: int, reach: int = 300) -> int:
    """Start of the sentence holding `pos` (within `reach` characters on its line), else `pos`."""
    lo = max(0, pos - reach)
    newline = text.rfind("\n", lo, pos)
    floor = newline + 1 if newline >= 0 else (0 if lo == 0 else None)
    cuts = [m.end() for m in _BREAK.finditer(text, floor if floor is not None else lo, pos)
            if is_sentence_break(text, m.start())]
    start = cuts[-1] if cuts else floor
    if start is None:
        return pos
    return start + len(text[start:pos]) - len(text[start:pos].lstrip())


def focused_excerpt(text: str, terms: set[str], limit: int = EXCERPT_CHARS) -> tuple[int, int]:
    """Span of the sentence run in `text` that shares most words with `terms` (<= limit chars)."""
    spans = sentence_spans(text)
    if not terms or not spans:
        return excerpt(text, limit)
    scores = [len(terms_of(text[a:b]) & terms) for a, b in spans]
    best = max(range(len(spans)), key=lambda i: (scores[i], -i))
    if scores[best] == 0:
        return excerpt(text, limit)
    start, end = spans[best]
    if end - start > limit:
        return start, start + excerpt(text[start:end], limit)[1]
    lo, hi = best, best
    while True:  # grow towards the better-scoring neighbour while it fits
        options = [i for i in (lo - 1, hi + 1) if 0 <= i < len(spans)
                   and max(end, spans[i][1]) - min(start, spans[i][0]) <= limit]
        if not options:
            return start, end
        pick = max(options, key=lambda i: scores[i])
        lo, hi = min(lo, pick), max(hi, pick)
        start, end = spans[lo][0], spans[hi][1]


# --------------------------------------------------------------------------- source files

_TEXT_CACHE: dict[tuple[str, int, int], str] = {}


def source_text(path: str | os.PathLike[str]) -> str | None:
    """The document text of a source file, as ingest reads it (re-read when the file changes)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return None
    key = (str(p), st.st_mtime_ns, st.st_size)
    if key not in _TEXT_CACHE:
        text = _read_document_text(p)
        if text is None:
            return None
        _TEXT_CACHE[key] = text
    return _TEXT_CACHE[key]


def _read_document_text(path: Path) -> str | None:
    try:
        from ingest.readers import read_document
    except ImportError:  # ingest not importable: plain text files still verify
        read_document = None
    try:
        if read_document is not None:
            return read_document(path).text
        return path.read_text(encoding="utf-8")
    except Exception:  # noqa: BLE001 - any unreadable file means "cannot verify"
        return None


def quote_is_verbatim(path: str, span: tuple[int, int], quote: str) -> bool:
    """Re-read the source file and compare the span with the quote, character for character."""
    text = source_text(path)
    return text is not None and bool(quote.strip()) and text[span[0]:span[1]] == quote


# --------------------------------------------------------------------------- citations


_CFR_LOCATOR = re.compile(r"^\d+ CFR ")


def passage_citation(chunk: Chunk) -> str | None:
    """What the quoted passage itself is: its CFR locator, else its document's citation.

    Never the rule's citation: a rule may rest on a passage that only reports the
    rule (e.g. a BIS notice describing 90 FR 50489), and labelling that passage with
    the rule's citation would misattribute the quote. Rules link through `rule_ids`.
    """
    if _CFR_LOCATOR.match(chunk.locator):
        return chunk.locator
    return chunk.meta.citation


def _citation(chunk: Chunk, span: tuple[int, int], quote: str, *,
              rule_ids: tuple[str, ...] = ()) -> Citation:
    meta = chunk.meta
    return provenance.present(Citation(
        key=chunk.key, source=chunk.source, locator=chunk.locator, citation=passage_citation(chunk),
        quote=quote, rule_ids=rule_ids, url=meta.source_url, span=span, title=meta.title,
        visibility=meta.visibility), chunk)  # trust label, flags; non-primary is never support


def locate_quote(chunks: Iterable[Chunk], quote: str) -> tuple[Chunk, tuple[int, int], str] | None:
    """The chunk that carries `quote`, the quote's document span, and the verbatim text.

    A quote inside one chunk is taken from the chunk; one that straddles chunks is found in the
    re-read document and attributed to the chunk where it starts.
    """
    chunks = list(chunks)
    for chunk in chunks:
        local = find_span(chunk.text, quote)
        if local is not None:
            span = (chunk.span[0] + local[0], chunk.span[0] + local[1])
            return chunk, span, chunk.text[local[0]:local[1]]
    text = source_text(chunks[0].path) if chunks else None
    span = find_span(text, quote) if text is not None else None
    if span is None:
        return None
    for chunk in chunks:
        if chunk.span[0] <= span[0] < chunk.span[1]:
            return chunk, span, text[span[0]:span[1]]
    return None


def rule_citations(verdict: Verdict, index: ChunkSource,
                   claims: Iterable[Claim] | None = None) -> Evidence:
    """One verified citation per distinct (source, quote) of the rules the verdict rests on.

    The trace also holds values read only to rule something out (e.g. that Cambodia is not in
    the § 744.21(a)(2) group); those are not evidence for the verdict, so they are not quoted.
    With `claims` (`bot.support.claims`), a quote is shown only for the rules whose claim it
    is about (its destination or list, its ECCN): claim and quote must agree.
    """
    grouped: dict[tuple[str, str], list[TraceEntry]] = {}
    rests_on = set(verdict.rule_ids)
    for entry in verdict.trace:
        if rests_on and entry.rule_id not in rests_on:
            continue
        if entry.rule_id.startswith(TABLE_ROWS):  # a table row: bot.answers.cite shows it
            continue
        if entry.source and entry.quote:
            grouped.setdefault((entry.source, entry.quote), []).append(entry)
    cites: list[Citation] = []
    notes: list[str] = []
    absent: dict[str, None] = {}  # rule sources this index does not hold at all
    claims = None if claims is None else list(claims)
    for (source, quote), entries in grouped.items():
        rule_ids = tuple(dict.fromkeys(e.rule_id for e in entries))
        if claims is not None:
            agreeing = supported_rules(quote, rule_ids, claims)
            if not agreeing:
                notes.append(f"quote for {', '.join(rule_ids)} is not about this destination or "
                             f"item; not shown as support")
                continue
            rule_ids = agreeing
        chunks = index.chunks_by_source(Path(source).name)  # indexed by file name
        if not chunks:
            absent[source] = None
            continue
        chunks, problem = provenance.rule_source_chunks(source, chunks)  # by content hash
        if problem:
            notes.append(problem)
            continue
        found = locate_quote(chunks, quote)
        if found is None:
            notes.append(f"quote for {', '.join(rule_ids)} not found in indexed {source}; not shown")
            continue
        chunk, span, text = found
        if not quote_is_verbatim(chunk.path, span, text):
            notes.append(f"quote for {', '.join(rule_ids)} does not match {source}; not shown")
            continue
        cites.append(_citation(chunk, span, text, rule_ids=rule_ids))
    if absent:
        notes.append("the rules cite documents this index does not hold (" + ", ".join(absent)
                     + "); ingest them (e.g. `regbot ingest ../shared/corpus`) to see those quotes")
    return Evidence(tuple(cites), tuple(notes))


def _whole_first_sentence(chunk: Chunk, span: tuple[int, int],
                          text: str) -> tuple[tuple[int, int], str]:
    """Extend a quote that starts at its chunk's start back to its sentence's start in the document."""
    doc = source_text(chunk.path)
    if doc is None or doc[span[0]:span[1]] != text:
        return span, text
    start = sentence_start(doc, span[0])
    return (start, span[1]), doc[start:span[1]]


def passage_citations(passages: Iterable[Passage], *, limit: int = 3, terms: set[str] = frozenset(),
                      exclude: Iterable[tuple[str, tuple[int, int]]] = ()) -> Evidence:
    """Verified excerpts of the best retrieved passages, focused on `terms` (skipping cited spans)."""
    seen = set(exclude)
    cites: list[Citation] = []
    passages, notes = provenance.quotable(passages)  # text addressing the reader: never quoted
    for passage in passages:
        if len(cites) >= limit:
            break
        chunk = passage.chunk
        local = focused_excerpt(chunk.text, terms)
        span = (chunk.span[0] + local[0], chunk.span[0] + local[1])
        text = chunk.text[local[0]:local[1]]
        if not chunk.text[:local[0]].strip():  # the chunk may start mid-sentence ("1 to part 740")
            span, text = _whole_first_sentence(chunk, span, text)
        if any(src == chunk.source and s[0] < span[1] and span[0] < s[1] for src, s in seen):
            continue
        if not quote_is_verbatim(chunk.path, span, text):
            notes.append(f"passage {chunk.key} of {chunk.source} no longer matches its file; not shown")
            continue
        seen.add((chunk.source, span))
        cites.append(_citation(chunk, span, text))
    return Evidence(tuple(cites), tuple(notes))
