"""End users (issue 10 point 4): who the buyer is decides before what it says the use is."""
from __future__ import annotations

import pytest
import yaml

from bot.rules.end_users import DATA, classify_end_user, stated_use
from regbot_paths import SHARED

M, MI, C, U = "military", "military-intelligence", "civil", "unknown"

CASES = [
    # the issue's own phrasings: a military end user outranks the civil use
    ("7A994 avionics to the PLA for civilian disaster relief", M, "PLA", "civil"),
    ("to the Cambodian border guard for civil search and rescue", M, "border guard", "civil"),
    # China
    ("People's Liberation Army Navy", M, "People's Liberation Army Navy", None),
    ("the People's Liberation Army Air Force for training flights", M,
     "People's Liberation Army Air Force", None),
    ("中国人民解放军", M, "人民解放军", None),
    ("People's Armed Police border units", M, "People's Armed Police", None),
    ("武警部队", M, "武警", None),
    ("National University of Defense Technology", M,
     "National University of Defense Technology", None),
    ("Ministry of State Security", M, "Ministry of State Security", None),
    ("the MSS", M, "MSS", None),
    ("Intelligence Bureau of the Joint Staff Department", MI,
     "Intelligence Bureau of the Joint Staff Department", None),
    # Cambodia
    ("Royal Cambodian Armed Forces", M, "Royal Cambodian Armed Forces", None),
    ("RCAF for flood relief", M, "RCAF", "civil"),
    ("the Royal Gendarmerie of Cambodia", M, "Gendarmerie", None),
    ("Gendarmerie Royale Khmère", M, "Gendarmerie Royale Khmère", None),
    ("Cambodian National Police", M, "National Police", None),
    ("កងយោធពលខេមរភូមិន្ទ", M, "កងយោធពលខេមរភូមិន្ទ", None),
    ("ក្រសួងការពារជាតិ", M, "ក្រសួងការពារជាតិ", None),
    ("Kong Yothapol Khemarak Phoumin", M, "Kong Yothapol Khemarak Phoumin", None),
    # Burma
    ("the Tatmadaw", M, "Tatmadaw", None),
    ("Sit-Tat logistics command", M, "Sit-Tat", None),
    ("တပ်မတော်", M, "တပ်မတော်", None),
    ("Myanmar Police Force", M, "Police Force", None),
    # Venezuela
    ("Fuerza Armada Nacional Bolivariana", M, "Fuerza Armada Nacional Bolivariana", None),
    ("the FANB", M, "FANB", None),
    ("Guardia Nacional Bolivariana", M, "Guardia Nacional Bolivariana", None),
    ("Ejército Bolivariano", M, "Ejército Bolivariano", None),
    ("Dirección General de Contrainteligencia Militar", MI,
     "Dirección General de Contrainteligencia Militar", None),
    ("DGCIM", MI, "DGCIM", None),
    ("Ministerio del Poder Popular para la Defensa", M,
     "Ministerio del Poder Popular para la Defensa", None),
    # Russia / Belarus
    ("Rosgvardia", M, "Rosgvardia", None),
    ("Росгвардия", M, "Росгвардия", None),
    ("the National Guard of Russia", M, "National Guard of Russia", None),
    ("FSB border service", M, "FSB", None),
    ("GRU", MI, "GRU", None),
    ("Main Intelligence Directorate of the General Staff", MI,
     "Main Intelligence Directorate of the General Staff", None),
    ("Министерство обороны Российской Федерации", M, "Министерство обороны", None),
    ("Ministerstvo oborony", M, "Ministerstvo oborony", None),
    ("Belarusian Ministry of Internal Affairs", M, None, None),
    # Iran
    ("IRGC", M, "IRGC", None),
    ("Islamic Revolutionary Guard Corps", M, "Islamic Revolutionary Guard Corps", None),
    ("the Basij", M, "Basij", None),
    ("Quds Force", M, "Quds Force", None),
    ("سپاه پاسداران", M, "سپاه", None),
    # Korea, Viet Nam, others
    ("Korean People's Army", M, "Korean People's Army", None),
    ("조선인민군", M, "조선인민군", None),
    ("Quân đội nhân dân Việt Nam", M, "Quân đội nhân dân", None),
    ("Bộ Quốc phòng", M, "Bộ Quốc phòng", None),
    ("Tentara Nasional Indonesia", M, "Tentara Nasional Indonesia", None),
    ("Royal Thai Army", M, "Royal Thai Army", None),
    ("กองทัพบก", M, "กองทัพ", None),
    ("Bundeswehr", M, "Bundeswehr", None),
    ("Police nationale", M, "Police nationale", None),
    ("Wagner Group", M, "Wagner Group", None),
    ("a local militia", M, "militia", None),
    ("paramilitary units in the north", M, "paramilitary units", None),
    ("the coast guard", M, "coast guard", None),
    ("Ministry of Defence", M, "Ministry of Defence", None),
    ("Ministry of Interior", M, "Ministry of Interior", None),
    ("the state intelligence service", M, "state intelligence service", None),
    ("a military academy", M, "military academy", None),
    ("naval research institute", M, "naval research institute", None),
    ("army intelligence unit", MI, "army intelligence unit", None),
    ("navy reconnaissance squadron", MI, "navy reconnaissance squadron", None),
    ("soldiers", M, "soldiers", None),
    # civil
    ("a commercial airline", C, "commercial airline", None),
    ("Cambodia Angkor Air, the national airline", C, "national airline", None),
    ("the Ministry of Health", C, "Ministry of Health", None),
    ("a children's hospital", C, "children's hospital", None),
    ("the Cambodian Mine Action Centre for humanitarian demining", C,
     "Cambodian Mine Action Centre", "humanitarian-demining"),
    ("The Salvation Army in Phnom Penh", U, None, None),
    # unknown organisations: never civil by their name alone
    ("Phnom Penh Technical University", U, "Phnom Penh Technical University", None),
    ("Harbin Institute of Technology", U, "Harbin Institute of Technology", None),
    ("Acme Trading Co., Ltd.", U, "Acme Trading Co.", None),
    ("a distributor in Singapore", U, "distributor", None),
    ("a state-owned enterprise", U, "state-owned enterprise", None),
    ("Can we sell servers?", U, None, None),
    # negations
    ("not for the army", U, None, None),
    ("not the military, but a hospital", C, "hospital", None),
    ("We are not selling to the police; our buyer is a clinic", C, "clinic", None),
    ("no military end user is involved", U, None, None),
    ("Is it not prohibited to sell to the army?", M, "army", None),
]


