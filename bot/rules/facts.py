"""`extract_facts(question, today)`: what a question states, deterministically (no model).

Destination (ISO alpha-2), classification (ECCN, EAR99, USML category), item words (via the
rulebook's item catalogue, else the curated everyday words of the CCL search), end use / end user cues and the date the question is about.
A fact the question does not state stays None; a follow-up keeps the earlier facts and
changes only what the new message states.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import replace
from datetime import date

from bot.question import QuestionError, clean_question
from bot.records import Facts, Period
from bot.rules.cities import city_spans, find_city
from bot.rules.countries import CountryMatch, country_name, find_countries, fuzzy_country
from bot.rules.dates import DateError, find_period
from bot.rules.end_user_facts import read_end_user
from bot.rules.loader import Rulebook, load_rulebook


class FactsError(QuestionError):
    """The question cannot be read (empty, too long, impossible date); a clear message."""


# Cues in priority order: the first group that matches sets end_use. `True` = the phrase
# names an end user (kept as Facts.end_user), `False` = it only describes the use.
_CUES: tuple[tuple[str, dict[str, bool]], ...] = (
    ("humanitarian-demining", {
        "humanitarian demining": False, "humanitarian mine action": False, "mine action": False,
        "demining": False, "de-mining": False, "mine clearance": False,
        "landmine clearance": False, "conventional weapons destruction": False,
        "unexploded ordnance": False, "cmac": True,
        # the activity in verbs: "our NGO clears landmines", "removing mines"
        **{f"{verb} {mines}": False
           for verb in ("clear", "clears", "clearing", "cleared", "remove", "removes", "removing")
           for mines in ("landmines", "land mines", "mines", "minefields")},
        "landmine removal": False, "mine removal": False, "mine clearing": False,
        "landmine clearing": False, "demine": False, "demines": False}),
    ("military-intelligence", {
        "military intelligence": False, "military-intelligence": False,
        "intelligence service": True, "intelligence services": True,
        "intelligence agency": True, "intelligence agencies": True, "spy agency": True,
        "reconnaissance organization": True}),
    ("military", {
        "ministry of defence": True, "ministry of defense": True, "defence ministry": True,
        "ministry of national defence": True, "ministry of national defense": True,
        "military police": True,
        "defense ministry": True, "national police": True, "national guard": True,
        "air force": True, "coast guard": True, "armed forces": True, "army": True,
        "navy": True, "naval forces": True, "marines": True, "marine corps": True,
        "gendarmerie": True, "police": True, "soldiers": True, "troops": True,
        "defence forces": True, "defense forces": True, "military": False,
        "military end use": False, "military end user": False}),
    ("civil", {
        "airline": True, "airlines": True, "air carrier": True, "civil aviation": False,
        "civilian": False, "civil": False, "commercial": False, "hospital": True,
        "hospitals": True, "airport": True, "flight school": True}),
    # not "university" or "private company": a name says nothing about whether an organisation
    # is a military end user (§ 744.21(g)); bot.rules.end_users reads such names as "unknown"
)
_CUE_RE = {
    use: re.compile(r"(?<![\w-])(" + "|".join(re.escape(c) for c in
                                              sorted(cues, key=len, reverse=True)) + r")(?![\w-])",
                    re.IGNORECASE)
    for use, cues in _CUES
}

_ECCN = re.compile(r"(?<![\w.])(\d[A-Ea-e]\d{3}(?:\.[A-Za-z0-9]+)*)(?![\w])")
_EAR99 = re.compile(r"\bEAR\s*-?\s*99\b", re.IGNORECASE)
_USML = re.compile(
    r"\b(?:USML\s+(?:Category\s+|Cat\.?\s*)?|(?:USML\s+)?Category\s+|Cat\.\s*|Cat\s+)"
    r"([IVXivx]{1,5})\b(?:\s*\(([a-zA-Z])\))?", re.IGNORECASE)
_ITAR_GENERIC = re.compile(r"\b(?:ITAR[- ]controlled|on the USML|USML|defen[cs]e articles?)\b",
                           re.IGNORECASE)
# Questions about other regimes or about imports: outside the rulebook (US export controls).
_OUT_OF_SCOPE = (
    (re.compile(r"\b(?:tariffs?|import dut(?:y|ies)|customs dut(?:y|ies)|duty rates?|"
                r"imported (?:from|into)|importing (?:from|into))\b", re.I),
     "import duties and tariffs"),
    (re.compile(r"\b(?:EU dual[- ]use|Regulation \(EU\)|UK Export Control Order|"
                r"UK strategic export|FEFTA|Wassenaar national)\b", re.I),
     "another country's export-control law"),
)
_ROMAN = ("I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX XXI").split()
# Capitalised words after "to/in/..." that are not places (for "I don't know the country X").
_NOT_PLACES = frozenset(
    "january february march april may june july august september october november december "
    "category cat usml itar ear bis ddtc commerce state the a an our my their its this that "
    "which what whom supplement part country group section license licence federal register "
    "us u.s. army navy police customers customer export exports eccn ccl cfr ofac nato "
    "government ministry department company client distributor reseller end".split())
# Reasons for control that are also ISO codes ("a licence for MT?" is not Malta, AT not Austria)
_REASON_CODES = frozenset({"AT", "CB", "CC", "CW", "EI", "FC", "MT", "NP", "NS", "RS", "SI", "SL",
                           "UN"})
_ISO_CODE = re.compile(
    r"\b(?:to|into|for|about|destined for)\s+([A-Z]{2})(?=\s*(?:$|[?.!,;:)])|\s+(?:in|on|as|"
    r"before|after|since|during|by|and|or|under|from|via|now|today)\b)|(?:->|→)\s*([A-Z]{2})\b")
_UNKNOWN_PLACE = re.compile(
    r"\b(?:to|into|in|from|for)\s+(?:the\s+)?([A-Z][a-zA-Z'\-]{2,}(?:\s+[A-Z][a-zA-Z'\-]{2,})?)")


def _check_question(question: object) -> str:
    """The one question validator (bot.question), its errors as FactsError."""
    try:
        return clean_question(question)
    except QuestionError as exc:
        raise FactsError(str(exc)) from None


def normalize_classification(text: str) -> str | None:
    """'9a610.X' -> '9A610.x', 'ear 99' -> 'EAR99', 'Cat. viii(h)' -> 'USML VIII(h)'."""
    found = find_classification(text.strip())
    return found[0] if found else None


def find_classification(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first classification stated in `text` and its span."""
    hits: list[tuple[int, str, tuple[int, int]]] = []
    if m := _EAR99.search(text):
        hits.append((m.start(), "EAR99", m.span()))
    if m := _ECCN.search(text):
        raw = m.group(1)
        base, _, rest = raw.partition(".")
        hits.append((m.start(), base.upper() + ("." + rest.lower() if rest else ""), m.span()))
    for m in _USML.finditer(text):
        roman = m.group(1).upper()
        if roman in _ROMAN:
            para = f"({m.group(2).lower()})" if m.group(2) else ""
            hits.append((m.start(), f"USML {roman}{para}", m.span()))
            break
    if not hits and (m := _ITAR_GENERIC.search(text)):
        hits.append((m.start(), "USML", m.span()))
    if not hits:
        return None
    _, value, span = min(hits)
    return value, span


