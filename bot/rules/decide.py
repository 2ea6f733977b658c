"""One branch of a verdict: given destination, classification and end use on a date, which
status do the rules give, resting on which rule values? Each step links its regulation."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.records import TraceEntry
from bot.rules.countries import country_name
from bot.rules.loader import Rulebook, RuleValue

_600_SERIES = re.compile(r"^\d[A-E]6\d\d")  # "600 series" ECCNs, e.g. 9A610
_9X515 = re.compile(r"^\d[A-E]515")


@dataclass(frozen=True)
class Outcome:
    status: str
    rule_ids: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


class NotInForce(LookupError):
    """A rule value the decision needs holds no value on the date (fail closed)."""

    def __init__(self, rule_id: str):
        super().__init__(rule_id)
        self.rule_id = rule_id


@dataclass
class Reader:
    """Reads rule values on one date and remembers every value read (the trace)."""

    rulebook: Rulebook
    as_of: date
    _trace: dict[str, TraceEntry] = field(default_factory=dict)

    def value(self, rule_id: str) -> RuleValue | None:
        rule = self.rulebook.rule(rule_id)
        value = rule.value_on(self.as_of) if rule else None
        if value is not None and rule_id not in self._trace:
            self._trace[rule_id] = TraceEntry(
                rule_id=rule_id, as_of=self.as_of, value=value.value, citation=value.citation,
                source=value.source, quote=value.quote, verified=value.verified,
                valid_from=value.valid_from, valid_until=value.valid_until)
        return value

    def need(self, rule_id: str) -> RuleValue:
        """The value in force, or `NotInForce`: `decide` turns that into cannot_determine."""
        value = self.value(rule_id)
        if value is None:
            raise NotInForce(rule_id)
        return value

    def membership(self, rule_id: str, code: str) -> bool | None:
        """Is `code` in the list rule `rule_id` on the date? None = the rulebook cannot say."""
        value = self.value(rule_id)
        if value is not None:
            return code in value.value
        rule = self.rulebook.rule(rule_id)
        mentioned = rule is not None and any(code in v.value for v in rule.values)
        return None if mentioned else False

    def entry(self, rule_id: str) -> TraceEntry | None:
        return self._trace.get(rule_id)

    def trace(self) -> tuple[TraceEntry, ...]:
        return tuple(self._trace.values())


def item_kind(classification: str | None, rulebook_at_only: list[str]) -> str | None:
    """usml | 600 | 9x515 | ear99 | at_only | eccn | None (not stated)."""
    if classification is None:
        return None
    if classification.startswith("USML"):
        return "usml"
    if classification == "EAR99":
        return "ear99"
    if _600_SERIES.match(classification):
        return "600"
    if _9X515.match(classification):
        return "9x515"
    if classification.split(".")[0] in rulebook_at_only:
        return "at_only"
    return "eccn"


def _out(status: str, reader: Reader, ids: list[str], reasons: list[str], missing=()) -> Outcome:
    return Outcome(status, tuple(dict.fromkeys(ids)), tuple(reasons), tuple(missing))


def _unknown(reader: Reader, rule_id: str, name: str) -> Outcome:
    return _out("cannot_determine", reader, [], [
        f"The rulebook holds no value of {rule_id} for {name} on {reader.as_of}; "
        f"it cannot say what applied then."])


def _itar(reader: Reader, dest: str, name: str, end_use: str | None) -> Outcome:
    rid = f"itar.126_1.{dest}"
    listing = reader.value(rid)
    if listing is None:
        return _unknown(reader, rid, name)
    if listing.value == "listed":
        if end_use in listing.exceptions:
            return _out("license_required", reader, [rid], [
                f"{name} was on the ITAR § 126.1 list on {reader.as_of} ({listing.citation}), "
                f"but {end_use.replace('-', ' ')} is an exception reviewed case by case: a DDTC "
                f"licence is required."])
        return _out("prohibited", reader, [rid], [
            f"{name} is under the ITAR § 126.1 policy of denial on {reader.as_of} "
            f"({listing.citation}): licences for USML defense articles are denied as a rule."])
    licence = reader.need("itar.licence_requirement")
    return _out("license_required", reader, [rid, "itar.licence_requirement"], [
        f"{name} is not on the ITAR § 126.1 list on {reader.as_of} ({listing.citation}): "
        f"applications are reviewed case by case.",
        f"A DDTC licence is still needed for USML items ({licence.citation})."])


def _military(reader: Reader, dest: str, name: str, kind: str, cls: str) -> Outcome | None:
    """§ 744.21 for a military end use or user; None when it does not decide the branch."""
    group2 = reader.membership("ear.744_21.group2", dest)
    reader.value("ear.744_21.review")
    if group2:
        cite = reader.need("ear.744_21.group2").citation
        return _out("prohibited", reader, ["ear.744_21.group2", "ear.744_21.review"], [
            f"Any item for a military end use or user in {name} needs a licence under "
            f"{cite}, reviewed with a policy of denial (15 CFR 744.21(e)(1))."])
    group1 = reader.membership("ear.744_21.group1", dest)
    if group1 is None or group2 is None:
        return _unknown(reader, "ear.744_21", name)
    if not group1 or kind in ("600", "9x515"):
        return None
    supp2 = reader.value("ear.744_21.supp2")
    on_supp2 = supp2 is not None and cls.split(".")[0] in supp2.value
    if on_supp2:
        return _out("license_required", reader,
                    ["ear.744_21.group1", "ear.744_21.supp2", "ear.744_21.review"], [
            f"{cls} for a military end use or user in {name} needs a licence under 15 CFR "
            f"744.21(a)(1) (listed in {supp2.citation}), reviewed with a presumption of denial "
            f"(15 CFR 744.21(e)(1))."])
    if kind == "ear99":
        return None
    return _out("cannot_determine", reader, ["ear.744_21.group1"], [
        f"Whether {cls} is listed in Supplement No. 2 to part 744 (15 CFR 744.21(a)(1)) is not "
        f"in the rulebook."])


def _military_intelligence(reader: Reader, dest: str, name: str) -> Outcome | None:
    listed = reader.membership("ear.744_22.countries", dest)
    in_e = reader.membership("ear.e.countries", dest)
    if not (listed or in_e):
        if listed is None or in_e is None:  # the list holds no value then: fail closed
            return _unknown(reader, "ear.744_22.countries" if listed is None
                            else "ear.e.countries", name)
        return None
    review = reader.value("ear.744_22.review")
    ids = ["ear.744_22.countries" if listed else "ear.e.countries", "ear.744_22.review"]
    return _out("license_required", reader, ids, [
        f"Any item for a military-intelligence end use or user in {name} needs a licence under "
        f"15 CFR 744.22(a), reviewed with a presumption of denial "
        f"({review.citation if review else '15 CFR 744.22(e)'})."])


def _arms_embargoed(reader: Reader, dest: str) -> bool | None:
    """D:5 membership, keyed on the State list as the Note to D:5 directs; None = unknown."""
    reader.value("ear.d5.note")
    listing = reader.value(f"itar.126_1.{dest}")
    return None if listing is None else listing.value == "listed"


def _series600(reader: Reader, dest: str, name: str, cls: str) -> Outcome:
    embargoed = _arms_embargoed(reader, dest)
    if embargoed is None:
        return _unknown(reader, f"itar.126_1.{dest}", name)
    if embargoed:
        policy = reader.need("ear.742_4.600_series_d5")
        return _out("prohibited", reader,
                    [f"itar.126_1.{dest}", "ear.d5.note", "ear.742_4.600_series_d5"], [
            f"{name} is an arms-embargoed (D:5) destination on {reader.as_of}: {cls} is reviewed "
            f"under the § 126.1 policy of denial ({policy.citation})."])
    licence = reader.need("ear.600_series.licence")
    return _out("license_required", reader, ["ear.600_series.licence", f"itar.126_1.{dest}"], [
        f"{name} is not arms-embargoed on {reader.as_of}, but {cls} still needs a BIS licence "
        f"({licence.citation})."])


def _civil(reader: Reader, dest: str, name: str, kind: str, cls: str) -> Outcome:
    if reader.value(f"ear.746_8.{dest}") is not None:
        sanction = reader.value(f"ear.746_8.{dest}")
        if kind == "ear99":
            return _out("cannot_determine", reader, [f"ear.746_8.{dest}"], [
                f"EAR99 items to {name} may need a licence under the Russia/Belarus sanctions "
                f"({sanction.citation}); the rulebook does not hold those lists."])
        return _out("license_required", reader, [f"ear.746_8.{dest}"], [
            f"{cls} to {name} needs a licence under the Russia/Belarus sanctions "
            f"({sanction.citation})."])
    if kind == "at_only":
        at_only = reader.need("ear.at_only.eccns")
        column = reader.need("ear.at_column.countries")
        ids = ["ear.at_only.eccns", "ear.at_column.countries"]
        if column is not None and dest in column.value:
            return _out("license_required", reader, ids, [
                f"{cls} is controlled for anti-terrorism ({at_only.citation}) and {name} has an "
                f"AT licence requirement ({column.citation})."])
        return _out("no_license_required", reader, ids, [
            f"{cls} is controlled for anti-terrorism reasons only ({at_only.citation}) and "
            f"{name} has no AT licence requirement ({column.citation}): no licence for a civil "
            f"end use and end user."])
    if kind == "ear99":
        rule = reader.need("ear.ear99.no_licence")
        return _out("no_license_required", reader, ["ear.ear99.no_licence"], [
            f"EAR99 items need no licence to {name} unless an embargo or end-use rule applies "
            f"({rule.citation})."])
    return _out("cannot_determine", reader, [], [
        f"The rulebook does not hold the licence requirements of {cls}; ask compliance to "
        f"check the Commerce Control List entry."])


def decide(reader: Reader, dest: str, cls: str | None, end_use: str | None,
           end_user: str | None) -> Outcome:
    """The outcome of one fully or partly specified branch; a needed rule value that is not
    in force on the date gives cannot_determine (fail closed), never an error."""
    name = country_name(dest) or dest
    try:
        return _decide(reader, dest, name, cls, end_use)
    except NotInForce as missing:
        return _unknown(reader, missing.rule_id, name)


def _decide(reader: Reader, dest: str, name: str, cls: str | None,
            end_use: str | None) -> Outcome:
    at_only = reader.rulebook.rule("ear.at_only.eccns")
    kind = item_kind(cls, list(at_only.values[-1].value) if at_only else [])
    if kind == "usml":
        return _itar(reader, dest, name, end_use)
    embargo = reader.value(f"ear.embargo.{dest}")
    if embargo is not None and embargo.value == "comprehensive":
        return _out("prohibited", reader, [f"ear.embargo.{dest}"], [
            f"{name} is under a comprehensive embargo on {reader.as_of} ({embargo.citation}): "
            f"exports of items subject to the EAR are denied as a rule."])
    if end_use == "military-intelligence":
        if (outcome := _military_intelligence(reader, dest, name)) is not None:
            return outcome
        end_use = "military"
    if kind is None:
        if end_use == "military" and reader.membership("ear.744_21.group2", dest):
            return _military(reader, dest, name, "eccn", "any item")  # any item: no class needed
        return _out("cannot_determine", reader, [], [
            f"The item's classification is not known, so the rules for {name} cannot be "
            f"applied."], missing=("classification",))
    if end_use == "military":
        if outcome := _military(reader, dest, name, kind, cls):
            return outcome
        # § 744.21 was read and did not catch this item: the verdict rests on that too.
        rest = _after_end_use(reader, dest, name, kind, cls, embargo, end_use)
        ids = [r for r in ("ear.744_21.group1", "ear.744_21.group2") if reader.entry(r)]
        note = (f"15 CFR 744.21 does not require a licence for {cls} to a military end use "
                f"or user in {name} on {reader.as_of}.")
        if kind in ("600", "9x515"):
            note = (f"A licence for {cls} to a military end use or user is reviewed under the "
                    f"stricter of the policies that apply (15 CFR 744.21(e)(3)).")
        return Outcome(rest.status, tuple(dict.fromkeys(rest.rule_ids + tuple(ids))),
                       (*rest.reasons, note), rest.missing)
    return _after_end_use(reader, dest, name, kind, cls, embargo, end_use)


def _after_end_use(reader: Reader, dest: str, name: str, kind: str, cls: str,
                   embargo: RuleValue | None, end_use: str | None) -> Outcome:
    if kind in ("600", "9x515"):
        return _series600(reader, dest, name, cls)
    if embargo is not None and embargo.value == "relaxed":
        return _out("license_required", reader, [f"ear.embargo.{dest}"], [
            f"Exports to {name} still need a BIS licence on {reader.as_of}, now reviewed more "
            f"favourably ({embargo.citation}); EAR99 items may go under License Exception SPP."])
    if end_use is None:
        return _out("cannot_determine", reader, [], [
            f"The end use is not known."], missing=("end_use",))
    return _civil(reader, dest, name, kind, cls)
