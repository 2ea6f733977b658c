"""The rule-id schema: every rule the engine reads, named once, with the form of its values.

A rule id is written in exactly one place, here. Layers and the date finder read rules
through these names (`ITAR_126_1.of("KH")` is "itar.126_1.KH"); the loader checks each
value against its rule's `kind`; the rulebook's coverage (which destinations it holds rules
for) comes from the families marked `covers`, not from the look of an id.
"""
from __future__ import annotations

from dataclasses import dataclass

_LISTING = frozenset({"listed", "not_listed"})


@dataclass(frozen=True)
class RuleName:
    """One rule, or a family of per-destination rules ("<id>.<ISO code>")."""

    id: str
    kind: str = "any"  # what its values hold: word | countries | eccns | any
    words: frozenset[str] = frozenset()  # the allowed values of a `word` rule
    per_destination: bool = False
    covers: bool = False  # its destinations (or, for a country list, its members) are covered

    def of(self, destination: str) -> str:
        """The id of this family's rule for `destination` (an ISO code)."""
        if not self.per_destination:
            raise ValueError(f"{self.id} is one rule, not a per-destination family")
        return f"{self.id}.{destination}"


# --- ITAR (22 CFR)
ITAR_126_1 = RuleName("itar.126_1", "word", _LISTING, per_destination=True, covers=True)
ITAR_LICENCE = RuleName("itar.licence_requirement")
# --- EAR part 746: embargoes and sanctions
EMBARGO = RuleName("ear.embargo", "word", frozenset({"comprehensive", "relaxed", "case_by_case"}),
                   per_destination=True, covers=True)
FOOD_MEDICINE = RuleName("ear.746.food_medicine", "word", frozenset({"excepted"}),
                         per_destination=True)  # § 746.4(a), § 746.9(a): EAR99 food and medicine
DENIED_ECCNS = RuleName("ear.746.denied_eccns", "eccns", per_destination=True)  # e.g. § 742.19(b)(1)
FOOD_MEDICINE_ITEM = "food and medicine"  # the catalogue item that exception names
SANCTIONS_746_8 = RuleName("ear.746_8", per_destination=True, covers=True)
# --- EAR § 744.21 / § 744.22: military and military-intelligence end uses and users
MEU_GROUP1 = RuleName("ear.744_21.group1", "countries", covers=True)
MEU_GROUP2 = RuleName("ear.744_21.group2", "countries", covers=True)
MEU_SUPP2 = RuleName("ear.744_21.supp2", "eccns")
MEU_REVIEW = RuleName("ear.744_21.review")
MEU_RULES = "ear.744_21"  # the § 744.21 rules as a whole, as messages name them
MIEU_COUNTRIES = RuleName("ear.744_22.countries", "countries", covers=True)
MIEU_REVIEW = RuleName("ear.744_22.review")
# --- EAR Country Groups (part 740, Supp. No. 1)
GROUP_E = RuleName("ear.e.countries", "countries")
D5_NOTE = RuleName("ear.d5.note")
D5_TABLE = RuleName("ear.d5.table", "word", _LISTING, per_destination=True, covers=True)
D1_TABLE = RuleName("ear.d1", "word", _LISTING, per_destination=True, covers=True)
# --- EAR licensing: 600 series / 9x515, the Country Chart's AT column, EAR99
SERIES_600_D5 = RuleName("ear.742_4.600_series_d5")
SERIES_600_LICENCE = RuleName("ear.600_series.licence")
SERIES_600_Y = RuleName("ear.742_6.y_countries", "countries")  # .y items: RS to these only
AT_ONLY_ECCNS = RuleName("ear.at_only.eccns", "eccns")
AT_COLUMN = RuleName("ear.at_column.countries", "countries")
EAR99_NO_LICENCE = RuleName("ear.ear99.no_licence")

# --- not a rule of the rulebook: the id a tables snapshot's review alarm names (bot.rules.review)
TABLES_ALARM = "ear.tables"

NAMES: tuple[RuleName, ...] = (
    ITAR_126_1, ITAR_LICENCE, EMBARGO, FOOD_MEDICINE, DENIED_ECCNS, SANCTIONS_746_8, MEU_GROUP1,
    MEU_GROUP2, MEU_SUPP2, MEU_REVIEW, MIEU_COUNTRIES, MIEU_REVIEW, GROUP_E, D5_NOTE, D5_TABLE, D1_TABLE,
    SERIES_600_D5, SERIES_600_LICENCE, SERIES_600_Y, AT_ONLY_ECCNS, AT_COLUMN, EAR99_NO_LICENCE,
)
_SINGLE = {n.id: n for n in NAMES if not n.per_destination}
_FAMILIES = {n.id: n for n in NAMES if n.per_destination}


def parse(rule_id: str) -> tuple[RuleName, str | None] | None:
    """(name, destination) for a known rule id, None for an id the engine never reads."""
    if rule_id in _SINGLE:
        return _SINGLE[rule_id], None
    family, _, destination = rule_id.rpartition(".")
    if family in _FAMILIES and len(destination) == 2 and destination.isalpha() \
            and destination.isupper():
        return _FAMILIES[family], destination
    return None


def covered_destinations(rules) -> set[str]:
    """ISO codes the rulebook holds rules for: the destinations of the per-destination rules
    marked `covers`, and the members of the country lists marked `covers`."""
    codes: set[str] = set()
    for rule in rules:
        parsed = parse(rule.id)
        if parsed is None or not parsed[0].covers:
            continue
        name, destination = parsed
        if destination is not None:
            codes.add(destination)
        elif name.kind == "countries":
            codes.update(code for value in rule.values for code in value.value)
    return codes