# "a UK export licence", "German dual-use authorisation", "Japan's export permit": another
# country's licence (the words before it name a country other than the US), or its agency.
_FOREIGN_LICENCE = re.compile(
    r"([A-Z][\w.]*(?:\s+[A-Z][\w.]*)?)(?:'s)?\s+(?:(?:export|dual[- ]use|strategic export|arms "
    r"export|re-?export)\s+)(?:licen[cs]es?|permits?|authori[sz]ations?)\b")
_FOREIGN_AGENCY = re.compile(
    r"\b(?:ECJU|Export Control Joint Unit|BAFA|METI|DGFT|Global Affairs Canada|SPIRE|LITE)\b")


def out_of_scope_topic(text: str) -> str | None:
    """What makes `text` a question the US export-control rulebook does not answer."""
    for pattern, topic in _OUT_OF_SCOPE:
        if pattern.search(text):
            return topic
    if _FOREIGN_AGENCY.search(text):
        return "another country's export-control law"
    for m in _FOREIGN_LICENCE.finditer(text):
        named = find_countries(m.group(1))
        if named and all(c.code != "US" for c in named):
            return "another country's export-control law"
    return None


def end_use_for(text: str | None) -> str | None:
    """The end use an end-user description implies ("army" -> "military"), or None."""
    if not text:
        return None
    for use, _ in _CUES:
        if _CUE_RE[use].search(text):
            return use
    return None


