"""Kinds of question, each answered the way it is asked (issue 12).

`classify(question, facts)` routes a question, deterministically (patterns + the facts the
question itself states, no model):

- determination  "Can we sell avionics to Cambodia?"        -> the engine's verdict (bot.answer)
- fact           "Is Cambodia still in Country Group D:1?"  -> rulebook, EAR tables, screening list
- timeline       "What changed for Cambodia in 2025?"       -> dated rule values and documents
- document       "When does the BIS rule take effect?"      -> extractive, from the document
- off_topic      "What's the weather in Phnom Penh?"        -> one line on what regbot answers
- not_english    "¿Podemos vender aviónica a Camboya?"      -> an English reply saying so

A determination question stays a determination: an export verb or a licence word with a
destination, item, classification or end use wins over every other kind except an explicit
question about a document or a timeline, and a kind's answerer that cannot answer hands the
question back to the engine (bot.answers). Measured on the gold set (docs/evaluation.md).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.language import Language, detect
from bot.records import Facts


class Kind(StrEnum):
    DETERMINATION = "determination"
    FACT = "fact"
    TIMELINE = "timeline"
    DOCUMENT = "document"
    OFF_TOPIC = "off_topic"
    NOT_ENGLISH = "not_english"


@dataclass(frozen=True)
class Route:
    kind: Kind
    topic: str = ""  # for facts: groups | embargo | lists | eccn | chart | end_use
    why: str = ""  # the cue that decided, for tests and the decision log
    language: Language | None = None  # set when the question is not in English


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


EXPORT_CUE = _re(
    r"\b(?:sell|sells|selling|sold|ship|ships|shipping|shipped|export|exports|exporting|exported|"
    r"re-?export\w*|send|sends|sending|sent|supply|supplying|supplied|deliver\w*|transfer\w*|"
    r"provide|providing|go|goes|going|went|quote|quoting)\b|"
    r"\blicen[cs]e[ds]?\b(?!\s+requirements?\s+(?:of|for)\b)|\bapproval\b|\bauthori[sz]\w*|"
    r"\ballowed\b|\bpermitted\b|\blegal\b|\bwhat applies\b|->|→")
DOCUMENT_NOUN = _re(
    r"\b(?:the|this|that|these|those|its|their)\s+(?:[\w.'’-]+\s+){0,4}?(?:rule|notice|press release|"
    r"article|report|story|announcement|document|post|piece|alert|guidance|blog|update)\b|"
    r"\bFR Doc\.?|\b\d{2,3} FR \d{3,6}\b")
DOCUMENT_VERB = _re(
    r"\b(?:take|takes|took|taking) effect\b|\beffective\b|\bcome into (?:force|effect)\b|"
    r"\bin force\b|\bpublished\b|\bissued\b|\breport(?:ed|s)?\b|\bsays?\b|\bsaid\b|"
    r"\bannounc\w*|\bwr(?:i|o)te\b|\bsummar\w+|\babout\b|"
    r"\bwhat (?:does|did|do)\b.{0,60}\b(?:do|change|require|cover|mean)\b")
# "can we ...", "do we need a licence ...": asked about an export, whatever else it names.
DETERMINATION_CUE = _re(
    r"\b(?:can|could|may|might|should|must)\s+(?:we|i|our|they|you|it)\b|\bdo (?:we|i) need\b|"
    r"\bis (?:a |an )?(?:export )?licen[cs]e\b|\blicen[cs]e (?:is )?(?:needed|required)\b|"
    r"\bis it (?:legal|allowed|ok|okay|permitted|possible)\b")
TIMELINE_CUE = _re(
    r"\bwhat(?:'s|’s| has| have)?\s+changed\b|\bwhat changes\b|\btimeline\b|\bhistory\b|"
    r"\bsince when\b|\bhow long ha(?:s|ve)\b|"
    r"\bwhen\s+(?:was|were|did|has|have|had)\b.{0,80}?\b(?:add|remov|lift|impos|list|delist|"
    r"design|plac|put|drop|embargo|leav|left|join|enter|chang|becom|start|end|return)\w*")
FACT_TOPICS: tuple[tuple[str, re.Pattern], ...] = (
    ("chart", _re(r"\b(?:country\s+)?chart\b|\bcolumns?\b|\bhave an x\b|\ban x in\b")),
    ("groups", _re(r"\bcountry groups?\b|\b[A-E]:[1-6]\b|\bgroups?\s+[A-E]\b")),
    ("lists", _re(r"\b(?:which|what)\s+(?:\w+\s+){0,2}lists?\b|\bentity list\b|\bSDN\b|"
                  r"\bdenied persons?\b|\bunverified list\b|\bMEU list\b|\bconsolidated screening\b|"
                  r"\bon\s+(?:the|a|any)\s+(?:[\w-]+\s+){0,3}(?:lists?|sanctions)\b")),
    ("embargo", _re(r"\bembargo(?:ed|es)?\b|\bproscribed\b|\b126\.1\b|\bpolicy of denial\b")),
    ("end_use", _re(r"\b744\.2[12]\b|\bmilitary(?:-intelligence| intelligence)? end[- ]us(?:e|er)s?"
                    r"\s+(?:rule|restriction|control)s?\b")),
    ("eccn", _re(r"\bwhat\s+(?:does|do|is|are)\b.{0,40}\b(?:control|cover|mean|include)\w*|"
                 r"\bwhat\s+is\s+(?:an?\s+)?(?:ECCN\s+)?\d[A-E]\d{3}|\breasons? for control\b|"
                 r"\bcontrolled for\b|\blicen[cs]e requirements? (?:of|for)\b|\bheading\b|"
                 r"\bwhat is (?:USML )?Category [IVX]+")),
)
# Anything about exports, regulation or trade: such a question is never "off topic".
EXPORT_WORLD = _re(
    r"\b(?:licen[cs]\w*|export\w*|re-?export\w*|import\w*|ITAR|EAR|EAR99|USML|CCL|ECCN|BIS|DDTC|"
    r"OFAC|CFR|FR|embargo\w*|sanction\w*|entity|end[- ]us\w*|country groups?|arms|defen[cs]e|"
    r"military|dual[- ]use|control\w*|regulat\w*|rules?|tariffs?|dut(?:y|ies)|customs|shipment\w*|"
    r"EEI|AES\w*|screen\w*|denied|SDN|compliance|proscribed|sell|ship|send|supply|deliver\w*|"
    r"classif\w*|commerce|state department|treasury|126\.1|744\.\d+|746\.\d+)\b|[A-E]:[1-6]|§")
FOLLOW_UP = _re(r"^\s*(?:and|but|or|what if|what about|how about|same|also|then|in|back|now)\b")


def _facts_named(facts: Facts) -> bool:
    # a party's name alone ("What did DLA Piper say?") is not an end use: only a known kind is
    known_user = facts.end_user and facts.end_user_kind != "unknown"
    return bool(facts.item or facts.classification or facts.end_use or known_user)


def _asks_determination(text: str, facts: Facts) -> bool:
    return bool(EXPORT_CUE.search(text)) and bool(facts.destination or facts.unknown_country
                                                  or _facts_named(facts))


def fact_topic(text: str) -> str | None:
    """The first fact topic whose cue occurs in `text`."""
    return next((name for name, pattern in FACT_TOPICS if pattern.search(text)), None)


def _names_publisher(text: str, publishers: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(name)}\b", lowered) for name in publishers)


def _english_route(text: str, facts: Facts, follow_up: bool, publishers: tuple[str, ...]) -> Route:
    if DETERMINATION_CUE.search(text) and _asks_determination(text, facts):
        return Route(Kind.DETERMINATION, why="asks whether an export may go ahead")
    if (DOCUMENT_NOUN.search(text) or _names_publisher(text, publishers)) and \
            DOCUMENT_VERB.search(text):
        return Route(Kind.DOCUMENT, why="a document and what it says or when")
    if TIMELINE_CUE.search(text):
        return Route(Kind.TIMELINE, why="what changed, or when")
    if _asks_determination(text, facts):
        return Route(Kind.DETERMINATION, why="an export and what it concerns")
    if topic := fact_topic(text):
        return Route(Kind.FACT, topic=topic, why=f"a fact about the rules ({topic})")
    if _facts_named(facts) or (follow_up and (facts.date_phrase or facts.destination
                                              or facts.end_user or facts.parties)):
        return Route(Kind.DETERMINATION, why="an item or end use, or a follow-up")
    if not EXPORT_WORLD.search(text) and not facts.out_of_scope:
        return Route(Kind.OFF_TOPIC, why="nothing about exports or regulation")
    return Route(Kind.DETERMINATION, why="default")


def classify(text: str, facts: Facts, *, context: Facts | None = None,
             publishers: tuple[str, ...] = ()) -> Route:
    """The kind of `text`; `facts` are what the question itself states (no earlier turns),
    `context` the previous turn's facts in a conversation (a follow-up stays a determination),
    `publishers` the lower-case names of the indexed documents' publishers ("dla piper")."""
    language = detect(text)
    if not language.english:
        if facts.destination and (facts.item or facts.classification):
            return Route(Kind.DETERMINATION, why=f"{language.name}, destination and item recognised",
                         language=language)
        return Route(Kind.NOT_ENGLISH, why=language.name, language=language)
    # in a conversation, naming the buyer ("the buyer is X") adds a fact to the determination
    follow_up = context is not None and bool(FOLLOW_UP.search(text) or facts.date_phrase
                                             or _facts_named(facts) or facts.end_user
                                             or facts.parties)
    return _english_route(text, facts, follow_up, publishers)
