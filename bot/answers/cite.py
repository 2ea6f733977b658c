"""Citations for the answers that are not verdicts: rule values, table rows, list entries.

A rule value's quote is found in the indexed chunks of its source file and re-verified
against the file (bot.evidence), exactly as a verdict's quotes are. A row of the EAR's tables
or an entry of the screening list is not a span of a text file: its "quote" is the row as
rendered from the shipped dataset (`bot.rules.datasets.evidence`), and `verify_dataset_citation`
re-renders it from the dataset and compares, character for character. Their keys say which
dataset and row: `ear-table:chart:KH`, `ear-table:groups:KH`, `ear-table:ccl:5A002:row:1`,
`csl:2026-07-31:<sha>`.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Protocol

from bot.evidence import locate_quote, passage_citation, quote_is_verbatim
from bot.provenance import present, rule_source_chunks
from bot.records import Chunk, Citation

TABLE_PREFIX = "ear-table:"
LIST_PREFIX = "csl:"
ECFR_URL = "https://www.ecfr.gov/current/title-15/"


class Chunks(Protocol):
    def chunks_by_source(self, source: str) -> list[Chunk]: ...


def rule_citation(rule_id: str, value, chunks: Chunks) -> Citation | None:
    """The verified quote of one rule value (a `RuleValue`), or None (no source, not indexed,
    or the quote is not verbatim in the file)."""
    if not value.source or not value.quote:
        return None
    candidates, _ = rule_source_chunks(value.source, chunks.chunks_by_source(value.source))
    found = locate_quote(candidates, value.quote)  # only the document the rulebook hashed
    if found is None:
        return None
    chunk, span, text = found
    if not quote_is_verbatim(chunk.path, span, text):
        return None
    meta = chunk.meta
    return present(Citation(key=chunk.key, source=chunk.source, locator=chunk.locator,
                            citation=passage_citation(chunk), quote=text, rule_ids=(rule_id,),
                            url=meta.source_url, span=span, title=meta.title,
                            visibility=meta.visibility), chunk)


# --------------------------------------------------------------------------- EAR tables


def _table_citation(key: str, quote: str, citation: str, locator: str, ecfr_date: str,
                    url: str) -> Citation:
    return Citation(key=TABLE_PREFIX + key, source=f"EAR tables, eCFR {ecfr_date}",
                    locator=locator, citation=citation, quote=quote, url=ECFR_URL + url,
                    title=f"EAR tables as of the eCFR of {ecfr_date}", trust="primary")


def group_row(code: str, tables) -> str | None:
    """"Cambodia: Country Group D:1" — the groups the table lists a destination in, in order."""
    groups = [g for g in tables.groups if code in tables.groups[g]]
    dest = tables.destination(code)
    if dest is None and not groups:
        return None
    from bot.rules.countries import country_name

    name = dest.name if dest else (country_name(code) or code)
    return f"{name}: " + ("Country Group " + " · ".join(groups) if groups else "in no Country Group")


def groups_citation(code: str, tables) -> Citation | None:
    row = group_row(code, tables)
    if row is None:
        return None
    return _table_citation(f"groups:{code}", row, "15 CFR part 740, Supp. No. 1 (Country Groups)",
                           row.split(":")[0], tables.ecfr_date,
                           "part-740/appendix-Supplement%20No.%201%20to%20Part%20740")


def chart_citation(code: str, tables) -> Citation | None:
    from bot.rules.datasets.evidence import render_chart_row

    dest = tables.destination(code)
    if dest is None:
        return None
    return _table_citation(f"chart:{code}", render_chart_row(dest, tables),
                           "15 CFR part 738, Supp. No. 1 (Commerce Country Chart)", dest.name,
                           tables.ecfr_date, "part-738/appendix-Supplement%20No.%201%20to%20Part%20738")


def ccl_quote(entry, part: str) -> str | None:
    """An ECCN's heading, its Reason for Control line, or one License Requirements row."""
    from bot.rules.datasets.evidence import render_control_row

    if part == "heading":
        return f"{entry.eccn} {entry.heading}"
    if part == "reasons":
        return f"{entry.eccn} Reason for Control: {entry.reason_for_control}" \
            if entry.reason_for_control else None
    number = int(part.rsplit(":", 1)[1])
    row = next((r for r in entry.rows if r.number == number), None)
    return render_control_row(entry.eccn, row) if row else None