def _find_end_use(text: str, skip: list[tuple[int, int]]) -> tuple[str | None, str | None]:
    for use, cues in _CUES:
        for m in _CUE_RE[use].finditer(text):
            if any(s <= m.start() < e for s, e in skip) or _NEGATION.search(
                    text[max(0, m.start() - 40):m.start()]):
                continue
            phrase = m.group(1).lower()
            user = m.group(1) if cues.get(phrase, False) else None
            return use, (user.lower() if user else None)
    return None, None


def find_item(text: str, rulebook: Rulebook) -> str | None:
    """The catalogue item `text` names ("7A994 flight instruments" -> "avionics"), or None."""
    return _find_item(text, rulebook)[0]


def _find_item(text: str, rulebook: Rulebook) -> tuple[str | None, list[tuple[int, int]]]:
    words = sorted(((w, item.id) for item in rulebook.items for w in (item.id, *item.words)),
                   key=lambda p: len(p[0]), reverse=True)
    lowered = text.lower()
    for word, item_id in words:
        m = re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", lowered)
        if m:
            return item_id, [m.span()]
    singles = {w: i for w, i in words if " " not in w and len(w) >= 6}
    for m in re.finditer(r"[a-z]{6,}", lowered):
        if end_use_for(m.group(0)) or find_countries(m.group(0)):
            continue
        close = difflib.get_close_matches(m.group(0), list(singles), n=1, cutoff=0.86)
        if close:
            return singles[close[0]], [m.span()]
    return None, []


_TO = re.compile(r"(?:\b(?:to|into|towards|destined for)|->|→)\s*(?:the\s+)?$", re.IGNORECASE)
_IN_FOR = re.compile(r"\b(?:for|in)\s+(?:the\s+)?$", re.IGNORECASE)
ACTIVITIES = frozenset({"humanitarian-demining"})  # end uses that name what is done, not who
# "not selling to the military", "no military end use": a negated cue is not a fact.
# Only a negation that governs the cue: "not (selling) (to) (the)", "no", "without (any)";
# "is it not prohibited to sell to the army?" still names the army.
_NEGATION = re.compile(
    r"(?:\b(?:not|never|nor|neither|without)\s+(?:(?:be|being|selling|sold|sell|going|shipping|"
    r"exporting|supplying|delivering|used|intended|for|to|by|a|an|the|any|our|its|their)\s+)"
    r"{0,4}|\bno\s+)$", re.IGNORECASE)


def _pick_destination(matches: list[CountryMatch], text: str) -> CountryMatch | None:
    if len(matches) > 1:  # "US" is the exporter's side far more often than the destination
        matches = [m for m in matches if m.code != "US"] or matches
    # "distributor in Singapore re-exports to Cambodia": a "to" destination outranks "in/for".
    for preposition in (_TO, _IN_FOR):
        for m in matches:
            if preposition.search(text[max(0, m.start - 20):m.start]):
                return m
    return matches[0] if matches else None


_JOINED = re.compile(r"^\s*(?:,|/|&|\band\b|\bor\b|\bas well as\b|\band/or\b)\s*(?:to\s+)?$",
                     re.IGNORECASE)


def _co_destinations(matches: list[CountryMatch], picked: CountryMatch, text: str) -> tuple[str, ...]:
    """Countries listed with the destination ("to Cambodia and Vietnam", "Laos, Burma or Cambodia"):
    the answer covers one destination and must say it skipped the others."""
    chain = sorted(matches, key=lambda c: c.start)
    if picked not in chain:  # found by fuzzy matching: no exact mentions to chain from
        return ()
    i = chain.index(picked)
    others: list[str] = []
    for step in (-1, 1):  # walk left, then right, while the neighbours are joined by and/or/commas
        j = i
        while 0 <= j + step < len(chain):
            a, b = (chain[j + step], chain[j]) if step < 0 else (chain[j], chain[j + step])
            if not _JOINED.match(text[a.end:b.start]):
                break
            j += step
            if chain[j].code not in (picked.code, "US") and chain[j].code not in others:
                others.append(chain[j].code)
    return tuple(others)


def _covered_codes(text: str, rulebook: Rulebook) -> list[CountryMatch]:
    """"to KH?", "7A994 for CN in 2023": an upper-case ISO code of a destination the rulebook
    or the Country Chart covers, after to/into/for and before the end of a clause (so "IR
    cameras" stays infrared)."""
    from bot.rules.destinations import covered

    codes = covered(rulebook) - _REASON_CODES
    found = []
    for m in _ISO_CODE.finditer(text):
        group = 1 if m.group(1) else 2
        code = m.group(group)
        if code in codes:
            found.append(CountryMatch(code, country_name(code) or code, code, m.start(group),
                                      m.end(group)))
    return found


