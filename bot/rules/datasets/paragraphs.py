"""Paragraph references in CCL text, and the scope of a License Requirements row.

The CCL names paragraphs in many ways: "0A505.a and .x", "3B001.a.1 to a.3, b, e",
"5A001.b (except .b.5), .c", "9A004 .g, .r", "entire entry, except 8A620. b and .y".
Everything is normalised to ECCN-relative dotted paths ("b.5", "z.1.a"), and a row's left
cell becomes a `Scope` (entire / entire_except / paragraphs / condition).

Fail closed: a phrase we cannot read as a clean paragraph list stays free text (a
condition), so coverage becomes "unknown" (a branch), never a silent "not covered".
"""
from __future__ import annotations

import re

from bot.rules.datasets.types import Scope

ECCN_RE = r"\d[A-E]\d{3}"
_FULL = re.compile(rf"^({ECCN_RE})((?:\.[a-z0-9]+)*)$", re.IGNORECASE)
# ".a.11", "a.3", "z.1.b" or one bare letter ("b" in "3B002.a and b"); never a bare word
_REL = re.compile(r"^(?:\.([a-z0-9]{1,2}(?:\.[a-z0-9]{1,3})*)|([a-z](?:\.[a-z0-9]{1,3})+)|([a-z]))$")
_RANGE = re.compile(r"^(.+?)\s+(?:to|through)\s+(.+)$")
REASONS = ("NS", "RS", "MT", "NP", "CB", "CC", "FC", "AT", "UN", "EI", "SL", "SI", "CW",
           "SS")
RUSSIAN_SECTOR = "Russian industry sector"
_LEFT = re.compile(
    r"^\s*(?P<r>[A-Z]{2}|Russian industry sector sanctions?)\s+appl(?:y|ies)\b[,:]?\s*(?P<rest>.*)$",
    re.DOTALL)
_ENTIRE = re.compile(r"^(?:to\s+)?(?:the\s+)?entire\s+entry\b\s*(?P<tail>.*)$", re.DOTALL)
_BENIGN_TAIL = re.compile(
    r"^[,.]?\s*(?:\(refer to [^)]*\)|for items controlled for [A-Z]{2} reasons)?\s*\.?$")


def normalise_text(text: str) -> str:
    """Close the stray spaces the eCFR leaves inside references: "8A620. b" -> "8A620.b"."""
    text = re.sub(rf"({ECCN_RE})\s+\.(?=[a-z])", r"\1.", text)
    text = re.sub(rf"({ECCN_RE}(?:\.[a-z0-9]+)*)\.\s+(?=[a-z0-9]\b|[a-z0-9]\.)", r"\1.", text)
    return text


def within(path: str, ancestor: str) -> bool:
    """"b.4.b" is within "b.4" and within "b"; "b.40" is not within "b.4"."""
    return path == ancestor or path.startswith(ancestor + ".")


def _expand_range(first: str, last: str) -> list[str] | None:
    """"a.1".."a.3" -> a.1, a.2, a.3; "g".."j" -> g, h, i, j; None if not a sibling range."""
    head1, _, tail1 = first.rpartition(".")
    head2, _, tail2 = last.rpartition(".")
    if head2 and head1 != head2:
        return None
    if tail1.isdigit() and tail2.isdigit() and int(tail1) <= int(tail2):
        steps = [str(n) for n in range(int(tail1), int(tail2) + 1)]
    elif len(tail1) == len(tail2) == 1 and tail1.isalpha() and tail1 <= tail2:
        steps = [chr(c) for c in range(ord(tail1), ord(tail2) + 1)]
    else:
        return None
    return [f"{head1}.{s}" if head1 else s for s in steps]


def sibling(path: str, previous: str | None) -> str:
    """".16" after "d.15" is "d.16": a relative path that starts with a number continues the
    previous reference's level (top-level paragraphs are letters)."""
    if previous and path[:1].isdigit() and "." in previous:
        return previous.rsplit(".", 1)[0] + "." + path
    return path


