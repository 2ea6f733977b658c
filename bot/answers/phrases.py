"""Plain words for rule values, shared by fact and timeline answers.

Keyed by rule family (bot.rules.schema), so a new destination needs no new words: only a new
kind of rule does.
"""
from __future__ import annotations

from bot.rules import schema

# per-destination rules: value -> "Cambodia is <words>"
VALUE_WORDS: dict[str, dict[str, str]] = {
    schema.ITAR_126_1.id: {
        "listed": "on the State Department's § 126.1 list (a U.S. arms embargo: policy of denial)",
        "not_listed": "not on the State Department's § 126.1 list (no U.S. arms embargo)"},
    schema.D5_TABLE.id: {
        "listed": "marked with an X in Country Group D:5 (U.S. arms embargoed countries)",
        "not_listed": "not marked in Country Group D:5 (U.S. arms embargoed countries)"},
    schema.D1_TABLE.id: {
        "listed": "in Country Group D:1 (national security)",
        "not_listed": "not in Country Group D:1"},
    schema.EMBARGO.id: {
        "comprehensive": "under a comprehensive EAR embargo (part 746)",
        "relaxed": "under the relaxed EAR controls of § 746.9 (a licence is still required)"},
    schema.SANCTIONS_746_8.id: {
        "ccl_licence_required": "under the § 746.8 licence requirement for CCL items (sanctions)"},
}
# country-list rules: "Cambodia is <words>" when the list names it
LIST_WORDS: dict[str, str] = {
    schema.MEU_GROUP1.id: "named in § 744.21(a)(1) (military end uses and users: Supp. No. 2 items)",
    schema.MEU_GROUP2.id: "named in § 744.21(a)(2) (military end uses and users: any item)",
    schema.MIEU_COUNTRIES.id: "named in § 744.22 (military-intelligence end uses and users)",
    schema.GROUP_E.id: "in Country Group E:1 or E:2",
    schema.AT_COLUMN.id: "marked in the Commerce Country Chart's AT column",
}
LIST_OFF_WORDS: dict[str, str] = {rule: "no longer " + words for rule, words in LIST_WORDS.items()}


def family(rule_id: str) -> tuple[str, str | None] | None:
    """(family id, destination) for a rule the phrases know, else None."""
    parsed = schema.parse(rule_id)
    if parsed is None:
        return None
    name, destination = parsed
    if name.id in VALUE_WORDS or name.id in LIST_WORDS:
        return name.id, destination
    return None


def value_words(rule_id: str, value, code: str) -> str | None:
    """What `value` of `rule_id` says about destination `code`, in words (None: nothing)."""
    known = family(rule_id)
    if known is None:
        return None
    fam, destination = known
    if fam in VALUE_WORDS:
        return VALUE_WORDS[fam].get(str(value)) if destination == code else None
    if isinstance(value, list):
        return LIST_WORDS[fam] if code in value else "not " + LIST_WORDS[fam]
    return None


# what a change of value did ("Cambodia <words>" on the day it took effect)
CHANGE_WORDS: dict[str, dict[str, str]] = {
    schema.ITAR_126_1.id: {
        "listed": "added to the State Department's § 126.1 list (policy of denial)",
        "not_listed": "removed from the § 126.1 list: the U.S. arms embargo lifted"},
    schema.D5_TABLE.id: {
        "listed": "marked with an X in Country Group D:5",
        "not_listed": "no longer marked in Country Group D:5 (the X deleted)"},
    schema.D1_TABLE.id: {"listed": "moved into Country Group D:1",
                         "not_listed": "removed from Country Group D:1"},
    schema.EMBARGO.id: {"comprehensive": "put under a comprehensive EAR embargo (part 746)",
                        "relaxed": "EAR embargo relaxed (§ 746.9; a licence is still required)"},
    schema.SANCTIONS_746_8.id: {
        "ccl_licence_required": "made subject to the § 746.8 licence requirement for CCL items"},
}
# which values put a destination under a control ("on") rather than take it off
ON_VALUES = frozenset({"listed", "comprehensive", "ccl_licence_required"})


def change_words(rule_id: str, value, code: str) -> tuple[str, bool] | None:
    """(what the change did, True when it put `code` under the control), or None."""
    known = family(rule_id)
    if known is None:
        return None
    fam, destination = known
    if fam in CHANGE_WORDS:
        words = CHANGE_WORDS[fam].get(str(value)) if destination == code else None
        return (words, str(value) in ON_VALUES) if words else None
    if isinstance(value, list):
        member = code in value
        return (LIST_WORDS[fam] if member else LIST_OFF_WORDS[fam]), member
    return None
