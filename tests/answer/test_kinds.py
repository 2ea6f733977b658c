"""Routing questions by kind (bot.kinds) and reading their language (bot.language): no index."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.eval.gold import load_gold
from bot.kinds import Kind, classify
from bot.language import detect
from bot.rules import extract_facts, load_rulebook

TODAY = date(2026, 12, 1)
GOLD = Path(__file__).resolve().parents[1] / "gold"


def route(question: str, context=None, publishers=()):
    facts = extract_facts(question, TODAY, rulebook=load_rulebook())
    return classify(question, facts, context=context, publishers=publishers)


def corpus_publishers(corpus_dir: Path) -> tuple[str, ...]:
    """The publisher names the Answerer reads from the index, here from the corpus sidecars."""
    import json

    from bot.answers.catalogue import Doc
    from bot.answers.documents import _publisher_names
    from bot.records import DocMeta

    names = []
    for side in sorted(corpus_dir.glob("*.meta.json")):
        meta = json.loads(side.read_text(encoding="utf-8"))
        names += _publisher_names(Doc(side.name, str(side), DocMeta(title=meta.get("title") or "",
                                                                     publisher=meta.get("publisher"))))
    return tuple(dict.fromkeys(names))


def test_every_gold_question_is_routed_to_its_kind(corpus_dir):
    """Determination questions stay determinations (nothing is stolen from the engine), and
    every fact, timeline, document and off-topic question goes where the gold set says."""
    publishers = corpus_publishers(corpus_dir)
    assert "phnom penh post" in publishers and "dla piper" in publishers
    wrong = [(i.id, i.kind, kind) for i in load_gold([GOLD]).items
             if (kind := route(i.question, publishers=publishers).kind) != i.kind]
    assert not wrong


@pytest.mark.parametrize("question, kind, topic", [
    ("Can we sell avionics to Cambodia?", Kind.DETERMINATION, ""),
    ("Under the new BIS rule, can we sell avionics to Cambodia?", Kind.DETERMINATION, ""),
    ("Since the rule took effect, can we sell USML XI to Cambodia?", Kind.DETERMINATION, ""),
    ("What rules apply to exporting avionics to Cambodia?", Kind.DETERMINATION, ""),
    ("Is Cambodia still in Country Group D:1?", Kind.FACT, "groups"),
    ("Is Cambodia under a US arms embargo?", Kind.FACT, "embargo"),
    ("Which lists is Huawei on?", Kind.FACT, "lists"),
    ("What does ECCN 5A002 control?", Kind.FACT, "eccn"),
    ("Which column of the chart does Vietnam have an X in for NS?", Kind.FACT, "chart"),
    ("Is Cambodia subject to the military end-use rule?", Kind.FACT, "end_use"),
    ("What changed for Cambodia in 2025?", Kind.TIMELINE, ""),
    ("When was Cambodia removed from § 126.1?", Kind.TIMELINE, ""),
    ("What changed for Cambodia in November 2025?", Kind.TIMELINE, ""),
    ("When does the BIS rule take effect?", Kind.DOCUMENT, ""),
    ("What did the Phnom Penh Post report?", Kind.DOCUMENT, ""),
    ("What does FR Doc. 2026-02262 say?", Kind.DOCUMENT, ""),
    ("what's the weather in Phnom Penh?", Kind.OFF_TOPIC, ""),
    ("hello", Kind.OFF_TOPIC, ""),
])
def test_issue_examples(question, kind, topic):
    r = route(question)
    assert (r.kind, r.topic) == (kind, topic), r.why


def test_a_publisher_the_index_holds_makes_a_document_question():
    assert route("What did DLA Piper say about Cambodia?").kind == Kind.OFF_TOPIC
    assert route("What did DLA Piper say about Cambodia?", publishers=("dla piper",)).kind == Kind.DOCUMENT


def test_follow_ups_in_a_conversation_stay_determinations():
    context = extract_facts("Can we sell avionics to Cambodia?", TODAY)
    assert route("and back in 2023?", context=context).kind == Kind.DETERMINATION
    assert route("what if the buyer is the army?", context=context).kind == Kind.DETERMINATION
    assert route("what's the weather like?", context=context).kind == Kind.OFF_TOPIC
    # naming the buyer adds a fact to the conversation's determination; alone it asks nothing
    assert route("the buyer is Try Pheap Group", context=context).kind == Kind.DETERMINATION
    assert route("the buyer is Try Pheap Group").kind != Kind.DETERMINATION


@pytest.mark.parametrize("question, code", [
    ("¿Podemos vender aviónica a Camboya?", "es"), ("Pouvons-nous vendre de l'avionique au Cambodge ?", "fr"),
    ("Dürfen wir Avionik nach Kambodscha verkaufen?", "de"), ("我们可以向柬埔寨出售航空电子设备吗？", "zh"),
    ("តើយើងអាចលក់បរិក្ខារអាកាសចរណ៍ទៅកម្ពុជាបានទេ?", "km"), ("Mogen we avionica aan Cambodja verkopen?", "nl"),
])
def test_other_languages_are_recognised(question, code):
    """Told so in English, unless destination and item are recognisable (the Dutch one: the
    facts extraction reads "Cambodja" and "avionica" as Cambodia and avionics)."""
    assert detect(question).code == code
    r = route(question)
    assert r.language is not None and r.language.code == code
    assert r.kind == (Kind.DETERMINATION if code == "nl" else Kind.NOT_ENGLISH)


@pytest.mark.parametrize("question", [
    "Can we sell avionics to Cambodia?", "7A994 to KH?", "hello", "exit", "EAR99 Iran?",
    "KH -> 9A610.x rn", "can we ship drones to brazil", "What did the Phnom Penh Post report?",
])
def test_english_questions_short_or_coded_stay_english(question):
    assert detect(question).english


def test_a_foreign_question_naming_destination_and_item_is_answered():
    r = route("Necesitamos una licencia para 7A994 a Cambodia?")
    assert r.kind == Kind.DETERMINATION and r.language is not None and r.language.code == "es"