def parse_ref(token: str, context: str | None) -> tuple[str, str] | None:
    """One reference -> (ECCN, relative path); relative tokens take `context`'s ECCN."""
    token = token.strip().strip(",;").rstrip(".")
    token = re.sub(r"^(?:ECCNs?|paragraphs?)\s+", "", token, flags=re.IGNORECASE)
    if m := _FULL.match(token):
        return m.group(1).upper(), m.group(2).lstrip(".").lower()
    if context and (m := _REL.match(token)):
        return context, next(g for g in m.groups() if g).lower()
    return None


def split_top(text: str, separators: str = r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+|;\s*(?:and\s+)?"
              ) -> list[str]:
    """Split on list separators outside parentheses."""
    parts, depth, start = [], 0, 0
    pattern = re.compile(separators)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and (m := pattern.match(text, i)) and m.end() > i:
            parts.append(text[start:i])
            start = i = m.end()
            continue
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def paragraph_list(text: str, eccn: str) -> tuple[list[str], list[str]] | None:
    """A pure list of `eccn`'s paragraphs -> (paragraphs, excepted); None if anything else.

    "5A001.b (except .b.5), .c" -> (["b", "c"], ["b.5"]); "3B001.a.1 to a.3" -> a.1..a.3.
    """
    listed = qualified_list(text, eccn)
    return (listed[0], listed[1]) if listed and not listed[2] else None


_QUALIFIED_EXCEPT = re.compile(r"^(.+?)\s+for\s+(.+)$", re.DOTALL)


def qualified_list(text: str, eccn: str) -> tuple[list[str], list[str], str] | None:
    """Like `paragraph_list`, but an exception may be qualified: "6A002.a.3 (except a.3.d.2.a
    and a.3.e for lead selenide based focal plane arrays (FPAs)), .c" -> (["a.3", "c"],
    ["a.3.d.2.a", "a.3.e"], "except a.3.d.2.a and a.3.e for lead selenide ...").
    The qualifier (third element, "" if none) means the excepted paragraphs are excepted
    only in part: coverage there is unknown, never "no"."""
    text = normalise_text(text).strip().rstrip(".")
    text = re.sub(r"^(?:paragraphs?|items controlled by)\s+", "", text)
    text = re.sub(r"\s+(?:of this entry|only|controlled by this entry)$", "", text)
    paragraphs: list[str] = []
    excepted: list[str] = []
    qualifiers: list[str] = []
    context: str | None = eccn
    for part in split_top(text):
        inner = re.match(r"^(.*?)\s*\(except\s+(.+)\)$", part, re.DOTALL)
        if inner:
            part = inner.group(1)
            sub = paragraph_list(inner.group(2), eccn)
            if sub is None and (q := _QUALIFIED_EXCEPT.match(inner.group(2))):
                sub = paragraph_list(q.group(1), eccn)
                if sub is not None:
                    qualifiers.append("except " + inner.group(2))
            if sub is None or sub[1]:
                return None
            excepted.extend(sub[0])
        refs = _refs_of(part, context)
        if refs is None or any(e != eccn for e, _ in refs):
            return None
        context = refs[-1][0]
        for _, p in refs:
            paragraphs.append(sibling(p, paragraphs[-1] if paragraphs else None))
    if not paragraphs or any(p == "" for p in paragraphs):
        return None
    return paragraphs, excepted, "; ".join(qualifiers)


def _refs_of(part: str, context: str | None) -> list[tuple[str, str]] | None:
    """One list element: a reference or a range of references ("a.1 to a.3")."""
    if m := _RANGE.match(part):
        a = parse_ref(m.group(1), context)
        b = parse_ref(m.group(2), a[0] if a else context)
        if a is None or b is None or a[0] != b[0] or not a[1] or not b[1]:
            return None  # "2B119 to 2B122" is a range of ECCNs, not of paragraphs
        steps = _expand_range(a[1], b[1])
        return [(a[0], s) for s in steps] if steps else None
    ref = parse_ref(part, context)
    return [ref] if ref else None


def _last_eccn(text: str) -> str | None:
    found = re.findall(ECCN_RE, text)
    return found[-1].upper() if found else None


