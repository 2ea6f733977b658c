"""`regbot check --destination KH --item avionics [--classification 7A994|EAR99|"USML XI"]
[--end-use civil|military|military-intelligence] [--end-user TEXT] [--as-of DATE|PERIOD] [--json]`

A verdict from the rulebook alone (no index, no model): fast, and never imports chromadb
or torch. Exit codes: 0 verdict given; 1 input rejected (unknown country, impossible
date); 2 usage error.
"""
from __future__ import annotations

import json
import re
import sys
from datetime import date

import click

from bot.cli import EXIT_NOTHING, EXIT_USAGE, fail
from bot.records import END_USES, Status

END_USE_CHOICES = END_USES
MAX_OPTION_CHARS = 200  # an item, end user or country name; longer input is a mistake
_STYLES = {Status.PROHIBITED: "bold white on red", Status.LICENSE_REQUIRED: "bold black on yellow",
           Status.NO_LICENSE_REQUIRED: "bold white on green", Status.DEPENDS: "bold white on blue",
           Status.CANNOT_DETERMINE: "bold white on grey37"}
STATUS_STYLE = {status: (status.label.upper(), _STYLES[status]) for status in Status}


def _reject(message: str) -> None:
    fail(message, EXIT_NOTHING)


def _text_option(name: str, value: str | None) -> str | None:
    """A stripped free-text option, None when blank; over MAX_OPTION_CHARS is a usage error."""
    if value is None or not value.strip():
        return None
    if len(value) > MAX_OPTION_CHARS:
        raise click.UsageError(f"{name} is too long ({len(value):,} characters; the limit is "
                               f"{MAX_OPTION_CHARS})")
    return " ".join(value.split())


def _classification(value: str) -> str:
    """The one classification `value` states, exactly ("USML XXV" or "7A994 9A991" is refused)."""
    from bot.rules.facts import find_classification

    text = re.sub(r"^ECCN\s*", "", value.strip(), flags=re.IGNORECASE)
    found = find_classification(text)
    if found is None or found[1] != (0, len(text)):
        raise click.UsageError(f"--classification: cannot read {value!r} (give one of 7A994, "
                               f"9A610.x, EAR99 or a USML category I-XXI such as \"USML XI\")")
    return found[0]


def _item(words: str | None) -> str | None:
    """The catalogue item the words name (as `extract_facts` does), else the words."""
    if words is None:
        return None
    from bot.rules.facts import find_item
    from bot.rules.loader import load_rulebook

    return find_item(words, load_rulebook()) or words.lower()


def _as_of(value: str | None):
    """The period --as-of names: a day (YYYY-MM-DD) or a phrase ("Q4 2025", "after February
    2022"); the day today without it."""
    from bot.records import Period
    from bot.rules.dates import DateError, parse_as_of

    if value is None or not value.strip():
        return Period.day(date.today())
    if len(value) > MAX_OPTION_CHARS:
        raise click.UsageError(f"--as-of is too long ({len(value):,} characters)")
    try:
        return parse_as_of(value, date.today())
    except DateError as exc:
        if "cannot read" in str(exc):  # not a date at all: a usage error
            raise click.UsageError(f"--as-of must be a date YYYY-MM-DD or a period such as "
                                   f"'March 2024' or 'Q4 2025', not {value!r}") from None
        _reject(f"--as-of: {exc}")
        raise  # unreachable


def _facts(destination: str, item: str | None, classification: str | None,
           end_use: str | None, end_user: str | None, period):
    from bot.records import Facts
    from bot.rules.countries import resolve_country

    country = resolve_country(destination)
    if country is None:
        _reject(f"I don't know the country '{destination}'")
    cls = _classification(classification) if classification is not None else None
    facts = Facts(as_of=min(period.end, date.today()), destination=country.code,
                  destination_name=country.name, item=_item(item), classification=cls,
                  end_use=end_use, period=period)
    if end_user is None:
        return facts
    from bot.rules.end_user_facts import with_end_user

    return with_end_user(facts, end_user)  # classified, and screened when it names a party


