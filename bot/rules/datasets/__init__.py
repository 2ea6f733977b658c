"""The EAR's own tables as a shipped, dated dataset, and the § 738.4 procedure over them.

Public API (the engine's layers call these):
    load_tables(path=None, as_of=None) -> Tables      the snapshot in force on as_of, else the newest (cached)
    resolve_destination(text, tables) -> Destination | NotInChart
    parse_classification(text, known_eccns=None) -> Classification   (ClassificationError)
    determine(classification, destination, tables) -> Determination  one per ECCN x place
    matrix(classification, tables) -> {ISO code: Determination}      every destination
    find_candidates(words, tables) -> ItemSearch                      everyday words -> ECCNs
    render_chart_row / render_control_row / evidence_lines / verify_*  (evidence.py)

Build the snapshot with `python -m bot.rules.datasets.build ../shared/ear` (`make tables`).
"""
from __future__ import annotations

from bot.rules.datasets.classification import (Classification, ClassificationError,
                                               parse_classification)
from bot.rules.datasets.load import Tables, TablesError, load_tables, snapshot_dates
from bot.rules.datasets.procedure import determine, matrix, resolve_destination
from bot.rules.datasets.results import (ChartCell, Determination, ExceptionNote,
                                        FootnoteFinding, RowResult)
from bot.rules.datasets.types import (CclEntry, ControlRow, Destination, Footnote, NotInChart,
                                      Reference)

__all__ = [
    "CclEntry", "ChartCell", "Classification", "ClassificationError", "ControlRow",
    "Destination", "Determination", "ExceptionNote", "Footnote", "FootnoteFinding",
    "NotInChart", "Reference", "RowResult", "Tables", "TablesError", "determine",
    "find_candidates", "load_tables", "matrix", "parse_classification",
    "resolve_destination", "snapshot_dates",
]


def __getattr__(name: str):  # the search imports bm25s: only when asked for
    if name == "find_candidates":
        from bot.rules.datasets.search import find_candidates
        return find_candidates
    raise AttributeError(name)