def mentioned(text: str, eccn: str) -> list[str]:
    """Paragraphs of `eccn` named anywhere in free text (full references only, plus the
    relative ones that directly continue them: "3A001.b.2 and b.3", "1C351.d.15 and .16")."""
    text = normalise_text(text)
    found: list[str] = []
    sep = r"(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)"
    rel = r"\.?[a-z0-9](?:\.[a-z0-9]+)*\b(?![\w-])"
    for m in re.finditer(rf"\b{eccn}((?:\.[a-z0-9]+)+)((?:{sep}{rel})*)", text):
        found.append(m.group(1).lstrip("."))
        for r in re.finditer(rf"{sep}(\.?)([a-z0-9](?:\.[a-z0-9]+)*)", m.group(2)):
            if r.group(2)[0].isdigit() and not r.group(1):
                break  # "3A001.b and 5 ..." is not a paragraph; ".16" is
            found.append(sibling(r.group(2), found[-1]))
    return list(dict.fromkeys(found))


_QUALIFIER = re.compile(r",?:?\s+(?:except|when|if|that|which|having|being|usable|where)\b|"
                        r",\s+(?=in the form)", re.IGNORECASE)


def bounded_by(text: str, eccn: str) -> list[str] | None:
    """The paragraphs a condition is confined to, or None if it may reach beyond them.

    Each clause ("...; and to ...", "... or to ...") must name what it covers by this
    ECCN's paragraphs before any qualifier ("when", "that", "if", "except"):
    "MT applies to 3A001.a.1.a when ...; and 3A001.z.2" -> [a.1.a, z.2].
    """
    text = normalise_text(text)
    clauses = re.split(r";\s*(?:and\s+)?(?:to\s+)?|,?\s+(?:and|or)\s+to\s+", text,
                       flags=re.IGNORECASE)
    bounds: list[str] = []
    for clause in clauses:
        head = _QUALIFIER.split(clause, maxsplit=1)[0]
        while re.search(r"\([^()]*\)", head):  # innermost first: "(except ... (FPAs))"
            head = re.sub(r"\([^()]*\)", " ", head)
        if "(" in head or ")" in head:  # unbalanced as printed (1C010): cannot read it
            return None
        parts = split_top(head, r",\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")
        context: str | None = None
        for part in parts:
            refs = mentioned(part, eccn)
            if refs:
                context = eccn
                bounds.extend(refs)
                continue
            rel = parse_ref(part, context) if context else None
            if rel and rel[1]:
                bounds.append(sibling(rel[1], bounds[-1] if bounds else None))
                continue
            return None
    return list(dict.fromkeys(bounds)) or None


def _except_scope(rest: str, eccn: str) -> Scope:
    """"entire entry except <list>": clean paragraphs are excluded, anything else is a
    condition (a qualified exclusion such as "0A509.a for items for ECCN 0A502")."""
    excepted: list[str] = []
    free: list[str] = []
    context = eccn  # a relative ".a.11" after "software for 1C607.a.10" is 1C607's
    for part in split_top(normalise_text(rest).rstrip(".")):
        refs = _refs_of(part, context)
        if refs and all(e == eccn and p for e, p in refs):
            excepted.extend(sibling(p, excepted[-1] if excepted else None) for _, p in refs)
        else:
            free.append(part)
        context = _last_eccn(part) or (refs[-1][0] if refs else context)
    condition = ("except " + ", ".join(free)) if free else ""
    return Scope("entire_except", (), tuple(dict.fromkeys(excepted)), condition)


def parse_left(left: str, eccn: str) -> tuple[tuple[str, ...], Scope]:
    """A left-hand cell -> (reasons, scope). Raises ValueError if no reason is stated."""
    text = " ".join(left.split())
    merged = re.match(r"^([A-Z]{2}) applies to entire entry ([A-Z]{2}) applies to entire entry$",
                      text)
    if merged:  # 1A231: two rows printed as one
        return (merged.group(1), merged.group(2)), Scope("entire")
    text = re.sub(r"\s+[A-Z]{2} Column [123]\.?$", "", text)  # 1C350 repeats its right cell
    m = _LEFT.match(text)
    if not m:
        raise ValueError(f"{eccn}: no reason for control in {left!r}")
    reason = m.group("r") if m.group("r") in REASONS else RUSSIAN_SECTOR
    return (reason,), scope_of(m.group("rest"), eccn)


