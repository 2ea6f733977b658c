"""Facts about a destination: its Country Groups, arms embargoes, end-use lists, chart row.

Dated rule values answer for the question's date (with their verbatim quotes); the EAR's
tables answer as of their eCFR date (rows rendered and verified, bot.answers.cite). Where
neither holds a record for the date asked, the answer says so instead of guessing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.answers.base import Ask, Line, Reply, day_words, trace_entry
from bot.answers.cite import chart_citation, groups_citation, rule_citation
from bot.answers.phrases import value_words
from bot.records import Citation
from bot.rules import schema
from bot.rules.countries import country_name

_GROUP = re.compile(r"\b([A-E]):\s?([1-6])\b|\bgroup\s+(B)\b", re.IGNORECASE)
_REASON = re.compile(r"\b(CB|NP|NS|MT|RS|FC|CC|AT)(?:\s*([123]))?\b")
D5_RULES = (schema.ITAR_126_1.id, schema.D5_TABLE.id)


@dataclass
class Sheet:
    """Lines being written for one answer, with the rule values they read."""

    ask: Ask
    lines: list[Line] = field(default_factory=list)
    trace: list = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    def rule(self, rule_id: str, day: date | None = None):
        """(value on the date, its verified citation or None), traced."""
        rule = self.ask.rulebook.rule(rule_id)
        value = rule.value_on(day or self.ask.facts.as_of) if rule else None
        if value is None:
            return None, None
        self.trace.append(trace_entry(rule_id, value, day or self.ask.facts.as_of))
        if not value.verified:
            self.unverified.append(rule_id)
        return value, rule_citation(rule_id, value, self.ask.answerer)

    def add(self, text: str, *cites: Citation | None) -> None:
        self.lines.append(Line(text, tuple(c for c in cites if c is not None)))

    def reply(self) -> Reply:
        return Reply(tuple(self.lines), tuple(self.trace), tuple(dict.fromkeys(self.unverified)))


def _name(ask: Ask) -> str:
    code = ask.facts.destination
    return ask.facts.destination_name or country_name(code) or code


def _tables():
    from bot.rules.datasets import load_tables

    return load_tables()


def _since(value, first: bool = False) -> str:
    start = value.valid_from
    if start <= date(2000, 1, 1):
        return ""
    return f" (regbot's record starts {day_words(start)})" if first else f" since {day_words(start)}"


def _unconfirmed(value) -> str:
    return "" if value.verified else " (unconfirmed: check before relying on it)"


def _run_start(rule_id: str, value, code: str, rulebook):
    """The first value of the unbroken run of values that say what `value` says about `code`
    (Cambodia has been named in § 744.21(a)(1) since 2021, though the list changed in 2024)."""
    values = rulebook.rule(rule_id).values
    i = values.index(value)
    words = value_words(rule_id, value.value, code)
    while i > 0 and value_words(rule_id, values[i - 1].value, code) == words and \
            values[i - 1].valid_until is not None and \
            values[i - 1].valid_until.toordinal() + 1 == values[i].valid_from.toordinal():
        i -= 1
    return values[i], i == 0


def _statement(sheet: Sheet, rule_id: str, quiet_if_not: bool = False) -> bool | None:
    """Add '<name> is <words> since <date>' for a dated rule value; True/False = listed or not."""
    code = sheet.ask.facts.destination
    value, cite = sheet.rule(rule_id)
    words = value_words(rule_id, value.value, code) if value else None
    if words is None:
        return None
    negative = words.startswith("not ")
    if negative and quiet_if_not:
        return False
    start, first = _run_start(rule_id, value, code, sheet.ask.rulebook)
    since = "" if negative and first else _since(start, first)
    sheet.add(f"{_name(sheet.ask)} is {words}{since}{_unconfirmed(value)}.", cite)
    return not negative


def _table_caution(sheet: Sheet, tables) -> None:
    if sheet.ask.facts.as_of < date.fromisoformat(tables.ecfr_date):
        sheet.add(f"The EAR tables regbot ships are of {day_words(tables.ecfr_date)}; for "
                  f"{day_words(sheet.ask.facts.as_of)} only the dated records above apply.")


# --------------------------------------------------------------------------- Country Groups


def _asked_groups(text: str) -> list[str]:
    found = [f"{m.group(1).upper()}:{m.group(2)}" if m.group(1) else "B" for m in _GROUP.finditer(text)]
    return list(dict.fromkeys(found))


def _d5(sheet: Sheet, tables) -> None:
    """D:5 follows the State Department's list (Note to D:5): § 126.1 decides, the table shows."""
    code, when = sheet.ask.facts.destination, day_words(sheet.ask.facts.as_of)
    state, state_cite = sheet.rule(schema.ITAR_126_1.of(code))
    table, table_cite = sheet.rule(schema.D5_TABLE.of(code))
    _, note_cite = sheet.rule(schema.D5_NOTE.id)
    if state is None and table is None:
        in_table = code in tables.groups.get("D:5", ())
        sheet.add(f"{'Yes' if in_table else 'No'} — the Country Groups table of "
                  f"{day_words(tables.ecfr_date)} {'lists' if in_table else 'does not list'} "
                  f"{_name(sheet.ask)} in D:5 (U.S. arms embargoed countries).", groups_citation(code, tables))
        _table_caution(sheet, tables)
        return
    listed = (state.value == "listed") if state is not None else table.value == "listed"
    sheet.add(f"{'Yes' if listed else 'No'} — {_name(sheet.ask)} is {'' if listed else 'not '}in "
              f"Country Group D:5 (U.S. arms embargoed countries) as of {when}.")
    if state is not None:
        _statement(sheet, schema.ITAR_126_1.of(code))
    if table is not None and (table.value == "listed") != listed:
        sheet.add(f"The D:5 table still marked it until {day_words(table.valid_until)}, but the State "
                  "Department's list controls D:5.", table_cite, note_cite)
    elif table is not None:
        _statement(sheet, schema.D5_TABLE.of(code))


