"""Read a Consolidated Screening List file into `Party` records, and check it is sane.

Three forms are accepted:
- our JSON lines (`../shared/screening/csl.jsonl`, the shipped snapshot): one object a line with
  `name`, `alt_names`, `list`, `type`, `countries`, `entity_number`, `license_requirement`,
  `license_policy`, `programs`, `federal_register_notice`, `source_list_url`;
- trade.gov's JSON (the CSL API / bulk `consolidated.json`): `{"results": [...]}` whose results
  carry `source` (the list), `alt_names`, `addresses[].country`, `programs` (a list), and
  optionally `sources_used[].source_last_updated` (the list date);
- trade.gov's bulk CSV (`consolidated.csv`): columns `_id, source, entity_number, type,
  programs, name, title, addresses, federal_register_notice, ..., license_requirement,
  license_policy, ..., source_list_url, alt_names, ...`, several values `;`-separated and each
  address ending in its ISO-2 country.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot.screening.records import Party

MAX_BYTES = 512 * 1024 * 1024  # a CSL download is ~30-60 MB; far more is not one
MIN_ENTRIES = 100  # today's list has 25,921; a file with fewer is a fragment, not the list
MAX_BAD_SHARE = 0.01  # more unreadable entries than this and the file is rejected
_ISO2 = re.compile(r"^[A-Z]{2}$")
CSV_REQUIRED = ("source", "name", "alt_names", "addresses")


class ListFormatError(ValueError):
    """The file is not a usable screening list (unreadable, empty, wrong shape, too few or too
    many bad entries); the message says why."""


@dataclass(frozen=True)
class ParsedList:
    parties: tuple[Party, ...]
    format: str  # "jsonl" | "trade.gov-json" | "trade.gov-csv"
    list_date: str | None  # when the file itself says (trade.gov JSON `sources_used`)
    skipped: int  # entries without a name or list


def _text(value) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _raw(value) -> str | None:
    """A field quoted as published (licence requirement, policy): only stripped."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _names(value) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(";") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ListFormatError(f"alt_names must be a list or a ';'-separated text, not {value!r}")
    return tuple(dict.fromkeys(t for t in (_text(v) for v in items) if t))


def _programs(value) -> str | None:
    if isinstance(value, list):
        return "; ".join(p for p in (_text(v) for v in value) if p) or None
    return _text(value)


def _party(name, list_name, alt_names, type_, countries, row: dict) -> Party | None:
    name, list_name = _text(name), _text(list_name)
    if not name or not list_name:
        return None
    return Party(
        name=name, list=list_name,
        alt_names=tuple(a for a in _names(alt_names) if a != name),
        type=_text(type_), countries=tuple(dict.fromkeys(c for c in countries if c)),
        entity_number=_text(row.get("entity_number")),
        license_requirement=_raw(row.get("license_requirement")),
        license_policy=_raw(row.get("license_policy")),
        federal_register_notice=_raw(row.get("federal_register_notice")),
        programs=_programs(row.get("programs")), source_list_url=_text(row.get("source_list_url")))


def _from_jsonl_row(row: dict) -> Party | None:
    countries = row.get("countries") or []
    if not isinstance(countries, list):
        raise ListFormatError("countries must be a list of ISO-2 codes")
    return _party(row.get("name"), row.get("list"), row.get("alt_names"), row.get("type"),
                  [str(c).upper() for c in countries], row)


def _from_api_row(row: dict) -> Party | None:
    countries = [str(a.get("country") or "").upper() for a in row.get("addresses") or []
                 if isinstance(a, dict)]
    return _party(row.get("name"), row.get("source"), row.get("alt_names"), row.get("type"),
                  [c for c in countries if _ISO2.match(c)], row)


def _from_csv_row(row: dict) -> Party | None:
    countries = []
    for address in (row.get("addresses") or "").split(";"):
        last = address.rsplit(",", 1)[-1].strip().upper()
        if _ISO2.match(last):
            countries.append(last)
    return _party(row.get("name"), row.get("source"), row.get("alt_names"), row.get("type"),
                  countries, row)