def render_verdict(facts, verdict, console) -> None:
    """Rich human output: verdict panel, reasons, branches, questions, unverified warning."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from bot.compose import screening_note

    label, style = STATUS_STYLE.get(verdict.status, (verdict.status.upper(), "bold"))
    what = " · ".join(x for x in (facts.item, facts.classification, facts.end_use,
                                  facts.end_user) if x) or "item not stated"
    when = facts.period.label() if facts.period else f"on {facts.as_of.isoformat()}"
    where = f"{facts.destination_name or facts.destination or '?'} {when}"
    body = Text(label, style=style)
    note = screening_note(verdict)
    if note:
        body.append(f"  {note}")
    body.append(f"\n{what} → {where}")
    console.print(Panel(body, title="regbot check", expand=False))
    for reason in verdict.reasons:
        console.print(Text(f"• {reason}"))
    if verdict.branches:
        table = Table(title="Branches (one per way the missing facts could fall)")
        table.add_column("if")
        table.add_column("status")
        table.add_column("rules")
        for b in verdict.branches:
            cond = ", ".join(f"{k}={v}" for k, v in b.conditions.items())
            table.add_row(cond, STATUS_STYLE.get(b.status, (b.status,))[0], ", ".join(b.rule_ids))
        console.print(table)
    for question in verdict.clarifying_questions:
        console.print(Text(f"? {question}", style="bold cyan"))
    render_screening(verdict, console)
    if verdict.unverified:
        console.print(Text("⚠ Rests on UNCONFIRMED rule values: " + ", ".join(verdict.unverified)
                           + " — verify before relying on this verdict.", style="bold yellow"))


def render_screening(verdict, console) -> None:
    """The screening hits as a table: query, list, entry, licence requirement, what it means."""
    from rich.table import Table

    screening = verdict.screening
    if screening is None or not screening.hits:
        return
    table = Table(title=f"Consolidated Screening List of {screening.list_date}")
    for column in ("party", "list", "entry", "match", "licence requirement", "means"):
        table.add_column(column)
    for hit in (*screening.flagged, *screening.near):
        table.add_row(hit.query, hit.list_code, hit.name, f"{hit.band} {hit.score:.0f}",
                      hit.license_requirement or "—", STATUS_STYLE[hit.status][0])
    console.print(table)


@click.command("check")
@click.option("--destination", "-d", required=True, help="ISO code or country name, e.g. KH.")
@click.option("--item", "-i", default=None, help="Item words, e.g. avionics.")
@click.option("--classification", "-c", default=None,
              help='ECCN (7A994, 9A610.x), EAR99 or a USML category ("USML XI").')
@click.option("--end-use", type=click.Choice(END_USE_CHOICES), default=None)
@click.option("--end-user", default=None,
              help="Who receives it, e.g. 'army', 'airline' or a name (screened against the "
                   "Consolidated Screening List).")
@click.option("--as-of", "as_of", default=None,
              help="Date YYYY-MM-DD or a period ('March 2024', 'Q4 2025', 'after February "
                   "2022', 'last year'); default: today.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def check(destination, item, classification, end_use, end_user, as_of, as_json) -> None:
    """Check an export against the dated rulebook: a verdict, its reasons and branches.

    \b
    Example: regbot check -d KH -i avionics --end-use civil --as-of 2025-11-08
    Exit codes: 0 a verdict (whatever its status); 1 input rejected (unknown
    country, impossible date, broken rulebook); 2 usage error.
    """
    from bot.rules.engine import evaluate
    from bot.rules.loader import RulebookError, load_rulebook
    from bot.settings import get_settings
    from bot.sync.review import attach

    destination = _text_option("--destination", destination)
    if destination is None:
        raise click.UsageError("--destination is empty")
    try:
        rulebook = attach(load_rulebook(), get_settings())  # with open alarms (regbot sync)
    except RulebookError as exc:
        _reject(f"the rulebook is broken: {exc}")
    facts = _facts(destination, _text_option("--item", item),
                   _text_option("--classification", classification), end_use,
                   _text_option("--end-user", end_user), _as_of(as_of))
    verdict = evaluate(facts, rulebook)
    if as_json:
        from bot.rules.table_values import chart_cells

        click.echo(json.dumps({"facts": facts.to_dict(), **verdict.to_dict(),
                               "chart_cells": chart_cells(verdict)}, ensure_ascii=False,
                              indent=2))
        return
    from rich.console import Console

    render_verdict(facts, verdict, Console())


__all__ = ["check", "render_screening", "render_verdict", "EXIT_USAGE"]