def _group(sheet: Sheet, group: str, tables) -> None:
    code = sheet.ask.facts.destination
    if group == "D:5":
        return _d5(sheet, tables)
    rule_id = schema.D1_TABLE.of(code) if group == "D:1" else (
        schema.GROUP_E.id if group.startswith("E") else None)
    dated = _statement(sheet, rule_id) if rule_id else None
    in_table = code in tables.groups.get(group, ())
    if dated is None or sheet.ask.facts.as_of >= date.fromisoformat(tables.ecfr_date):
        sheet.add(f"The Country Groups table of {day_words(tables.ecfr_date)} "
                  f"{'lists' if in_table else 'does not list'} {_name(sheet.ask)} in {group}.",
                  groups_citation(code, tables))
    answer = dated if dated is not None else in_table
    sheet.lines.insert(0, Line(f"{'Yes' if answer else 'No'} — {_name(sheet.ask)} is "
                               f"{'' if answer else 'not '}in Country Group {group}"
                               f" as of {day_words(sheet.ask.facts.as_of)}."))
    if dated is None:
        _table_caution(sheet, tables)


def groups_reply(ask: Ask) -> Reply | None:
    tables, sheet = _tables(), Sheet(ask)
    asked = _asked_groups(ask.question)
    if len(asked) == 1:
        _group(sheet, asked[0], tables)
        return sheet.reply()
    code = ask.facts.destination
    cite = groups_citation(code, tables)
    if cite is None:
        return None
    groups = [g for g in tables.groups if code in tables.groups[g]]
    sheet.add(f"{_name(ask)} is in Country Group{'s' if len(groups) > 1 else ''} "
              f"{', '.join(groups) or 'none'} (EAR tables of {day_words(tables.ecfr_date)}).", cite)
    for group in asked:
        sub = Sheet(ask)
        _group(sub, group, tables)
        sheet.lines += sub.lines[:2]
        sheet.trace += sub.trace
        sheet.unverified += sub.unverified
    _table_caution(sheet, tables)
    return sheet.reply()


# --------------------------------------------------------------------------- embargoes


def embargo_reply(ask: Ask) -> Reply | None:
    """§ 126.1 (arms embargo), part 746 (EAR embargo), D:5, the UN arms embargo list, and
    what still applies (D:1, §§ 744.21/744.22)."""
    code, tables, sheet = ask.facts.destination, _tables(), Sheet(ask)
    arms = _statement(sheet, schema.ITAR_126_1.of(code))
    embargo = _statement(sheet, schema.EMBARGO.of(code))
    if arms is not None:
        _statement(sheet, schema.D5_TABLE.of(code))
    un = code in tables.un_embargo
    if un:
        sheet.add(f"{_name(ask)} is under a UN Security Council arms embargo (§ 746.1(b)(2)).",
                  rule_citation("ear.746_1.un", _Ref(tables.un_reference), ask.answerer))
    if arms is None and embargo is None:
        in_d5 = code in tables.groups.get("D:5", ())
        sheet.lines.insert(0, Line(
            f"{'Yes' if in_d5 or un else 'No'} — as far as the EAR tables show: the Country Groups "
            f"table of {day_words(tables.ecfr_date)} {'lists' if in_d5 else 'does not list'} "
            f"{_name(ask)} among U.S. arms embargoed countries (D:5).", (groups_citation(code, tables),)))
        return sheet.reply()
    under = bool(arms or embargo or un)
    when = day_words(ask.facts.as_of)
    sheet.lines.insert(0, Line(f"{'Yes' if under else 'No'} — {_name(ask)} is "
                               f"{'' if under else 'not '}under a U.S. arms embargo"
                               f"{' or EAR embargo' if embargo else ''} as of {when}."))
    if not under:
        _still_applies(sheet)
    return sheet.reply()