def _collect(rows, convert) -> tuple[list[Party], int]:
    parties: list[Party] = []
    skipped = 0
    for i, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ListFormatError(f"entry {i} is not an object")
        party = convert(row)
        if party is None:
            skipped += 1
        else:
            parties.append(party)
    return parties, skipped


def _read_jsonl(text: str) -> tuple[list[Party], int]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ListFormatError(f"line {n} is not JSON ({exc.msg})") from None
    return _collect(rows, _from_jsonl_row)


def _api_date(doc: dict) -> str | None:
    dates = []
    for src in doc.get("sources_used") or []:
        if isinstance(src, dict):
            value = str(src.get("source_last_updated") or src.get("last_imported") or "")
            if re.match(r"\d{4}-\d{2}-\d{2}", value):
                dates.append(value[:10])
    return max(dates) if dates else None


def _read_csv(text: str) -> tuple[list[Party], int]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ListFormatError(f"not the CSL bulk CSV: missing columns {', '.join(missing)}")
    try:
        return _collect(reader, _from_csv_row)
    except csv.Error as exc:
        raise ListFormatError(f"the CSV cannot be read: {exc}") from None


def _decode(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ListFormatError(f"{path} is {size:,} bytes; a screening list is far smaller")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise ListFormatError(f"{path} is a damaged gzip file ({exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ListFormatError(f"{path} is not UTF-8 text") from None


def read_list(path: str | Path) -> ParsedList:
    """Parse `path` (any of the three forms, optionally gzip'd) and check it; raises
    ListFormatError with the reason when it is not a usable list."""
    path = Path(path)
    if not path.is_file():
        raise ListFormatError(f"{path}: no such file")
    text = _decode(path)
    stripped = text.lstrip()
    if not stripped:
        raise ListFormatError(f"{path} is empty")
    list_date = None
    if stripped.startswith("{") and '"results"' in stripped[:4096] + stripped[-4096:]:
        try:
            doc = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise ListFormatError(
                f"{path} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
            raise ListFormatError(f"{path}: trade.gov JSON must have a 'results' list")
        parties, skipped = _collect(doc["results"], _from_api_row)
        fmt, list_date = "trade.gov-json", _api_date(doc)
    elif stripped.startswith("{"):
        parties, skipped = _read_jsonl(stripped)
        fmt = "jsonl"
    else:
        parties, skipped = _read_csv(stripped)
        fmt = "trade.gov-csv"
    check_sane(parties, skipped, str(path))
    return ParsedList(tuple(parties), fmt, list_date, skipped)


def check_sane(parties: list[Party], skipped: int, where: str) -> None:
    """Reject a list that cannot be the CSL: too few entries, too many nameless ones."""
    total = len(parties) + skipped
    if not parties:
        raise ListFormatError(f"{where} has no entries with a name and a list")
    if len(parties) < MIN_ENTRIES:
        raise ListFormatError(f"{where} has only {len(parties)} entries; the Consolidated "
                              f"Screening List has tens of thousands (at least {MIN_ENTRIES})")
    if skipped > MAX_BAD_SHARE * total:
        raise ListFormatError(f"{where}: {skipped:,} of {total:,} entries lack a name or list")


def counts_by_list(parties) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in parties:
        counts[p.list] = counts.get(p.list, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def party_to_row(p: Party) -> dict:
    """Our JSON-lines form of a party (the snapshot's line format)."""
    return {"name": p.name, "alt_names": list(p.alt_names), "list": p.list, "type": p.type,
            "countries": list(p.countries), "entity_number": p.entity_number,
            "license_requirement": p.license_requirement, "license_policy": p.license_policy,
            "programs": p.programs, "federal_register_notice": p.federal_register_notice,
            "source_list_url": p.source_list_url}
