"""The rulebook audit (`regbot rules audit`): every rule value and catalogue candidate with its
interval, citation, source, verified flag and whether its quote is found verbatim.

A value fails the audit when its quote is not a verbatim span of its source file, when it is
marked verified but its source is commentary or news rather than primary text (a Federal
Register rule or the regulation itself), when it is marked verified with no quote, or when it
is unverified without a note saying what is missing. A rule fails when two of its values
overlap or leave a gap between them.

Sources are read by path under ../shared (`bot.rules.loader.SHARED_ROOTS`): a bare file name
is in `corpus/`; `scale/` and `ear/` hold government text only (see their READMEs). A corpus
file is primary when its `.meta.json` says `final_rule` or `regulation_text`. Quotes are
compared with the raw UTF-8 text of the file, character for character.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from bot.rules.loader import Rule, Rulebook

PRIMARY_TYPES = frozenset({"final_rule", "regulation_text"})
GOVERNMENT_ROOTS = ("scale/", "ear/")  # folders of ../shared holding regulation text only


@dataclass(frozen=True)
class AuditRow:
    """One rule value (or catalogue candidate) and what the audit found about it."""

    rule_id: str
    valid_from: date | None
    valid_until: date | None
    value: Any
    citation: str
    source: str | None
    verified: bool
    quote_found: bool | None  # None: the value has no quote
    primary: bool | None  # None: the value has no source
    note: str | None
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id,
                "from": self.valid_from.isoformat() if self.valid_from else None,
                "until": self.valid_until.isoformat() if self.valid_until else None,
                "value": self.value, "citation": self.citation, "source": self.source,
                "verified": self.verified, "quote_found": self.quote_found,
                "primary": self.primary, "note": self.note, "problems": list(self.problems)}


@dataclass(frozen=True)
class Audit:
    rows: tuple[AuditRow, ...]
    rule_problems: tuple[str, ...] = ()  # overlapping or gapped intervals
    shared: str = ""
    version: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def problems(self) -> tuple[str, ...]:
        return self.rule_problems + tuple(f"{r.rule_id}: {p}" for r in self.rows for p in r.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "rulebook_version": self.version, "shared": self.shared,
                "counts": self.counts, "problems": list(self.problems),
                "values": [r.to_dict() for r in self.rows]}


# --------------------------------------------------------------------------- sources


def source_path(source: str, shared: Path) -> Path:
    """Where a rulebook `source` lies: a bare name in shared/corpus, a path under shared."""
    return shared / source if "/" in source else shared / "corpus" / source


@lru_cache(maxsize=64)
def _raw_text(path: str, stamp: float) -> str:
    return Path(path).read_bytes().decode("utf-8")


def raw_text(path: Path) -> str | None:
    """The file's own UTF-8 text (not a reader's rendering), or None when unreadable."""
    try:
        return _raw_text(str(path), path.stat().st_mtime)
    except (OSError, UnicodeDecodeError):
        return None


def is_primary(source: str, shared: Path) -> bool:
    """Federal Register or CFR text: everything under scale/ and ear/, and corpus files whose
    sidecar says final_rule or regulation_text (commentary, news and blogs are not)."""
    if source.startswith(GOVERNMENT_ROOTS):
        return True
    path = source_path(source, shared)
    meta = path.with_name(path.name + ".meta.json")
    try:
        kind = json.loads(meta.read_text(encoding="utf-8")).get("document_type")
    except (OSError, ValueError, AttributeError):
        return False
    return kind in PRIMARY_TYPES


# --------------------------------------------------------------------------- checks


def interval_problems(rule: Rule) -> list[str]:
    """Overlapping or gapped periods between the values of one rule (sorted by start)."""
    problems = []
    ordered = sorted(rule.values, key=lambda v: v.valid_from)
    for before, after in zip(ordered, ordered[1:]):
        if before.valid_until is None or before.valid_until >= after.valid_from:
            problems.append(f"{rule.id}: overlapping periods (a value from {before.valid_from} "
                            f"until {before.valid_until or 'open'}, another from "
                            f"{after.valid_from})")
        elif before.valid_until + timedelta(days=1) < after.valid_from:
            problems.append(f"{rule.id}: gap between {before.valid_until} and "
                            f"{after.valid_from} (no value holds in between)")
    return problems


def _row(rule_id: str, ref, shared: Path, value: Any, start: date | None,
         end: date | None) -> AuditRow:
    problems: list[str] = []
    found = primary = None
    if ref.source:
        primary = is_primary(ref.source, shared)
        path = source_path(ref.source, shared)
        text = raw_text(path)
        if text is None:
            problems.append(f"source {ref.source} not found under {shared}")
            found = False
        else:
            found = bool(ref.quote) and ref.quote in text
            if not found:
                problems.append(f"quote not found verbatim in {ref.source}")
    if ref.verified and not ref.quote:
        problems.append("marked verified but has no quote")
    if ref.verified and ref.source and not primary:
        problems.append(f"marked verified but its source {ref.source} is commentary or news, "
                        f"not primary text")
    if not ref.verified and not (ref.note or "").strip():
        problems.append("unverified without a note saying what is missing")
    return AuditRow(rule_id=rule_id, valid_from=start, valid_until=end, value=value,
                    citation=ref.citation, source=ref.source, verified=ref.verified,
                    quote_found=found, primary=primary, note=ref.note, problems=tuple(problems))


def _rows(rulebook: Rulebook, shared: Path) -> Iterator[AuditRow]:
    for rule in sorted(rulebook.rules.values(), key=lambda r: r.id):
        for value in rule.values:
            yield _row(rule.id, value, shared, value.value, value.valid_from, value.valid_until)
    for item in rulebook.items:
        for cand in item.candidates:
            yield _row(f"item {item.id}/{cand.classification}", cand, shared,
                       cand.classification, None, None)


def audit(rulebook: Rulebook, shared: Path) -> Audit:
    """Audit every value of `rulebook` against the files under `shared` (../shared)."""
    rows = tuple(_rows(rulebook, shared))
    rule_problems = tuple(p for rule in sorted(rulebook.rules.values(), key=lambda r: r.id)
                          for p in interval_problems(rule))
    counts = {"rules": len(rulebook.rules), "values": len(rows),
              "verified": sum(r.verified for r in rows),
              "unverified": sum(not r.verified for r in rows),
              "quotes_found": sum(bool(r.quote_found) for r in rows),
              "without_quote": sum(r.quote_found is None for r in rows)}
    return Audit(rows=rows, rule_problems=rule_problems, shared=str(shared),
                 version=rulebook.version, counts=counts)
