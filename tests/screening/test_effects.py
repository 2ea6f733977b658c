"""What a hit means (for the verdict step): one effect per list, each reference a verbatim
quote of a primary text under ../shared, checked here independently of effects.py."""
from __future__ import annotations

import json

import pytest
import yaml

from bot.screening import effect_of, list_effects, screen
from bot.screening.effects import EFFECTS_FILE, check_quotes, list_code
from regbot_paths import SHARED


def _source_texts(source: str) -> list[str]:
    path_part, _, section = source.partition("#")
    raw = (SHARED / path_part).read_bytes().decode("utf-8")
    if not section:
        return [raw]
    return [r["text"] for r in json.loads(raw)["rows"] if r["section_id"] == section]


def test_every_quote_is_verbatim_in_its_source():
    table = yaml.safe_load(EFFECTS_FILE.read_text())["lists"]
    checked = 0
    for code, row in table.items():
        for ref in row["references"]:
            texts = _source_texts(ref["source"])
            assert texts, f"{code}: {ref['source']} has no such section"
            assert any(ref["quote"] in t for t in texts), f"{code} {ref['citation']}"
            checked += 1
    assert checked >= 10
    assert check_quotes(SHARED) == []


def test_each_list_of_the_csl_has_an_effect(matcher):
    codes = {p.list_code for p in matcher.parties}
    assert codes == {"EL", "SDN", "DPL", "DTC", "SSI", "UVL", "ISN", "PLC", "MEU", "CMIC",
                     "NS-MBS", "CAP"}
    assert list_code("Some New List (XYZ) - Agency") == "OTHER"


@pytest.mark.parametrize("code, status", [
    ("EL", "license_required"), ("DPL", "prohibited"), ("SDN", "prohibited"),
    ("MEU", "license_required"), ("UVL", "depends"), ("DTC", "depends"), ("SSI", "depends"),
    ("ISN", "depends"), ("PLC", "depends"), ("CMIC", "depends"), ("NS-MBS", "depends"),
    ("CAP", "depends"), ("OTHER", "depends"),
])
def test_status_per_list(code, status):
    assert list_effects()[code].status == status


def test_entity_list_hit_quotes_the_entrys_own_columns():
    effect = effect_of(screen("Beijing Academy of Artificial Intelligence").hits[0])
    assert effect.status == "license_required" and effect.list_code == "EL"
    assert effect.license_policy == "Presumption of denial"
    assert effect.license_requirement.startswith("For all items subject to the EAR.")
    assert effect.no_license_exceptions
    assert any(r.citation == "15 CFR 744.11(a)" for r in effect.references)


def test_denied_persons_are_prohibited_under_general_prohibition_four(matcher):
    dpl = next(p for p in matcher.parties if p.list_code == "DPL" and len(p.name) > 12)
    hit = screen(dpl.name).hits[0]
    effect = effect_of(hit)
    assert effect.status == "prohibited"
    assert any("736.2(b)(4)" in r.citation for r in effect.references)


def test_meu_hit_is_licence_for_supplement_2_items(matcher):
    meu = next(p for p in matcher.parties if p.list_code == "MEU")
    effect = effect_of(next(h for h in screen(meu.name).hits if h.party == meu))
    assert effect.status == "license_required"
    assert "supp. no. 2" in effect.scope.lower()
    assert effect.license_requirement == meu.license_requirement


def test_uvl_is_depends_with_no_licence_exceptions(matcher):
    uvl = next(p for p in matcher.parties if p.list_code == "UVL" and len(p.name) > 12)
    effect = effect_of(next(h for h in screen(uvl.name).hits if h.party == uvl))
    assert effect.status == "depends" and effect.no_license_exceptions
    assert any("UVL statement" in r.quote for r in effect.references)


def test_sdn_is_prohibited_and_a_near_match_is_depends():
    result = screen("Try Pheap Group", country="KH")
    assert effect_of(result.hits[0]).status == "prohibited"
    near = [h for h in result.hits if h.band == "near"]
    assert near and all(effect_of(h).status == "depends" for h in near)
