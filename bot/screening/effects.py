"""What a hit means: `effect_of(hit) -> Effect`, from `effects.yaml` (one row per list).

The verdict step turns an Effect into a status: Entity List -> licence required as the entry's
License Requirement says (its License Policy quoted); Denied Persons -> prohibited (General
Prohibition Four, § 736.2(b)(4)); SDN -> prohibited (OFAC); MEU -> licence required for Supp.
No. 2 items (§ 744.21(b)); Unverified List -> depends (UVL statement, no licence exceptions,
§ 744.15); other lists -> depends with the list's effect. A near match is always `depends`.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import yaml

from bot.screening.records import Effect, Hit, Reference

EFFECTS_FILE = Path(__file__).resolve().parent / "effects.yaml"
STATUSES = ("prohibited", "license_required", "depends")
_CODE = re.compile(r"\(([A-Z][A-Z-]*)(?: List)?\)")


def list_code(list_name: str) -> str:
    """'Entity List (EL) - Bureau of Industry and Security' -> 'EL'; unknown -> 'OTHER'."""
    m = _CODE.search(list_name or "")
    code = m.group(1) if m else "OTHER"
    return code if code in _table() else "OTHER"


@lru_cache(maxsize=1)
def _table() -> dict[str, dict]:
    data = yaml.safe_load(EFFECTS_FILE.read_text(encoding="utf-8"))
    table = data["lists"]
    for code, row in table.items():
        if row.get("status") not in STATUSES:
            raise ValueError(f"{EFFECTS_FILE}: {code} has status {row.get('status')!r}")
        for ref in row.get("references", []):
            if not ref.get("citation") or not ref.get("source") or not ref.get("quote"):
                raise ValueError(f"{EFFECTS_FILE}: {code} has a reference without "
                                 f"citation, source and quote")
    return table


def list_name(code: str) -> str:
    """'Entity List (Supp. No. 4 to part 744)' for 'EL' (the table's name for the list)."""
    row = _table().get(code) or _table()["OTHER"]
    return row["name"]


def list_effects() -> dict[str, Effect]:
    """The effect of a hit on each list, without an entry's own columns."""
    return {code: _effect(code, None) for code in _table()}


def _effect(code: str, hit: Hit | None) -> Effect:
    row = _table()[code]
    refs = tuple(Reference(r["citation"], r["source"], r["quote"]) for r in row["references"])
    party = hit.party if hit is not None else None
    columns = bool(row.get("entry_columns")) and party is not None
    status = row["status"]
    if hit is not None and hit.band == "near":
        status = "depends"  # "confirm the buyer is not <entry>"
    return Effect(
        list_code=code, status=status, summary=" ".join(row["summary"].split()),
        references=refs, scope=row.get("scope"),
        license_requirement=party.license_requirement if columns else None,
        license_policy=party.license_policy if columns else None,
        no_license_exceptions=bool(row.get("no_license_exceptions")))


def effect_of(hit: Hit) -> Effect:
    """The effect of `hit` (a near match is `depends`: confirm the buyer is not the entry)."""
    return _effect(list_code(hit.party.list), hit)


def check_quotes(shared: Path) -> list[str]:
    """Every reference's quote that is NOT a verbatim span of its source under `shared`
    (as 'CODE citation: reason'); empty when all are."""
    problems: list[str] = []
    rows_cache: dict[Path, list[dict]] = {}
    for code, row in _table().items():
        for ref in row["references"]:
            path_part, _, section = ref["source"].partition("#")
            path = shared / path_part
            if not path.is_file():
                problems.append(f"{code} {ref['citation']}: {path} not found")
                continue
            if section:
                rows = rows_cache.setdefault(path, json.loads(path.read_text("utf-8"))["rows"])
                texts = [r["text"] for r in rows if r.get("section_id") == section]
            else:
                texts = [path.read_bytes().decode("utf-8")]
            if not any(ref["quote"] in t for t in texts):
                problems.append(f"{code} {ref['citation']}: quote not verbatim in {ref['source']}")
    return problems
