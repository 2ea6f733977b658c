"""`find_party_mentions(question) -> list[Mention]`: the spans of a free-text question worth
screening ("...to the Beijing Academy of Artificial Intelligence?", "...to Try Pheap Group in
Cambodia", quoted names, "our buyer is X"). Regular expressions only: cheap enough for every
question. Countries, classifications (EAR99, 7A994, USML XI), regulatory words and generic
end users ("the army", "the Cambodian navy") are not mentions: the facts and end-user steps
read those.
"""
from __future__ import annotations

import re

from bot.screening.records import Mention

_CONNECT = r"(?:of|and|&|de|del|da|du|la|le|for|the|y|van|von|al|el|bin|ibn)"
# A name word: Capitalised, ALL CAPS or with digits ("3M", "O'Neil", "Xi'an", "AT&T", "Co.")
_WORD = r"(?:[A-Z0-9][\w'’&.\-]*|\([A-Z][\w .&'’\-]*\))"
_NAME = rf"{_WORD}(?:,?\s+(?:{_CONNECT}\s+)*{_WORD})*"
_QUOTED = re.compile(r"[\"“”«]([^\"“”«»\n]{2,120})[\"“”»]"
                     r"|(?<![\w])'([^'\n]{2,120})'(?![\w])")
_CUE = re.compile(
    r"\b(?i:(?:our|the|my|their|a|an|this)\s+(?:new\s+|potential\s+|prospective\s+)?"
    r"(?:buyer|customer|client|end[- ]?user|consignee|distributor|importer|purchaser|"
    r"partner|reseller|dealer|agent|intermediary|party)s?\s*(?:is|are|will be|would be|was|:|=|"
    r"called|named)|(?:called|named|company|firm|entity|party)\s*:?)\s+(?:the\s+)?"
    rf"(?P<name>{_NAME})")
_PREP = re.compile(rf"\b(?:to|for|from|with|by|via|through|buyer|customer|at)\s+(?:the\s+)?"
                   rf"(?P<name>{_NAME})")
_CAPS_RUN = re.compile(rf"(?<![\w'’])(?P<name>{_NAME})")
_TRAIL = re.compile(r"(?:,?\s+(?:in|from|at|located in|based in)\s+[A-Z][\w'’\- ]*|[,.;:]+)$")
# Words that, all together, never name a party worth screening.
_GENERIC = frozenset("""
a an the our my their we i you it is are can could may might should would will do does did
what which who whom whether how when where why if please hi hello thanks yes no not and or
to for from with by via through at in on of as about under over into per ear itar usml ccl
eccn ear99 bis ofac ddtc doc sdn cfr fr part parts supplement supp section sections license
licence licenses licences exception exceptions entity list lists country group groups chart
rule rules regulation regulations category cat general prohibition prohibitions federal register
government ministry department army navy air force forces armed military police national
guard coast gendarmerie marines marine corps border royal people's peoples defence defense
interior security intelligence service services agency troops soldiers university universities
company companies customer customers buyer buyers end user users distributor us u.s usa america
american january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday items item
servers server avionics equipment parts software technology hardware export exports reexport
sell selling ship shipping ok okay also still now then mr mrs ms dr ngo ngos any there here
gps gnss uav uavs uas drone drones cpu cpus gpu gpus fpga fpgas asic lidar radar sonar ai it ip
rf ir usb lte 5g 4g 3g hpc ssd pcb pcbs cnc sar eo optics chips chip semiconductors
""".split())
_CLASSIFICATION = re.compile(r"^(?:EAR\s*-?\s*99|\d[A-E]\d{3}(?:\.\w+)*|USML\b.*|[IVX]{1,5})$",
                             re.IGNORECASE)
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# Words a sentence puts after a name that are never part of it ("Is Try Pheap Group OK?").
_TAIL_WORDS = re.compile(r"(?:\s+(?:ok|okay|now|then|too|also|please|still|today|tomorrow|"
                         r"here|there|yet|again|anyway|instead|as well))+$", re.IGNORECASE)
# A full stop that ends a sentence inside a run of capitalised words ("Siem Reap, Cambodia. Any
# licence?"), not one of a corporate form or an initial ("Co. Ltd", "S.A.", "J. Smith").
_SENTENCE_END = re.compile(r"(?<=[a-z]{4})\.\s+(?=[A-Z])")


def _clean(text: str, start: int) -> tuple[str, int] | None:
    """Strip leading articles and trailing place phrases / punctuation; None if nothing left."""
    m = re.match(r"(?:the|a|an)\s+", text, re.IGNORECASE)
    if m:
        text, start = text[m.end():], start + m.end()
    cut = _SENTENCE_END.search(text)
    if cut:
        text = text[:cut.start()]
    text = _TRAIL.sub("", text).rstrip(" ,.;:")
    text = _POSSESSIVE.sub("", text)  # "Cambodia Angkor Air's jets": the name, not its 's
    text = _TRAIL.sub("", text).rstrip(" ,.;:")
    text = _without_trailing_country(text)  # "Siem Reap, Cambodia" -> "Siem Reap"
    text = _TAIL_WORDS.sub("", text)
    return (text, start) if text else None


