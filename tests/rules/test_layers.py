"""The rules core as layers: each layer alone, the combiner's ranking, the reader, the schema."""
from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from bot.records import Facts, Status
from bot.rules import combine, load_rulebook, schema
from bot.rules.context import Context
from bot.rules.engine import evaluate
from bot.rules.layers import LAYERS, chart, itar, military_end_use, series_600
from bot.rules.reader import NotInForce, Reader
from bot.rules.types import Finding, Layer

RULES_DIR = Path(__file__).resolve().parents[2] / "bot" / "rules"


def ctx(dest="KH", cls=None, end_use=None, day=date(2023, 3, 1), name=None) -> Context:
    return Context(Reader(load_rulebook(), day), dest, name or dest, cls, end_use)


def test_status_is_ordered_by_severity_and_labelled_once():
    assert [s.value for s in sorted(Status, key=lambda s: s.rank, reverse=True)] == [
        "prohibited", "license_required", "cannot_determine", "depends", "no_license_required"]
    worst = Status.worst(["no_license_required", "license_required", "depends"])
    assert worst == "license_required"
    assert Status.LICENSE_REQUIRED.label == "Licence required"
    assert Status.DEPENDS.label == "It depends" and Status.DEPENDS.short_label == "Depends"
    assert f"{Status.PROHIBITED}" == "prohibited" and Status("depends") is Status.DEPENDS


def test_a_layer_is_testable_alone():
    """The ITAR layer on its own: Cambodia was on the § 126.1 list in 2023."""
    found = list(itar.check(ctx(cls="USML XI")))
    assert [f.status for f in found] == [Status.PROHIBITED]
    assert found[0].rule_ids == ("itar.126_1.KH",) and found[0].citations == ("22 CFR 126.1(o)",)
    later = list(itar.check(ctx(cls="USML XI", day=date(2026, 2, 4))))
    assert [f.rule_ids for f in later] == [("itar.126_1.KH",), ("itar.licence_requirement",)]
    assert all(f.status == Status.LICENSE_REQUIRED for f in later)


def test_layers_apply_only_to_what_their_provision_reaches():
    usml, ear = ctx(cls="USML XI"), ctx(cls="7A994", end_use="civil")
    assert [layer.name for layer in LAYERS if layer.applies(usml)] == ["itar"]
    assert [layer.name for layer in LAYERS if layer.applies(ear)] == [
        "russia_belarus", "chart"]  # the embargo layer: only where part 746 has an embargo
    assert "embargo" in [layer.name for layer in LAYERS
                         if layer.applies(ctx("KP", cls="7A994", end_use="civil"))]
    assert "military_end_use" in [layer.name for layer in LAYERS
                                  if layer.applies(ctx(cls="7A994", end_use="military"))]
    assert not chart.applies(ctx("SY", cls="7A994", end_use="civil"))  # part 746 destination


def test_a_clear_item_layer_and_an_objecting_end_use_layer():
    military = ctx(cls="7A994", end_use="military")
    consulted = combine.consult(military)
    by_layer = {layer.name: found for layer, found in consulted}
    assert [f.status for f in by_layer["chart"]] == [Status.NO_LICENSE_REQUIRED]
    assert [f.status for f in by_layer["military_end_use"]] == [Status.LICENSE_REQUIRED]
    outcome = combine.outcome(military, consulted)
    assert outcome.status == Status.LICENSE_REQUIRED
    assert "ear.at_only.eccns" not in outcome.rule_ids  # it rests on what requires the licence


def _layer(name, status, must_speak=False, reason="x") -> Layer:
    return Layer(name, lambda c: True,
                 lambda c: [Finding(name, Status(status), (), reason)] if status else [],
                 must_speak=must_speak)


def test_combine_ranks_and_fails_closed():
    c = ctx(cls="7A994", end_use="civil")
    run = lambda *layers: combine.outcome(c, combine.consult(c, layers)).status  # noqa: E731
    assert run(_layer("a", "no_license_required", True), _layer("b", "license_required")) \
        == "license_required"
    assert run(_layer("a", "license_required"), _layer("b", "cannot_determine")) \
        == "license_required"
    assert run(_layer("a", "no_license_required", True)) == "no_license_required"
    # a clear finding from a layer that does not decide the item is not a go-ahead
    assert run(_layer("a", "no_license_required")) == "cannot_determine"
    # a layer that must speak and says nothing: fail closed, never "no licence required"
    assert run(_layer("a", "no_license_required", True), _layer("b", None, True)) \
        == "cannot_determine"
    assert run() == "cannot_determine"