def scope_of(rest: str, eccn: str) -> Scope:
    """The words after "applies to" -> Scope."""
    rest = rest.strip()
    if rest.startswith(","):  # "NP applies, unless a License Exception is available ..."
        return Scope("condition", condition=rest.lstrip(", "))
    rest = re.sub(r"^to:?\s+", "", rest)
    if m := _ENTIRE.match(rest):
        tail = m.group("tail")
        if _BENIGN_TAIL.match(tail):
            return Scope("entire")
        exc = re.match(r"^[,.]?\s*except(?: for)?[:,]?\s+(.+)$", tail, re.DOTALL)
        if exc and "Note:" not in exc.group(1):
            return _except_scope(exc.group(1), eccn)
        if exc:  # "except 1B001.d.4, e and f. Note: MT applies to ..." -> keep the note
            body, note = exc.group(1).split("Note:", 1)
            scope = _except_scope(body, eccn)
            return Scope("entire_except", (), scope.excepted,
                         (scope.condition + "; " if scope.condition else "") + "Note:" + note)
        return Scope("condition", condition=rest)
    listed = qualified_list(rest, eccn)
    if listed:
        paragraphs, excepted, qualifier = listed
        return Scope("paragraphs", tuple(dict.fromkeys(paragraphs)), tuple(excepted), qualifier)
    bounds = bounded_by(rest, eccn)
    if bounds:
        return Scope("condition", tuple(bounds), (), rest, True)
    return Scope("condition", tuple(mentioned(rest, eccn)), (), rest, False)


def coverage(scope: Scope, paragraph: str | None) -> tuple[str, str]:
    """Does a row with `scope` cover an item in `paragraph` (None: ECCN only)?

    -> ("yes" | "no" | "unknown", why). "unknown" means the engine must branch.
    """
    if scope.kind == "entire":
        return "yes", "applies to the entire entry"
    if scope.kind == "entire_except":
        return _cover_except(scope, paragraph)
    if scope.kind == "paragraphs":
        return _cover_paragraphs(scope.paragraphs, scope.excepted, paragraph, scope.condition)
    if scope.bounded and paragraph is not None:
        if not any(within(paragraph, b) or within(b, paragraph) for b in scope.paragraphs):
            return "no", f"the row concerns only {_list(scope.paragraphs)}"
    return "unknown", f"applies if: {scope.condition}"


def _cover_except(scope: Scope, paragraph: str | None) -> tuple[str, str]:
    if paragraph is None:
        return "unknown", ("applies to the entire entry except "
                           + (_list(scope.excepted) if scope.excepted else scope.condition))
    if any(within(paragraph, e) for e in scope.excepted):
        return "no", f"paragraph .{paragraph} is excepted"
    if any(within(e, paragraph) for e in scope.excepted):
        return "unknown", f"part of .{paragraph} is excepted ({_list(scope.excepted)})"
    if scope.condition:
        return "unknown", f"applies unless: {scope.condition}"
    return "yes", f"paragraph .{paragraph} is not excepted"


def _cover_paragraphs(listed: tuple[str, ...], excepted: tuple[str, ...],
                      paragraph: str | None, qualifier: str = "") -> tuple[str, str]:
    if paragraph is None:
        return "unknown", f"applies only to {_list(listed)}"
    if any(within(paragraph, e) for e in excepted):
        if qualifier:  # "except a.3.e for lead selenide FPAs": excepted only in part
            return "unknown", f"paragraph .{paragraph} is listed, {qualifier}"
        return "no", f"paragraph .{paragraph} is excepted"
    if any(within(paragraph, p) for p in listed):
        if any(within(e, paragraph) for e in excepted):
            return "unknown", f"part of .{paragraph} is excepted ({_list(excepted)})"
        return "yes", f"paragraph .{paragraph} is listed"
    if any(within(p, paragraph) for p in listed):
        return "unknown", f"applies to part of .{paragraph}: {_list(listed)}"
    return "no", f"applies only to {_list(listed)}"


def _list(paragraphs: tuple[str, ...] | list[str]) -> str:
    return ", ".join("." + p for p in paragraphs)
