"""The country table behind fact extraction and `regbot check --destination`."""
from __future__ import annotations

import pytest

from bot.rules.countries import country_table, find_countries, resolve_country

OBSERVERS_AND_TERRITORIES = {"VA", "PS", "TW", "HK", "MO", "XK", "EH",
                             # Country Chart rows that are not UN members
                             "AW", "CW", "SX",
                             # territories with no chart row ("not in the chart")
                             "GL", "BM", "KY", "GI", "VG", "FO", "NC", "PF"}


def test_table_has_every_un_member_and_no_ambiguous_alias():
    table = country_table()
    assert all(len(code) == 2 and code.isupper() for code in table)
    assert len(set(table) - OBSERVERS_AND_TERRITORIES) == 193
    aliases = [a.lower() for names in table.values() for a in names]
    assert len(aliases) == len(set(aliases))


@pytest.mark.parametrize("text,code", [
    ("kh", "KH"), ("KH", "KH"), ("Cambodia", "KH"), ("Kingdom of Cambodia", "KH"),
    ("Cambodian", "KH"), ("Phnom Penh", "KH"), ("cambodai", "KH"), ("Myanmar", "MM"),
    ("Burma", "MM"), ("DPRK", "KP"), ("Ivory Coast", "CI"), ("Türkiye", "TR"), ("gb", "GB"),
])
def test_resolve_country(text, code):
    assert resolve_country(text).code == code


@pytest.mark.parametrize("text", ["Wakanda", "grenade", "Narnia", "", "ZZ"])
def test_resolve_country_rejects_non_countries(text):
    assert resolve_country(text) is None


def test_longest_name_wins_and_us_pronoun_is_not_a_country():
    codes = [m.code for m in find_countries("Tell us: Papua New Guinea or Guinea-Bissau, "
                                            "and the Democratic Republic of the Congo?")]
    assert codes == ["PG", "GW", "CD"]