def test_a_prohibition_ends_the_consultation():
    calls = []
    late = Layer("late", lambda c: True, lambda c: calls.append(1) or [])
    c = ctx(cls="7A994", end_use="civil")
    consulted = combine.consult(c, [_layer("a", "prohibited"), late])
    assert [layer.name for layer, _ in consulted] == ["a"] and not calls


def test_adding_a_layer_is_one_registration():
    """A new provision (a stand-in party screen) changes verdicts through the same combiner."""
    listed = Layer("parties", lambda c: True, lambda c: [Finding(
        "parties", Status.PROHIBITED, (), "The buyer is on a denied-parties list.")])
    c = ctx(cls="EAR99", end_use="civil", day=date(2026, 11, 27))
    assert combine.outcome(c, combine.consult(c)).status == "no_license_required"
    out = combine.outcome(c, combine.consult(c, (*LAYERS, listed)))
    assert out.status == "prohibited" and out.reasons == ("The buyer is on a denied-parties list.",)


def test_a_value_not_in_force_fails_the_layer_closed():
    c = ctx(cls="9A610.x", end_use="civil", day=date(1999, 6, 1))
    with pytest.raises(NotInForce):
        list(series_600.check(c))
    (layer, found), = [(l, f) for l, f in combine.consult(c) if l.name == "series_600"]
    assert found[0].status == Status.CANNOT_DETERMINE and "1999-06-01" in found[0].reason


def test_an_unknown_end_use_is_never_cleared():
    c = ctx(cls="7A994", end_use=None)
    assert military_end_use.applies(c)
    out = combine.outcome(c, combine.consult(c))
    assert out.status == "cannot_determine" and out.missing == ("end_use",)


def test_reader_traces_reads_and_says_where_answers_change():
    reader = Reader(load_rulebook(), date(2023, 3, 1))
    assert reader.value(schema.ITAR_126_1.of("KH")).value == "listed"
    assert reader.value(schema.ITAR_126_1.of("FR")) is None
    assert [t.rule_id for t in reader.trace()] == ["itar.126_1.KH"]
    assert reader.change_dates(date(2021, 1, 1), date(2026, 12, 31)) == (
        date(2021, 12, 9), date(2025, 11, 7))
    assert reader.membership(schema.MEU_GROUP2.id, "RU") is True
    before = Reader(load_rulebook(), date(2021, 6, 1))  # (a)(2) held nobody before 2022-02-24
    assert before.membership(schema.MEU_GROUP2.id, "RU") is False
    assert before.membership(schema.MEU_GROUP1.id, "RU") is True  # a Supp. No. 2 country then
    early = Reader(load_rulebook(), date(2019, 6, 1))
    assert early.membership(schema.MEU_GROUP2.id, "RU") is None  # listed later: cannot say
    assert early.membership(schema.MEU_GROUP2.id, "FR") is False


def test_every_rule_the_engine_reads_is_in_the_schema_and_the_rulebook():
    rulebook = load_rulebook()
    for rule_id in rulebook.rules:
        assert schema.parse(rule_id) is not None, f"{rule_id} is not in bot/rules/schema.py"
    for name in schema.NAMES:
        if not name.per_destination:
            assert rulebook.rule(name.id) is not None, name.id
    assert set(rulebook.countries()) == {"BY", "CN", "CU", "IR", "KH", "KP", "MM", "NI", "RU",
                                         "SY", "VE"}


def test_rule_ids_are_written_only_in_the_schema():
    """No module but schema.py spells a rule id or reads an undated last value."""
    for path in RULES_DIR.rglob("*.py"):
        if path.name == "schema.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not node.value.startswith(("itar.", "ear.")), (path, node.value)
            if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.UnaryOp) \
                    and ast.unparse(node).endswith("values[-1]"):
                pytest.fail(f"{path}: undated {ast.unparse(node)}")


def test_the_engine_asks_its_questions_from_data():
    from bot.rules.questions import QUESTIONS

    verdict = evaluate(Facts(as_of=date(2026, 11, 27), destination="KH", classification="7A994"),
                       load_rulebook())
    assert verdict.clarifying_questions == (QUESTIONS["end_use"], QUESTIONS["parties"])
    nowhere = evaluate(Facts(as_of=date(2026, 11, 27)), load_rulebook())
    assert nowhere.clarifying_questions == (QUESTIONS["destination"],)