def _without_trailing_country(text: str) -> str:
    """"Siem Reap, Cambodia" -> "Siem Reap": a comma and then only a country."""
    head, comma, tail = text.rpartition(",")
    tail = tail.strip()
    if not comma or not head.strip() or not tail:
        return text
    from bot.rules.countries import find_countries

    found = find_countries(tail)
    whole = found and found[0].start == 0 and found[0].end == len(tail)
    return head.rstrip() if whole else text


def _worth_screening(text: str) -> bool:
    if len(text) < 2 or len(text) > 150 or _CLASSIFICATION.match(text):
        return False
    if re.fullmatch(r"[A-Z]{2}", text):  # "to KH": an ISO country code
        from bot.rules.countries import country_name

        if country_name(text):
            return False
    words = [_word(w) for w in re.split(r"[\s\-/]+", text)]
    words = [w for w in words if w]
    if not words or all(w in _GENERIC or _CLASSIFICATION.match(w) for w in words):
        return False
    from bot.rules.countries import find_countries

    rest = text
    for c in sorted(find_countries(text), key=lambda c: c.start, reverse=True):
        rest = rest[:c.start] + rest[c.end:]
    leftover = [_word(w) for w in re.split(r"[\s\-/]+", rest)]
    # "Cambodia", "the Cambodian Army", "Chinese Navy": places and generic words only
    return any(w and w not in _GENERIC and not w.endswith(("ian", "ese", "ish")) or
               (w and w not in _GENERIC and len(leftover) == 1) for w in leftover) and rest != ""


def _word(word: str) -> str:
    """A word as the generic list holds it: "We're" -> "we", "(Huawei)." -> "huawei"."""
    word = _POSSESSIVE.sub("", word.strip("().,'’")).lower()
    return re.sub(r"['’](?:re|ve|ll|d|m)$", "", word)


def worth_screening(text: str) -> bool:
    """Whether `text` (an --end-user value, say) may name a party: not a country, a
    classification or only generic words ("the army", "a customer")."""
    return isinstance(text, str) and _worth_screening(" ".join(text.split()))


def _add(found: list[Mention], question: str, text: str, start: int, cue: str) -> None:
    cleaned = _clean(text, start)
    if cleaned is None:
        return
    text, start = cleaned
    if not _worth_screening(text):
        return
    span = (start, start + len(text))
    if any(m.span[0] <= span[0] and span[1] <= m.span[1] for m in found):
        return  # already inside a mention we have
    found[:] = [m for m in found if not (span[0] <= m.span[0] and m.span[1] <= span[1])]
    found.append(Mention(text=question[span[0]:span[1]], span=span, cue=cue))


def _sentence_start_trim(question: str, m: re.Match) -> tuple[str, int]:
    """Drop a capitalised question word or pronoun that opens a sentence ("Can", "Is", "We")."""
    text, start = m.group("name"), m.start("name")
    first = re.match(r"[\w'’]+", text)
    while first and first.group(0).lower() in _GENERIC:
        rest = text[first.end():]
        skip = len(rest) - len(rest.lstrip(" ,"))
        text, start = rest.lstrip(" ,"), start + first.end() + skip
        first = re.match(r"[\w'’]+", text)
    return text, start


def _looks_like_a_name(quoted: str) -> bool:
    """Quoted words that may be a name: a capital letter, or a few words ("acme trading");
    not a quoted sentence ("Translate 'thank you for your order' into Khmer")."""
    return bool(re.search(r"[A-Z0-9]", quoted)) or len(quoted.split()) <= 4


def find_party_mentions(question: str) -> list[Mention]:
    """Spans of `question` that may name a party (a buyer, end user, consignee...), in order."""
    if not isinstance(question, str) or not question.strip():
        return []
    found: list[Mention] = []
    for m in _QUOTED.finditer(question):
        group = 1 if m.group(1) is not None else 2
        if _looks_like_a_name(m.group(group)):
            _add(found, question, m.group(group), m.start(group), "quoted")
    for m in _CUE.finditer(question):
        _add(found, question, m.group("name"), m.start("name"), "named")
    for m in _PREP.finditer(question):
        _add(found, question, m.group("name"), m.start("name"), "preposition")
    for m in _CAPS_RUN.finditer(question):
        text, start = _sentence_start_trim(question, m)
        if len(re.findall(r"[A-Za-z]{2,}", text)) >= 2 or re.search(r"[A-Z]{3,}", text):
            _add(found, question, text, start, "capitalised")
    return sorted(found, key=lambda m: m.span)
