"""Screening in every verdict (issue 10 point 3): the parties layer over the real list.

Every name a question gives is screened against the Consolidated Screening List the package
ships (2026-07-31); what a hit means comes from the list, and the verdict names the list date
it screened. Entries are taken from ../shared/screening/csl.jsonl itself, so a quote in a
reason is compared with the agency's own words.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from bot.records import Facts, Status
from bot.rules import evaluate, extract_facts, load_rulebook
from regbot_paths import REPO, SHARED

TODAY = date(2026, 12, 1)
LIST_DATE = "2026-07-31"
CSL = SHARED / "screening" / "csl.jsonl"


@pytest.fixture(scope="module")
def rows() -> dict[str, dict]:
    """The list's rows by name (the first row of a name)."""
    out: dict[str, dict] = {}
    for line in CSL.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        out.setdefault(row["name"], row)
    return out


def ask(question: str):
    facts = extract_facts(question, TODAY)
    return facts, evaluate(facts, load_rulebook())


def check(destination: str, classification: str, *parties: str, end_use: str | None = "civil",
          as_of: date = TODAY):
    return evaluate(Facts(as_of=as_of, destination=destination, classification=classification,
                          end_use=end_use, parties=parties), load_rulebook())


def test_done_when_baai_needs_a_licence_with_its_entry_quoted(rows):
    facts, verdict = ask("Can we sell EAR99 servers to the Beijing Academy of Artificial "
                         "Intelligence?")
    entry = rows["Beijing Academy of Artificial Intelligence"]
    assert facts.parties == ("Beijing Academy of Artificial Intelligence",)
    assert verdict.status == Status.LICENSE_REQUIRED
    said = " ".join(verdict.reasons)
    # the entry's own columns, verbatim, and the regulation they rest on
    assert f"License Requirement: “{entry['license_requirement']}”" in said
    assert f"License Policy: “{entry['license_policy']}”" in said
    assert entry["federal_register_notice"] in said and "15 CFR 744.11(a)" in said
    assert f"Consolidated Screening List of {LIST_DATE}" in said
    screening = verdict.screening
    assert screening.list_date == LIST_DATE and screening.parties == facts.parties
    (hit,) = screening.flagged
    assert (hit.list_code, hit.band, hit.status) == ("EL", "exact", Status.LICENSE_REQUIRED)
    assert hit.license_requirement == entry["license_requirement"]
    # traced like every other value: the list and the entry
    keys = {t.rule_id for t in verdict.trace}
    assert "csl.list" in keys and "csl:EL:Beijing Academy of Artificial Intelligence" in keys
    assert {"csl.list", "csl:EL:Beijing Academy of Artificial Intelligence"} <= set(
        verdict.rule_ids)
    listed = next(t for t in verdict.trace if t.rule_id == "csl.list")
    assert LIST_DATE in listed.citation and listed.value["list_date"] == LIST_DATE


@pytest.mark.parametrize("name, destination, classification, list_code, status", [
    ("Beijing Academy of Artificial Intelligence", "CN", "EAR99", "EL", "license_required"),
    ("Huawei Technologies Co., Ltd.", "CN", "7A994", "EL", "license_required"),
    ("Harbin Institute of Technology", "CN", "EAR99", "EL", "license_required"),
    ("Try Pheap Group", "KH", "EAR99", "SDN", "prohibited"),
    ("SHUTTLE LONG CO, LTD.", "CN", "EAR99", "DPL", "prohibited"),
    ("Dmitry N. Chernyshenko", "RU", "EAR99", "DPL", "prohibited"),
    ("Academy of Aerospace Solid Propulsion Technology", "CN", "9A991", "MEU",
     "license_required"),
    ("Avant Science Co., Ltd.", "CN", "EAR99", "UVL", "depends"),
])
def test_a_listed_party_decides_as_its_list_says(name, destination, classification, list_code,
                                                  status):
    verdict = check(destination, classification, name)
    assert verdict.status == status, verdict.reasons
    assert any(h.list_code == list_code and h.band != "near" for h in verdict.screening.hits)
    assert f"Consolidated Screening List of {LIST_DATE}" in " ".join(verdict.reasons)


def test_the_unverified_list_asks_for_a_uvl_statement_and_allows_no_exception():
    verdict = check("CN", "EAR99", "Avant Science Co., Ltd.")
    said = " ".join(verdict.reasons)
    assert verdict.status == Status.DEPENDS and "UVL statement" in said
    assert "15 CFR 744.15(b)" in said and "No licence exception" in said


def test_an_meu_entry_reaches_only_supplement_2_items():
    name = "Academy of Aerospace Solid Propulsion Technology"
    assert check("CN", "9A991", name).status == Status.LICENSE_REQUIRED  # in Supp. No. 2
    clear = check("CN", "EAR99", name)  # EAR99 is never in Supp. No. 2
    assert clear.status == Status.NO_LICENSE_REQUIRED
    assert "Supplement No. 2 to part 744" in " ".join(clear.reasons)
    (hit,) = clear.screening.flagged
    assert hit.list_code == "MEU" and hit.status == Status.NO_LICENSE_REQUIRED


