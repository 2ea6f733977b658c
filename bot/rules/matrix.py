"""The verdict for one classification to every destination of the chart (`regbot rules matrix`).

Each destination is evaluated by the engine (every layer: ITAR, part 746, end use, the
chart), not by the § 738.4 procedure alone; the procedure's own summary is kept beside it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.records import Facts
from bot.rules.countries import country_name
from bot.rules.datasets import ClassificationError, determine, load_tables
from bot.rules.datasets.classification import parse_classification
from bot.rules.datasets.load import pinned
from bot.rules.engine import evaluate
from bot.rules.loader import load_rulebook


@dataclass(frozen=True)
class MatrixRow:
    code: str
    destination: str  # as the chart writes it
    status: str
    procedure: str  # the § 738.4 summary from the tables alone
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]

    def to_dict(self) -> dict:
        return {"code": self.code, "destination": self.destination, "status": self.status,
                "procedure": self.procedure, "reasons": list(self.reasons),
                "rule_ids": list(self.rule_ids)}


def classification_text(raw: str) -> str:
    """The classification as the engine reads it ("5a002" -> "5A002"); ClassificationError."""
    tables = load_tables()
    cls = parse_classification(raw, tables.entries, tables.ecfr_date)
    return cls.text


def verdict_matrix(classification: str, *, end_use: str | None = None,
                   as_of: date | None = None) -> list[MatrixRow]:
    """One row per chart destination, in chart order."""
    tables, rulebook = load_tables(), load_rulebook()
    text = classification_text(classification)
    day = as_of or date.today()
    rows = []
    with pinned():  # the tables' snapshot looked up once for the whole matrix
        for code, dest in tables.destinations.items():
            rows.append(_row(code, dest, day, text, end_use, tables, rulebook))
    return rows


def _row(code: str, dest, day: date, text: str, end_use: str | None, tables, rulebook
         ) -> MatrixRow:
    facts = Facts(as_of=day, destination=code, destination_name=country_name(code) or dest.name,
                  classification=text, end_use=end_use)
    verdict = evaluate(facts, rulebook)
    try:
        procedure = determine(text, dest, tables).summary
    except ClassificationError:  # pragma: no cover - parsed above
        procedure = "not_on_ccl"
    return MatrixRow(code, dest.name, str(verdict.status.value), procedure,
                     verdict.reasons, verdict.rule_ids)


__all__ = ["MatrixRow", "classification_text", "verdict_matrix"]
