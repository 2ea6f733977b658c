"""The everyday-words grid (issue 9): "Can we sell X to a private company in Y?" over 30
destinations x 10 everyday items, through the rules alone (facts -> engine; no index, no
embedding model), so it runs in seconds and measures what the engine decides.

    python -m bot.eval.grid [tests/grid/grid.yaml] [--json]

Figures: the share of answers that are `cannot_determine` (target <= 10 %), verdict
accuracy against the hand-written labels, and false "no licence required" (an answer of
no_license_required where the label is anything else; must be 0).
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

GRID = Path(__file__).resolve().parents[2] / "tests" / "grid" / "grid.yaml"
TARGET_CANNOT_DETERMINE = 0.10


@dataclass(frozen=True)
class GridRow:
    id: str
    question: str
    expected: str
    answered: str
    destination: str | None


@dataclass(frozen=True)
class GridFigures:
    n: int
    cannot_determine: int
    cannot_determine_share: float
    accuracy: float
    false_no_license_required: tuple[str, ...]
    answered: dict[str, int]
    expected: dict[str, int]
    rows: tuple[GridRow, ...]


def run_grid(path: Path | str = GRID, today: date | None = None) -> GridFigures:
    """Every grid item through `extract_facts` and `evaluate`; the figures."""
    from bot.eval.gold import load_gold
    from bot.rules import evaluate, extract_facts, load_rulebook

    rulebook = load_rulebook()
    gold = load_gold([Path(path)])
    rows = []
    for item in gold.items:
        day = item.as_of or today or date.today()
        facts = extract_facts(item.question, day, rulebook=rulebook)
        verdict = evaluate(facts, rulebook)
        rows.append(GridRow(item.id, item.question, item.status, verdict.status.value,
                            facts.destination))
    n = len(rows)
    cd = sum(r.answered == "cannot_determine" for r in rows)
    return GridFigures(
        n=n, cannot_determine=cd, cannot_determine_share=round(cd / n, 4) if n else 0.0,
        accuracy=round(sum(r.answered == r.expected for r in rows) / n, 4) if n else 0.0,
        false_no_license_required=tuple(r.id for r in rows if r.answered ==
                                        "no_license_required" != r.expected),
        answered=dict(Counter(r.answered for r in rows)),
        expected=dict(Counter(r.expected for r in rows)), rows=tuple(rows))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    paths = [a for a in args if a != "--json"]
    figures = run_grid(paths[0] if paths else GRID)
    if as_json:
        print(json.dumps(asdict(figures), indent=2))
    else:
        print(f"grid items: {figures.n}")
        print(f"cannot_determine: {figures.cannot_determine} "
              f"({figures.cannot_determine_share:.1%}; target <= {TARGET_CANNOT_DETERMINE:.0%})")
        print(f"verdict accuracy against the labels: {figures.accuracy:.1%}")
        print(f"false no_license_required: {len(figures.false_no_license_required)}")
        print(f"answered: {figures.answered}")
        print(f"labelled: {figures.expected}")
        misses = Counter((r.expected, r.answered) for r in figures.rows if r.expected != r.answered)
        for (want, got), k in sorted(misses.items()):
            print(f"  label {want} -> answered {got}: {k}")
    return 1 if figures.false_no_license_required or \
        figures.cannot_determine_share > TARGET_CANNOT_DETERMINE else 0


if __name__ == "__main__":
    sys.exit(main())