@pytest.mark.parametrize("name, entry", [
    ("Try Pheap Grup Holdings", "TRY PHEAP GROUP CO., LTD."),  # an SDN entry, misspelt + more
    ("Shuttle Long Trading", "SHUTTLE LONG CO, LTD."),  # a DPL entry's name inside another
    ("Beijing Academy of Artificial Intelligence Research", "Beijing Academy of Artificial "
                                                            "Intelligence"),
])
def test_a_near_match_is_depends_confirm_the_buyer_is_not_the_entry(name, entry):
    verdict = check("CN", "EAR99", name)
    assert verdict.status == Status.DEPENDS, verdict.reasons  # not prohibited, never clear
    assert verdict.screening.near and not verdict.screening.flagged
    said = " ".join(verdict.reasons)
    assert "confirm the buyer is not " in said
    assert f"“{entry}”" in said.split("confirm the buyer is not ")[1].split(" before relying")[0]
    assert verdict.missing_facts == ("party",) and len(verdict.clarifying_questions) == 1


@pytest.mark.parametrize("name", ["Mekong Star Logistics", "Sunrise Bakery Supplies",
                                  "Acme Trading Co", "Phnom Penh Precision Machining",
                                  "Golden Harvest Grain Merchants"])
def test_unlisted_business_names_do_not_change_the_verdict(name):
    alone = check("KH", "EAR99", end_use="civil")
    named = check("KH", "EAR99", name)
    assert named.screening.hits == () and named.status == alone.status
    assert named.status == Status.NO_LICENSE_REQUIRED
    # a "no licence required" names the list date it screened
    assert f"against the Consolidated Screening List of {LIST_DATE}: no listed party" in \
        " ".join(named.reasons)


def test_with_no_party_named_the_status_follows_item_and_destination_and_asks_who():
    verdict = check("KH", "EAR99")
    assert verdict.status == Status.NO_LICENSE_REQUIRED
    assert verdict.screening.parties == () and not verdict.screening.screened
    assert any("not been screened" in q for q in verdict.clarifying_questions)
    assert not any(t.rule_id.startswith("csl") for t in verdict.trace)


def test_a_listed_party_decides_even_without_a_destination():
    facts, verdict = ask("Is Try Pheap Group OK as a buyer?")
    assert facts.destination is None and verdict.status == Status.PROHIBITED
    assert "destination" in verdict.missing_facts
    facts, verdict = ask("Can we sell avionics to Atlantis?")  # a place, or a vessel's alias
    assert facts.unknown_country == "Atlantis" and verdict.status == Status.CANNOT_DETERMINE


def test_an_earlier_date_says_the_list_is_todays():
    verdict = check("CN", "EAR99", "Beijing Academy of Artificial Intelligence",
                    as_of=date(2023, 3, 1))
    assert verdict.status == Status.LICENSE_REQUIRED
    assert "may have been added after 2023-03-01" in " ".join(verdict.reasons)


def test_a_usml_item_to_a_listed_party_is_decided_by_the_itar():
    verdict = check("KH", "USML XI", "Try Pheap Group", end_use=None)
    assert verdict.status == Status.PROHIBITED  # OFAC blocking reaches every item


def test_the_engine_reads_the_list_it_is_given(rows):
    """A pure function of facts + data: another list (a newer download without the entry)
    gives another verdict, naming that list's date."""
    from bot.screening import Matcher
    from bot.screening.formats import _from_jsonl_row
    from bot.screening.records import ListInfo

    kept = [r for name, r in rows.items() if name != "Beijing Academy of Artificial Intelligence"]
    parties = tuple(p for p in (_from_jsonl_row(r) for r in kept[:500]) if p is not None)
    newer = ListInfo(list_date="2026-09-01", source="test list", sha256="0" * 64,
                     entries=len(parties), counts={}, origin="update")

    class Newer:
        matcher = Matcher(parties, newer)

        def info(self):
            return newer

        def screen(self, name, country):
            return self.matcher.screen(name, country)

    facts = Facts(as_of=TODAY, destination="CN", classification="EAR99", end_use="civil",
                  parties=("Beijing Academy of Artificial Intelligence",))
    verdict = evaluate(facts, load_rulebook(), Newer())
    assert verdict.status == Status.NO_LICENSE_REQUIRED
    assert verdict.screening.list_date == "2026-09-01"
    assert "Consolidated Screening List of 2026-09-01" in " ".join(verdict.reasons)
    assert evaluate(facts, load_rulebook()).status == Status.LICENSE_REQUIRED  # the shipped list


def test_a_list_that_cannot_be_read_fails_closed(regbot_home):
    """A damaged update stops screening: the verdict cannot be given, never "no licence"."""
    pointer = regbot_home / "screening" / "current.json"
    pointer.parent.mkdir(parents=True)
    pointer.write_text('{"dir": "lists/missing"}', encoding="utf-8")
    verdict = check("KH", "EAR99", "Acme Trading Co")
    assert verdict.status == Status.CANNOT_DETERMINE
    assert "could not be screened" in " ".join(verdict.reasons)
    assert verdict.screening.problem


def test_no_party_named_never_builds_the_matcher():
    """`regbot check` stays fast: without a party the screening matcher is never imported."""
    code = ("import sys; from datetime import date; from bot.rules import evaluate, "
            "extract_facts, load_rulebook; f = extract_facts('Can we sell 7A994 avionics to a "
            "Cambodian airline?', date(2026, 12, 1)); evaluate(f, load_rulebook()); "
            "print(sorted(m for m in ('bot.screening.matcher', 'rapidfuzz', 'numpy') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_an_entry_names_its_countries_so_a_short_alias_can_be_told_apart():
    """"MoD" matches the alias "MOD" of Burma's Ministry of Defence: a Cambodian buyer's reason
    says whose entry it is (the country is a booster, never a filter, so the hit stays)."""
    verdict = check("KH", "7A994", "MoD", end_use=None)
    said = " ".join(verdict.reasons)
    assert "“Ministry of Defence” of Burma (" in said, said