def _country_matches(text: str, rulebook: Rulebook) -> list[CountryMatch]:
    matches = find_countries(text)
    taken = [(m.start, m.end) for m in matches]
    matches += [c for c in _covered_codes(text, rulebook)
                if not any(s < c.end and c.start < e for s, e in taken)]
    return sorted(matches, key=lambda c: c.start)


def _find_country(text: str, skip: list[tuple[int, int]],
                  matches: list[CountryMatch]) -> tuple[CountryMatch | None, str | None]:
    """The destination among the exact `matches`, else a fuzzy match, else an unknown place name."""
    if matches:
        return _pick_destination(matches, text), None
    if city := find_city(text, skip):  # "a distributor in Siem Reap": Cambodia
        return city, None
    for m in re.finditer(r"[A-Za-z]{6,}", text):
        if any(s <= m.start() < e for s, e in skip) or end_use_for(m.group(0)):
            continue
        if fuzzy := fuzzy_country(m.group(0)):
            return fuzzy, None
    for m in _UNKNOWN_PLACE.finditer(text):
        name = m.group(1)
        first = name.split()[0].lower()
        if first in _NOT_PLACES or end_use_for(name) or any(s <= m.start(1) < e for s, e in skip):
            continue
        if find_classification(name):
            continue
        return None, name
    return None, None


def with_period(facts: Facts, period: Period, today: date) -> Facts:
    """`facts` about `period`: `as_of` is its last day, or today where it reaches the future."""
    return replace(facts, period=period, as_of=min(period.end, today), date_phrase=period.phrase)


def extract_facts(question: str, today: date, *, previous: Facts | None = None,
                  rulebook: Rulebook | None = None, period: Period | None = None) -> Facts:
    """The facts `question` states; `previous` carries a chat's earlier facts forward.

    The date the question states is a period (bot.rules.dates); `period` (an --as-of
    period) stands in when it states none. Item words, covered destinations and embargo
    dates are read from `rulebook` (default: the packaged one), so an Answerer with its own
    rulebook reads questions by it.
    """
    text = _check_question(question)
    rulebook = rulebook if rulebook is not None else load_rulebook()
    classification = find_classification(text)
    item, item_spans = _find_item(text, rulebook)
    if item is None and classification is None:  # everyday words the CCL search knows
        from bot.rules.item_words import in_question

        item = in_question(text, today)
    skip = item_spans + ([classification[1]] if classification else [])
    end_use, end_user = _find_end_use(text, skip)
    who = read_end_user(text, end_use, end_user, skip + city_spans(text))
    matches = _country_matches(text, rulebook)
    country, unknown = _find_country(text, skip + ([who.span] if who.span else []), matches)
    if country is None and unknown is None and who.country:  # "to the PLA": China's forces
        country = CountryMatch(who.country, country_name(who.country) or who.country,
                               who.end_user or who.country, *who.span)
    base = previous or Facts(as_of=today)
    destination = country.code if country else (None if unknown else base.destination)
    try:
        found = find_period(text, today, destination=destination, rulebook=rulebook)
    except DateError as exc:
        raise FactsError(str(exc)) from None
    facts = Facts(
        as_of=base.as_of if base.date_phrase or base.period else today,
        destination=destination,
        destination_name=country.name if country else (None if unknown else
                                                       base.destination_name),
        item=item or base.item,
        classification=classification[0] if classification else (None if item
                                                                  else base.classification),
        # an activity the § 126.1 exceptions turn on (demining) stays the end use whoever does
        # it; the end user's kind (an army unit: military) still reaches the EAR end-use rules
        end_use=(end_use if end_use in ACTIVITIES else who.end_use) or base.end_use,
        end_user=who.end_user if who.end_use or who.kind else base.end_user,
        unknown_country=unknown,
        date_phrase=base.date_phrase,
        period=base.period,
        out_of_scope=out_of_scope_topic(text),
        other_destinations=_co_destinations(matches, country, text) if country else (),
        end_user_kind=who.kind if who.kind else base.end_user_kind,
        parties=who.parties if who.kind else base.parties,
    )
    found = found or (period if not (base.date_phrase or base.period) else None)
    return with_period(facts, found, today) if found else facts
