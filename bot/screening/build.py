"""Build the shipped screening snapshot from a Consolidated Screening List file.

    python -m bot.screening.build ../shared/screening/csl.jsonl [--list-date 2026-07-31]

Writes `bot/screening/data/csl.jsonl.gz` (our JSON-lines form, gzip without a timestamp, so the
same input always gives the same bytes) and `csl.provenance.json` (list date, source, sha256 of
the input, entries and counts per list). The list date comes from --list-date, else the file
itself (trade.gov JSON), else the "(YYYY-MM-DD)" in the first line of a README.md beside it.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from bot.screening.formats import ListFormatError, read_list
from bot.screening.store import DATA_DIR, _file_sha256, provenance, snapshot_bytes

SOURCE = ("U.S. Consolidated Screening List (Departments of Commerce, State and the Treasury), "
          "trade.gov bulk download")


def _readme_date(path: Path) -> str | None:
    readme = path.parent / "README.md"
    if not readme.is_file():
        return None
    first = readme.read_text(encoding="utf-8").splitlines()[:1]
    m = re.search(r"\((\d{4}-\d{2}-\d{2})\)", first[0]) if first else None
    return m.group(1) if m else None


def build_snapshot(source: Path, out_dir: Path = DATA_DIR, list_date: str | None = None
                   ) -> tuple[bytes, dict]:
    """The snapshot bytes and provenance for `source` (nothing is written)."""
    parsed = read_list(source)
    if list_date:
        basis = "given (--list-date)"
    elif parsed.list_date:
        list_date, basis = parsed.list_date, "the file's sources_used"
    elif (list_date := _readme_date(source)):
        basis = f"{source.parent.name}/README.md"
    else:
        raise ListFormatError(f"cannot tell the list date of {source}: pass --list-date")
    meta = provenance(parsed, list_date=list_date, source=f"{SOURCE}, as {source.parent.name}/"
                      f"{source.name}", input_sha256=_file_sha256(source), date_basis=basis)
    return snapshot_bytes(parsed.parties), meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.screening.build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="csl.jsonl, trade.gov consolidated.json or .csv")
    parser.add_argument("--list-date", default=None, help="YYYY-MM-DD the list was published")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder to write into")
    args = parser.parse_args(argv)
    try:
        data, meta = build_snapshot(args.source, args.out, args.list_date)
    except ListFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "csl.jsonl.gz").write_bytes(data)
    (args.out / "csl.provenance.json").write_text(json.dumps(meta, indent=2) + "\n",
                                                  encoding="utf-8")
    print(f"{meta['entries']:,} entries on {len(meta['counts'])} lists, list date "
          f"{meta['list_date']} -> {args.out}/csl.jsonl.gz ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
