"""Compile ../shared/ear into the snapshot the package ships.

    python -m bot.rules.datasets.build [../shared/ear] [--out DIR] [--check]

Writes `bot/rules/data/ear/<eCFR date>/`: destinations.json, groups.json, chart.json
(columns + footnotes), ccl.jsonl (one ECCN a line), items.jsonl (the List of Items
Controlled, read only by the search), references.json, synonyms.json and
provenance.json (source, eCFR date, sha256 of every input, counts, builder version).
Deterministic: sorted keys, no timestamps, so building twice gives identical bytes.
`--check` builds into memory and exits 1 if the shipped snapshot differs.
Exit codes: 0 ok; 1 snapshot differs (--check); 2 unreadable or uncompilable inputs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import yaml

from bot.rules.countries import find_countries
from bot.rules.datasets import compile as c
from bot.rules.datasets.types import to_json

BUILDER_VERSION = "1"
PACKAGE = Path(__file__).resolve().parent
SOURCES = PACKAGE / "sources"
DATA = PACKAGE.parent / "data" / "ear"
REPO = PACKAGE.parents[2]
DEFAULT_EAR = REPO.parent / "shared" / "ear"
EAR_FILES = ("country-chart.json", "country-groups.json", "ccl.jsonl")
SOURCE_FILES = ("references.yaml", "footnotes.yaml", "synonyms.yaml")


def exact_code(name: str) -> str | None:
    """The destination a name printed in the tables means (whole-name match only)."""
    whole = [m for m in find_countries(name) if m.start == 0 and m.end == len(name)]
    return whole[0].code if whole else None


def named_codes(text: str) -> list[str]:
    """Destinations a sentence names, in order ("the United States" is never one)."""
    return list(dict.fromkeys(m.code for m in find_countries(text) if m.code != "US"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _dump(obj) -> bytes:
    return (json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()


def _line(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() \
        + b"\n"


def check_quote(shared: Path, source: str, quote: str, where: str) -> None:
    """A hand-cited quote must be a verbatim span of its ../shared file."""
    path = shared / source
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise c.CompileError(f"{where}: cannot read {path}: {exc}") from exc
    if quote in text or (path.suffix in (".json", ".jsonl") and
                         any(quote in value for value in _json_strings(text))):
        return
    raise c.CompileError(f"{where}: quote not verbatim in {source}: {quote[:70]!r}")


def _json_strings(text: str):
    """Every string value of a JSON or JSON-lines file (a quote may sit in an escaped one)."""
    def walk(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for v in node.values():
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for doc in docs:
        yield from walk(doc)


def _references(refs: dict, shared: Path) -> dict:
    """references.yaml -> the JSON the loader reads (quotes checked, UN list resolved)."""
    c._strict(refs, {"directions", "un_arms_embargo", "ru_by", "license_exceptions"},
              "references.yaml")
    for code, d in refs["directions"].items():
        check_quote(shared, d["source"], d["quote"], f"directions.{code}")
    un = refs["un_arms_embargo"]
    check_quote(shared, un["source"], un["quote"], "un_arms_embargo")
    check_quote(shared, un["source"], un["requirement"], "un_arms_embargo.requirement")
    ru = refs["ru_by"]
    check_quote(shared, ru["source"], ru["quote"], "ru_by")
    sections = {}
    for code, d in refs["license_exceptions"].items():
        check_quote(shared, d["source"], d["quote"], f"license_exceptions.{code}")
        sections[code] = d["section"]
    listed = named_codes(un["quote"].split(":", 1)[1])
    return {
        "un_arms_embargo": {"codes": listed,
                            "reference": to_json(c.reference(un, "un_arms_embargo")),
                            "requirement": un["requirement"]},
        "ru_by": {"footnote": int(ru["footnote"]),
                  "reference": to_json(c.reference(ru, "ru_by"))},
        "license_exceptions": {code: {"section": d["section"],
                                      "reference": to_json(c.reference(
                                          {**d, "citation": f"15 CFR {d['section'][2:]}",
                                           "verified": True}, code))}
                               for code, d in refs["license_exceptions"].items()},
    }, sections


def compile_snapshot(ear: Path) -> dict[str, bytes]:
    """Every file of the snapshot, as bytes, from `ear` (../shared/ear) and our sources."""
    shared = ear.parent
    chart = json.loads((ear / "country-chart.json").read_text(encoding="utf-8"))
    raw_groups = json.loads((ear / "country-groups.json").read_text(encoding="utf-8"))
    ccl = [json.loads(line) for line in
           (ear / "ccl.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    refs = yaml.safe_load((SOURCES / "references.yaml").read_text(encoding="utf-8"))
    curated = yaml.safe_load((SOURCES / "footnotes.yaml").read_text(encoding="utf-8"))
    synonyms = yaml.safe_load((SOURCES / "synonyms.yaml").read_text(encoding="utf-8"))
    if chart["ecfr_date"] != raw_groups["ecfr_date"]:
        raise c.CompileError("country-chart.json and country-groups.json differ in ecfr_date")
    references, sections = _references(refs, shared)
    dests = c.destinations(chart, refs["directions"], exact_code)
    groups = c.groups(raw_groups, exact_code)
    notes = c.footnotes(chart["footnotes"], curated)
    columns = tuple(chart["columns"])
    ccl.sort(key=lambda r: r["eccn"])
    entries = [c.entry(r, columns, named_codes, sections) for r in ccl]
    known = {e.eccn for e in entries}
    bad = sorted({e for eccns in synonyms.values() for e in eccns
                  if e not in known and e != "EAR99"} |
                 {t.eccn for n in notes for t in n.targets if t.eccn not in known})
    if bad:
        raise c.CompileError(f"synonyms.yaml / footnotes.yaml name ECCNs not on the CCL: {bad}")
    files = {
        "destinations.json": _dump({"regulation": chart["regulation"],
                                    "destinations": to_json(dests)}),
        "groups.json": _dump({"regulation": raw_groups["regulation"], "groups": groups}),
        "chart.json": _dump({"regulation": chart["regulation"], "columns": list(columns),
                             "footnotes": to_json(notes)}),
        "ccl.jsonl": b"".join(_line(to_json(e)) for e in entries),
        "items.jsonl": b"".join(_line({"eccn": r["eccn"], "items": to_json(c.items(r))})
                                for r in ccl),
        "references.json": _dump(references),
        "synonyms.json": _dump({w.lower(): list(v) for w, v in sorted(synonyms.items())}),
    }
    files["provenance.json"] = _dump(_provenance(ear, chart, dests, groups, notes, entries))
    return files


def _provenance(ear: Path, chart: dict, dests, groups, notes, entries) -> dict:
    rows = [r for e in entries for r in e.rows]
    counts = Counter({
        "destinations": len(dests),
        "destinations.row": sum(d.kind == "row" for d in dests),
        "destinations.see_other_part": sum(d.kind == "see_other_part" for d in dests),
        "destinations.directed": sum(d.directive is not None for d in dests),
        "columns": len(chart["columns"]),
        "groups": len(groups),
        "group_memberships": sum(len(g["codes"]) for g in groups.values()),
        "eccns": len(entries),
        "eccns.without_license_table": sum(not e.rows for e in entries),
        "license_requirement_rows": len(rows),
        "footnotes": len(notes),
    })
    counts.update(f"rows.{r.requirement.kind}" for r in rows)
    counts.update(f"scopes.{r.scope.kind}" for r in rows)
    inputs = [(f"ear/{name}", _sha256(ear / name)) for name in EAR_FILES]
    inputs += [(f"bot/rules/datasets/sources/{name}", _sha256(SOURCES / name))
               for name in SOURCE_FILES]
    return {
        "source": "eCFR, Title 15: part 738 Supp. No. 1 (Commerce Country Chart), part 740 "
                  "Supp. No. 1 (Country Groups), part 774 Supp. No. 1 (Commerce Control List)"
                  ", as parsed into ../shared/ear (see its README)",
        "ecfr_date": chart["ecfr_date"],
        "builder_version": BUILDER_VERSION,
        "inputs": dict(inputs),
        "counts": dict(counts),
        "notes": [
            "Names are resolved to ISO codes through bot/rules/countries.yaml.",
            "Hand-cited values (directions, § 746.1(b) list, licence exception sections, "
            "footnote classes, everyday-word synonyms) come from bot/rules/datasets/sources.",
            "As printed in the source: footnote 8 sits on Pakistan's row and its text is "
            "footnote 9's (regions of Ukraine); 1C351's AT row reads 'Column 1.'; 0A617's UN "
            "pointer cites § 764.1(b); 1D018's MT row names no column; 70 ECCNs carry no "
            "License Requirements table (ITAR headings, short supply, reserved entries).",
        ],
    }


def write(files: dict[str, bytes], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    for stale in out.iterdir():
        if stale.name not in files:
            stale.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.rules.datasets.build",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("ear", nargs="?", type=Path, default=DEFAULT_EAR,
                        help="the ../shared/ear folder")
    parser.add_argument("--out", type=Path, help="output folder (default: the package's)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the shipped snapshot instead of writing")
    args = parser.parse_args(argv)
    try:
        files = compile_snapshot(args.ear)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot build the EAR tables from {args.ear}: {exc}", file=sys.stderr)
        return 2
    date = json.loads(files["provenance.json"])["ecfr_date"]
    out = args.out or DATA / date
    if args.check:
        differ = [n for n, data in files.items()
                  if not (out / n).is_file() or (out / n).read_bytes() != data]
        if differ:
            print(f"snapshot {out} differs from a fresh build: {', '.join(differ)} "
                  "(run `make tables`)", file=sys.stderr)
            return 1
        print(f"snapshot {out} matches a fresh build")
        return 0
    write(files, out)
    print(f"wrote {len(files)} files to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
