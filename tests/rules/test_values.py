"""Issue 11, Done when: food and medicine to Syria, EAR99 food to North Korea, demining by an
army unit in Cambodia in 2024 get the statuses the text gives, citing primary text verbatim;
and the corrected values (dates, 600 series .y, § 744.21 groups) decide as the text says."""
from __future__ import annotations

from datetime import date

import pytest

from bot.records import Facts
from bot.rules import evaluate, extract_facts, load_rulebook
from bot.rules.audit import is_primary, raw_text, source_path
from regbot_paths import SHARED


def _verdict(**facts):
    return evaluate(Facts(**facts), load_rulebook())


def _cited_verbatim(verdict, rule_id: str) -> str:
    """The rule's trace entry quotes primary text found verbatim in its file; returns the quote."""
    entry = next(t for t in verdict.trace if t.rule_id == rule_id)
    assert entry.verified and entry.source and entry.quote, entry
    assert is_primary(entry.source, SHARED), entry.source
    assert entry.quote in raw_text(source_path(entry.source, SHARED)), entry.source
    return entry.quote


@pytest.mark.parametrize("item, day", [("food", date(2024, 5, 1)), ("medicine", date(2024, 5, 1)),
                                       ("food", date(2026, 3, 1)), ("medicines", date(2010, 1, 1))])
def test_food_and_medicine_to_syria_need_no_licence(item, day):
    verdict = _verdict(as_of=day, destination="SY", item=item)
    assert verdict.status == "no_license_required", verdict.reasons
    assert "ear.746.food_medicine.SY" in verdict.rule_ids
    quote = _cited_verbatim(verdict, "ear.746.food_medicine.SY")
    assert "except food and medicine classified as EAR99" in quote


def test_medical_devices_and_other_ear99_items_to_syria_are_not_excepted():
    assert _verdict(as_of=date(2024, 5, 1), destination="SY", item="bandages").status == "prohibited"
    assert _verdict(as_of=date(2024, 5, 1), destination="SY",
                    classification="EAR99").status == "prohibited"
    assert _verdict(as_of=date(2026, 3, 1), destination="SY", classification="EAR99",
                    end_use="civil").status == "license_required"
    before = _verdict(as_of=date(2004, 5, 13), destination="SY", item="food")
    assert before.status == "cannot_determine"  # the controls date from 2004-05-14


def test_ear99_food_to_north_korea_needs_no_licence_and_other_items_are_case_by_case():
    food = _verdict(as_of=date(2026, 11, 27), destination="KP", item="food",
                    classification="EAR99")
    assert food.status == "no_license_required", food.reasons
    assert "except food and medicines classified as EAR99" in _cited_verbatim(
        food, "ear.746.food_medicine.KP")
    avionics = _verdict(as_of=date(2026, 11, 27), destination="KP", classification="7A994",
                        end_use="civil")
    assert avionics.status == "license_required"  # § 746.4(b): case by case, not denied as a rule
    assert "case-by-case review" in _cited_verbatim(avionics, "ear.embargo.KP")
    parts = _verdict(as_of=date(2026, 11, 27), destination="KP", classification="9A991")
    assert parts.status == "prohibited"  # § 742.19(b)(1)(vi): aircraft parts
    assert "All aircraft" in _cited_verbatim(parts, "ear.746.denied_eccns.KP")


def test_demining_by_an_army_unit_in_cambodia_in_2024_is_case_by_case():
    """§ 126.1(o) excepted 'humanitarian mine action activities': the activity decides, not
    who carries it out."""
    verdict = _verdict(as_of=date(2024, 6, 1), destination="KH", classification="USML VIII(h)",
                       end_use="humanitarian-demining", end_user="army")
    assert verdict.status == "license_required", verdict.reasons
    assert "humanitarian mine action activities" in _cited_verbatim(verdict, "itar.126_1.KH")
    facts = extract_facts("Can we export USML Category VIII(h) parts to an army unit in Cambodia "
                          "for humanitarian demining?", date(2024, 6, 1),
                          rulebook=load_rulebook())
    assert facts.end_use == "humanitarian-demining" and facts.destination == "KH"
    assert evaluate(facts, load_rulebook()).status == "license_required"
    army = _verdict(as_of=date(2024, 6, 1), destination="KH", classification="USML VIII(h)",
                    end_use="military", end_user="army")
    assert army.status == "prohibited"  # no demining stated: the policy of denial


def test_russia_and_belarus_dates():
    ru = dict(destination="RU", classification="EAR99", end_use="military")
    assert _verdict(as_of=date(2022, 2, 24), **ru).status == "prohibited"  # (a)(2) any item
    assert _verdict(as_of=date(2021, 6, 1), destination="RU", classification="7A994",
                    end_use="military").status == "license_required"  # a Supp. No. 2 country
    by = dict(destination="BY", classification="EAR99", end_use="military")
    assert _verdict(as_of=date(2022, 3, 2), **by).status == "prohibited"
    assert _verdict(as_of=date(2022, 3, 1), **by).status != "prohibited"
    cll = dict(destination="BY", classification="7A994", end_use="civil")
    assert "ear.746_8.BY" in _verdict(as_of=date(2022, 3, 2), **cll).rule_ids
    assert "ear.746_8.BY" not in _verdict(as_of=date(2022, 3, 1), **cll).rule_ids
    rb = load_rulebook()
    assert rb.rule("ear.744_22.countries").value_on(date(2022, 3, 1)).value.count("BY") == 0
    assert "BY" in rb.rule("ear.744_22.countries").value_on(date(2022, 3, 2)).value
    assert {"3A991", "4A994", "5A992", "2B999", "7A994", "9A991"} <= set(
        rb.rule("ear.744_21.supp2").values[0].value)


def test_600_series_from_2013_and_y_items_licensed_differently():
    assert _verdict(as_of=date(2013, 10, 14), destination="KH",
                    classification="9A610.a").status == "cannot_determine"
    assert _verdict(as_of=date(2013, 10, 15), destination="KH",
                    classification="9A610.a", end_use="civil").status == "license_required"
    # before the shipped tables' date (2026-07-23) the rulebook's § 742.6(a)(7) value decides;
    # from it the tables layer reads every row of the entry
    china = _verdict(as_of=date(2025, 6, 1), destination="CN", classification="9A610.y",
                     end_use="civil")
    assert china.status == "license_required"
    assert "China, Russia, or Venezuela" in _cited_verbatim(china, "ear.742_6.y_countries")
    cambodia = _verdict(as_of=date(2025, 6, 1), destination="KH", classification="9A610.y",
                        end_use="civil")
    assert cambodia.status == "cannot_determine"  # not the 600-series licence, never "none"


@pytest.mark.parametrize("words, classes", [
    ("ammunition", {"USML III", "0A505"}), ("riflescopes", {"0A504", "USML XII"}),
    ("jet engines", {"USML XIX", "9A619", "9A001", "9A101", "9A991"}),
    ("fighter aircraft", {"USML VIII", "9A610.a"}), ("attack helicopters", {"USML VIII", "9A610.a"}),
])
def test_catalogue_items(words, classes):
    entry = load_rulebook().item(words)
    assert entry is not None and {c.classification for c in entry.candidates} == classes