@pytest.mark.parametrize("text, kind, phrase, use", CASES, ids=[c[0][:40] for c in CASES])
def test_end_user_kind(text, kind, phrase, use):
    got = classify_end_user(text)
    assert got.kind == kind, (got.kind, got.phrase)
    if phrase is not None:
        assert got.phrase == phrase
    if got.span is not None:
        assert text[got.span[0]:got.span[1]] == got.phrase
    if use is not None:
        assert got.stated_use == use


def test_at_least_60_phrasings():
    assert len(CASES) >= 60
    assert sum(c[1] in (M, MI) for c in CASES) >= 50


def test_military_end_user_outranks_the_stated_civil_use():
    got = classify_end_user("7A994 avionics to the PLA for civilian disaster relief")
    assert got.stated_use == "civil" and got.stated_use_phrase == "civilian disaster relief"
    assert got.outranks_use and got.effective_end_use == "military"
    airline = classify_end_user("avionics for an airline, for civil use")
    assert airline.effective_end_use == "civil" and not airline.outranks_use


@pytest.mark.parametrize("text, use", [
    ("for civil search and rescue", "civil"),
    ("for military purposes", "military"),
    ("for humanitarian demining", "humanitarian-demining"),
    ("for intelligence gathering", "military-intelligence"),
    ("not for military use", None),
    ("servers", None),
])
def test_stated_use(text, use):
    assert stated_use(text)[0] == use


def test_basis_quotes_are_verbatim():
    basis = yaml.safe_load(DATA.read_text(encoding="utf-8"))["basis"]
    for kind, ref in basis.items():
        text = (SHARED / ref["source"]).read_bytes().decode("utf-8")
        assert ref["quote"] in text, kind
    got = classify_end_user("the Cambodian army")
    assert got.basis.citation == "15 CFR 744.21(g)"
    assert "national armed services (army, navy, marine, air force, or coast guard)" in \
        got.basis.quote
    assert classify_end_user("GRU").basis.citation == "15 CFR 744.22(f)(2)"
    assert classify_end_user("X University").basis.citation == "15 CFR 744.21(a)"


def test_to_dict_for_the_engine():
    d = classify_end_user("RCAF for flood relief").to_dict()
    assert d["kind"] == "military" and d["stated_use"] == "civil"
    assert d["effective_end_use"] == "military" and d["span"] == [0, 4]
