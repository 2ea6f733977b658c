"""Find the structure of regulatory text: headings, CFR sections, paragraphs and their labels.

`parse_blocks(text)` cuts a document into `Block`s (heading / section / para / skip), each a
character span of `text`, so chunks built from blocks are exact spans of the document.
It understands the shapes the corpus holds: Markdown headings, eCFR section lines
(`§ 744.21 Title`, `#### § § 744.21`), bare citation lines (`15 CFR 744.21(a)`),
paragraph labels written `(a)` or `( a )`, `**BOLD:**` labels, hard-wrapped text and
one-paragraph-per-line text. `PathTracker` turns successive labels into CFR paragraph
paths such as `(a)(1)(i)`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

_SECTION_NO = r"(\d+[A-Za-z]?\.\d+[A-Za-z0-9-]*)"
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# "§ 744.21 Title", "#### § § 744.21", "§ 126.1   Title" -- but not "§§ 746.5 and ..."
_SECTION_LINE = re.compile(r"^§(?:\s+§)?\s*" + _SECTION_NO + r"(?=\s|$)\s*(.*)$")
_CITATION_LINE = re.compile(
    r"^(\d{1,2})\s+CFR\s+" + _SECTION_NO + r"((?:\s*\(\s*[A-Za-z0-9]{1,4}\s*\))*)\s*$")
_BOLD_LINE = re.compile(r"^\*\*([^*]+?)\*\*\s*:?\s*$")
_CAPS_HEADING = re.compile(r"^(CHAPTER|SUBCHAPTER|PART|SUBPART)\s+[0-9A-Z]+\b(?:\s*[—–-].*)?$")
_CAPS_LEVEL = {"CHAPTER": 1, "SUBCHAPTER": 2, "PART": 3, "SUBPART": 4}
_LABELS = re.compile(r"^((?:\(\s*(?:[a-z]{1,4}|[A-Z]{1,2}|\d{1,3})\s*\)\s*)+)(?=\S|$)")
_ONE_LABEL = re.compile(r"\(\s*([A-Za-z0-9]+)\s*\)")
_PILCROW = re.compile(r"^¶\s?(\d+)\b")
_CFR_MENTION = re.compile(
    r"\b(\d{1,2})\s+CFR\s+(?:[Pp]arts?\s+)?(\d+)(?:\.\d+)?"
    r"(?:\s*(?:-|–|through|to)\s*(\d+))?")
_WRAP_WIDTH = 100
SECTION_LEVEL = 5
BOLD_LEVEL = 7


@dataclass(frozen=True)
class Block:
    """One structural piece of a document: `text[start:end]` is its exact text."""

    kind: str  # "heading" | "section" | "para" | "skip"
    start: int
    end: int
    level: int = 0  # heading level (sections: SECTION_LEVEL)
    title: str = ""  # heading text, or the section's heading line
    number: str | None = None  # section number, e.g. "744.21"
    cfr_title: str | None = None  # from a citation line "15 CFR 744.21"
    base_path: tuple[str, ...] = ()  # labels carried by a citation line "15 CFR 744.21(a)"
    labels: tuple[str, ...] = ()  # leading paragraph labels of a para
    pilcrow: int | None = None  # explicit "¶N" paragraph number


def _classify_line(line: str, start: int, end: int) -> Block | None:
    """A heading or section block for a structural line, else None (ordinary text)."""
    stripped = line.strip()
    md = _MD_HEADING.match(stripped)
    body = md.group(2) if md else stripped
    if len(body) < 300:
        sec = _SECTION_LINE.match(body)
        if sec and not (sec.group(2)[:1].islower() or sec.group(2)[:1].isdigit()):
            return Block("section", start, end, SECTION_LEVEL,
                         f"§ {sec.group(1)} {sec.group(2)}".strip(), sec.group(1))
        cit = _CITATION_LINE.match(body)
        if cit:
            labels = tuple(_ONE_LABEL.findall(cit.group(3)))
            return Block("section", start, end, SECTION_LEVEL, body, cit.group(2),
                         cfr_title=cit.group(1), base_path=labels)
    if md:
        return Block("heading", start, end, len(md.group(1)), body)
    bold = _BOLD_LINE.match(stripped)
    if bold:
        return Block("heading", start, end, BOLD_LEVEL, bold.group(1).strip().rstrip(":"))
    if len(stripped) < 200 and _CAPS_HEADING.match(stripped):
        return Block("heading", start, end, _CAPS_LEVEL[stripped.split()[0]], stripped)
    return None


def _para(text: str, start: int, end: int) -> Block:
    """A paragraph block spanning `text[start:end]` with its leading labels."""
    body = text[start:end]
    m = _LABELS.match(body)
    labels = tuple(_ONE_LABEL.findall(m.group(1))) if m else ()
    pil = _PILCROW.match(body)
    return Block("para", start, end, labels=labels, pilcrow=int(pil.group(1)) if pil else None)


def _starts_paragraph(line: str) -> bool:
    s = line.lstrip()
    return bool(_LABELS.match(s) or _PILCROW.match(s))


def _run_blocks(text: str, run: list[tuple[int, int]]) -> list[Block]:
    """Paragraphs of a run of consecutive text lines (no blank line between)."""
    lengths = [e - s for s, e in run]
    wrapped = len(run) >= 2 and max(lengths[:-1]) <= _WRAP_WIDTH
    blocks: list[Block] = []
    cur_start = cur_end = None
    for s, e in run:
        line = text[s:e]
        new = cur_start is None or not wrapped or _starts_paragraph(line)
        if new and cur_start is not None:
            blocks.append(_para(text, cur_start, cur_end))
        if new:
            cur_start = s + (len(line) - len(line.lstrip()))
        cur_end = s + len(line.rstrip())
    if cur_start is not None:
        blocks.append(_para(text, cur_start, cur_end))
    return blocks


def _front_matter_end(text: str) -> int:
    """End offset of a leading YAML front-matter block, or 0."""
    if not text.startswith("---\n"):
        return 0
    close = text.find("\n---", 4)
    if close < 0:
        return 0
    nl = text.find("\n", close + 4)
    return len(text) if nl < 0 else nl + 1


def front_matter(text: str) -> dict[str, str]:
    """Flat `key: value` pairs of a leading YAML front-matter block (empty when there is none)."""
    end = _front_matter_end(text)
    pairs = re.findall(r"^(\w+):[ \t]*(.*?)[ \t]*$", text[4:end], re.M) if end else []
    return {key: value.strip("'\"") for key, value in pairs}


def _lines(text: str, pos: int):
    """(start, end) of each line of `text` from offset `pos`, newline excluded."""
    while pos <= len(text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        yield pos, end
        if nl < 0:
            return
        pos = nl + 1


def parse_blocks(text: str) -> list[Block]:
    """Cut `text` into heading, section and paragraph blocks, in document order."""
    blocks: list[Block] = []
    front = _front_matter_end(text)
    if front:
        blocks.append(Block("skip", 0, front))
    run: list[tuple[int, int]] = []
    in_comment = False
    for s, e in _lines(text, front):
        line = text[s:e]
        stripped = line.strip()
        if in_comment or stripped.startswith("<!--"):
            in_comment = "-->" not in stripped
            if run:
                blocks.extend(_run_blocks(text, run))
                run = []
            continue
        if not stripped:
            if run:
                blocks.extend(_run_blocks(text, run))
                run = []
            continue
        block = _classify_line(line, s + line.index(stripped[0]), s + len(line.rstrip()))
        if block is None:
            run.append((s, e))
            continue
        if run:
            blocks.extend(_run_blocks(text, run))
            run = []
        blocks.append(block)
    if run:
        blocks.extend(_run_blocks(text, run))
    return blocks


# --------------------------------------------------------------------------- CFR titles


@dataclass(frozen=True)
class CfrTitles:
    """Which CFR title a part number belongs to, learnt from the document itself."""

    ranges: tuple[tuple[str, int, int], ...] = ()
    default: str | None = None
    fixed: str | None = None  # a CFR title file's front matter ("title_number: 15") settles it

    @classmethod
    def from_text(cls, text: str, citation: str | None = None) -> CfrTitles:
        ranges = []
        for m in _CFR_MENTION.finditer(text):
            lo = int(m.group(2))
            hi = int(m.group(3)) if m.group(3) else lo
            if hi >= lo:
                ranges.append((m.group(1), lo, hi))
        default = None
        cit = _CFR_MENTION.search(citation or "")
        if cit:
            default = cit.group(1)
            ranges.insert(0, (cit.group(1), int(cit.group(2)), int(cit.group(2))))
        fixed = front_matter(text).get("title_number")
        return cls(tuple(ranges), default, fixed if fixed and fixed.isdigit() else None)

    def title_for(self, section_number: str) -> str | None:
        """"15" for "744.21" when the text says e.g. "15 CFR parts 730-774"."""
        if self.fixed:
            return self.fixed
        try:
            part = int(re.match(r"\d+", section_number).group(0))
        except (AttributeError, ValueError):
            return self.default
        for title, lo, hi in self.ranges:
            if lo <= part <= hi:
                return title
        return self.default


# --------------------------------------------------------------------------- paragraph paths

_ROMANS = ("i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx xxi xxii "
           "xxiii xxiv xxv xxvi xxvii xxviii xxix xxx").split()
_ROMAN_NEXT = dict(zip(_ROMANS, _ROMANS[1:]))
_AMBIGUOUS = {"i", "v", "x"}  # letter or roman numeral, decided by context


@dataclass
class PathTracker:
    """Tracks the CFR paragraph path: levels (a) > (1) > (i) > (A) > (1) > (i)."""

    stack: list[tuple[int, str]] = field(default_factory=list)

    def reset(self, base: tuple[str, ...] = ()) -> None:
        self.stack = []
        for label in base:
            self.push(label, None)

    def _deepest(self) -> int:
        return self.stack[-1][0] if self.stack else 0

    def _at(self, level: int) -> str | None:
        return next((lab for lvl, lab in self.stack if lvl == level), None)

    def _roman_level(self) -> int:
        return 6 if self._deepest() >= 5 else 3

    def _level(self, label: str, next_label: str | None) -> int:
        if label.isdigit():
            return 5 if self._deepest() >= 4 else 2
        if label.isupper():
            return 4
        if label in _ROMANS and label not in _AMBIGUOUS:
            return self._roman_level()
        if label not in _AMBIGUOUS:
            return 1
        cur_roman = self._at(self._roman_level())
        roman_ok = (label == "i" and self._deepest() >= 2) or _ROMAN_NEXT.get(cur_roman or "") == label
        cur_letter = self._at(1)
        letter_ok = cur_letter is not None and len(cur_letter) == 1 and ord(cur_letter) + 1 == ord(label)
        if roman_ok and letter_ok:  # e.g. "(i)" after "(h)(1)": look at the next label
            roman_ok = next_label == _ROMAN_NEXT[label]
        if roman_ok:
            return self._roman_level()
        return 1 if letter_ok or self._deepest() < 2 else self._roman_level()

    def push(self, label: str, next_label: str | None) -> None:
        level = self._level(label, next_label)
        self.stack = [(lvl, lab) for lvl, lab in self.stack if lvl < level] + [(level, label)]

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(lab for _, lab in self.stack)


def render_path(path: tuple[str, ...]) -> str:
    """("a", "1") -> "(a)(1)"."""
    return "".join(f"({label})" for label in path)