def ccl_citation(entry, part: str, tables) -> Citation | None:
    quote = ccl_quote(entry, part)
    if quote is None:
        return None
    where = {"heading": "heading", "reasons": "Reason for Control"}.get(
        part, f"License Requirements row {part.rsplit(':', 1)[-1]}")
    return _table_citation(f"ccl:{entry.eccn}:{part}", quote,
                           f"15 CFR part 774, Supp. No. 1, ECCN {entry.eccn}", f"{entry.eccn} {where}",
                           tables.ecfr_date, "part-774/appendix-Supplement%20No.%201%20to%20Part%20774")


# --------------------------------------------------------------------------- screening list


def party_quote(party) -> str:
    """"Huawei Technologies Co., Ltd. — Entity List (EL) - Bureau of Industry and Security"."""
    return f"{party.name} — {party.list}"


def party_citation(party, list_date: str) -> Citation:
    digest = hashlib.sha256(f"{party.name}\0{party.list}\0{party.entity_number}".encode()
                            ).hexdigest()[:16]
    return Citation(key=f"{LIST_PREFIX}{list_date}:{digest}",
                    source=f"Consolidated Screening List, {list_date}", locator=party.list,
                    citation=party.federal_register_notice or f"Consolidated Screening List ({list_date})",
                    quote=party_quote(party), url=party.source_list_url,
                    title="U.S. Consolidated Screening List", trust="official")


# --------------------------------------------------------------------------- verification


def is_dataset_citation(key: str) -> bool:
    return key.startswith((TABLE_PREFIX, LIST_PREFIX))


def verify_dataset_citation(key: str, quote: str) -> bool:
    """Does `quote` render the row `key` names, as the shipped dataset holds it today?"""
    if key.startswith(LIST_PREFIX):
        return _verify_party(key, quote)
    from bot.rules.datasets import load_tables

    tables = load_tables()
    what, _, rest = key[len(TABLE_PREFIX):].partition(":")
    if what == "groups":
        return group_row(rest, tables) == quote
    if what == "chart":
        cite = chart_citation(rest, tables)
        return cite is not None and cite.quote == quote
    if what == "ccl":
        eccn, _, part = rest.partition(":")
        entry = tables.entries.get(eccn)
        return entry is not None and ccl_quote(entry, part) == quote
    if what == "footnote":
        note = tables.footnotes.get(int(rest)) if rest.isdigit() else None
        return note is not None and note.text == quote
    return False


# --------------------------------------------------------------------------- verdicts

VERDICT_ROWS = tuple(TABLE_PREFIX + w for w in ("ccl:", "chart:", "groups:", "footnote:"))


def verdict_table_citations(verdict) -> tuple[Citation, ...]:
    """The table rows a verdict rests on (traced by its layers), each re-verified against the
    shipped snapshot before it is shown."""
    rests = set(verdict.rule_ids) | {r for b in verdict.branches for r in b.rule_ids}
    cites = []
    for entry in verdict.trace:
        if entry.rule_id not in rests or not entry.rule_id.startswith(VERDICT_ROWS):
            continue
        if not entry.quote or not verify_dataset_citation(entry.rule_id, entry.quote):
            continue
        what = entry.rule_id[len(TABLE_PREFIX):].split(":")[0]
        url = {"ccl": "part-774/appendix-Supplement%20No.%201%20to%20Part%20774",
               "groups": "part-740/appendix-Supplement%20No.%201%20to%20Part%20740"}.get(
            what, "part-738/appendix-Supplement%20No.%201%20to%20Part%20738")
        date = (entry.source or "").rsplit(" ", 1)[-1]
        cite = _table_citation(entry.rule_id[len(TABLE_PREFIX):], entry.quote, entry.citation,
                               entry.quote.split(":")[0][:80], date, url)
        cites.append(replace(cite, rule_ids=(entry.rule_id,)))
    return tuple(cites)


def _verify_party(key: str, quote: str) -> bool:
    from bot.screening import get_matcher

    matcher = get_matcher()
    return any(party_quote(p) == quote and party_citation(p, matcher.info.list_date).key == key
               for p in matcher.parties)