class _Ref:
    """A tables Reference (source 'corpus/<file>') read as a rule value for citing."""

    def __init__(self, ref):
        self.source = ref.source.rsplit("/", 1)[-1]
        self.quote = ref.quote


def _still_applies(sheet: Sheet) -> None:
    code = sheet.ask.facts.destination
    value, cite = sheet.rule(schema.D1_TABLE.of(code))
    named = [words for rule_id in (schema.MEU_GROUP1.id, schema.MIEU_COUNTRIES.id)
             if (words := _listed_in(sheet, rule_id))]
    if value is not None and value.value == "listed":
        named.insert(0, "in Country Group D:1")
    if named:
        sheet.add(f"Still applies: {_name(sheet.ask)} is " + "; ".join(named) + ".", cite)


def _listed_in(sheet: Sheet, rule_id: str) -> str | None:
    value, _ = sheet.rule(rule_id)
    words = value_words(rule_id, value.value, sheet.ask.facts.destination) if value else None
    return words if words and not words.startswith("not ") else None


# --------------------------------------------------------------------------- end-use lists


def end_use_reply(ask: Ask) -> Reply | None:
    sheet = Sheet(ask)
    rules = (schema.MEU_GROUP1.id, schema.MEU_GROUP2.id, schema.MIEU_COUNTRIES.id)
    found = [_statement(sheet, rule_id, quiet_if_not=True) for rule_id in rules]
    if all(f is None for f in found):
        return None
    named = any(found)
    if not named:
        for rule_id in rules:
            _statement(sheet, rule_id)
    sheet.lines.insert(0, Line(f"{'Yes' if named else 'No'} — {_name(ask)} is "
                               f"{'' if named else 'not '}subject to the EAR's military end-use "
                               f"rules as of {day_words(ask.facts.as_of)}."))
    return sheet.reply()


# --------------------------------------------------------------------------- the chart row


def chart_reply(ask: Ask) -> Reply | None:
    code, tables, sheet = ask.facts.destination, _tables(), Sheet(ask)
    cite = chart_citation(code, tables)
    dest = tables.destination(code)
    if cite is None or dest is None:
        return None
    row = tables.row_for(dest)
    asked = [(m.group(1), m.group(2)) for m in _REASON.finditer(ask.question)]
    when = day_words(tables.ecfr_date)
    if dest.kind == "see_other_part":
        sheet.add(f"{dest.name} has no X marks in the Commerce Country Chart of {when}: its row "
                  f"points to another part of the EAR.", cite)
    elif asked:
        for reason, number in asked[:3]:
            cols = [c for c in tables.columns if c.startswith(reason) and (not number or c.endswith(number))]
            marked = [c for c in cols if c in row.x]
            sheet.add(f"{dest.name} has an X in {', '.join(marked)}" if marked else
                      f"{dest.name} has no X in {', '.join(cols)}", cite)
        sheet.lines[0] = Line(sheet.lines[0].text + f" of the Commerce Country Chart ({when}).",
                              sheet.lines[0].cites)
    else:
        sheet.add(f"{dest.name}'s row of the Commerce Country Chart ({when}) has an X in "
                  f"{', '.join(row.x) or 'no column'}.", cite)
    _table_caution(sheet, tables)
    return sheet.reply()


TOPICS = {"groups": groups_reply, "embargo": embargo_reply, "end_use": end_use_reply,
          "chart": chart_reply}


def country_reply(ask: Ask) -> Reply | None:
    """The fact answer for a destination, or None (no destination, or nothing on record)."""
    handler = TOPICS.get(ask.route.topic)
    if handler is None or not ask.facts.destination:
        return None
    return handler(ask)
