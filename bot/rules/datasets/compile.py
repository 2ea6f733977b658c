"""Raw eCFR tables (../shared/ear) + our hand-cited sources -> the snapshot's records.

Pure: every function takes parsed JSON/YAML and returns records or plain data; `build.py`
does the reading and writing. Strict: a name that resolves to no destination, a cell no
parser reads, an unknown key in a source file -> `CompileError`, never a dropped row.
"""
from __future__ import annotations

import re
from typing import Callable

from bot.rules.datasets.cells import CellError, parse_right
from bot.rules.datasets.paragraphs import REASONS, parse_left, scope_of
from bot.rules.datasets.types import (CclEntry, ControlRow, Destination, Directive, Footnote,
                                      Item, LicenseException, Reference, Scope, Target)

Resolve = Callable[[str], str | None]       # a name as printed -> ISO code
Names = Callable[[str], list[str]]          # free text -> ISO codes named in it


class CompileError(ValueError):
    """The inputs cannot be compiled as they are; the message says where."""


def _strict(mapping: dict, allowed: set[str], where: str) -> None:
    unknown = set(mapping) - allowed
    if unknown:
        raise CompileError(f"{where}: unknown key(s) {sorted(unknown)}")


def reference(d: dict, where: str) -> Reference:
    _strict(d, {"citation", "source", "quote", "verified", "note", "to", "name",
                "requirement", "footnote", "section"}, where)
    for key in ("citation", "source", "quote", "verified"):
        if key not in d:
            raise CompileError(f"{where}: missing {key!r}")
    return Reference(d["citation"], d["source"], d["quote"], bool(d["verified"]),
                     " ".join(str(d.get("note", "")).split()))


def code_for(name: str, resolve: Resolve, where: str) -> str:
    code = resolve(name)
    if code is None:
        raise CompileError(f"{where}: {name!r} is no destination in bot/rules/countries.yaml")
    return code


def destinations(chart: dict, directions: dict, resolve: Resolve) -> list[Destination]:
    """Every chart row, the "see part 746" rows, and the directed places (Hong Kong)."""
    out: dict[str, Destination] = {}
    columns = chart["columns"]
    for name, row in chart["rows"].items():
        code = code_for(name, resolve, "country-chart.json rows")
        x = tuple(c for c in columns if c in row["x"])
        if len(x) != len(row["x"]):
            raise CompileError(f"{name}: unknown column in {row['x']}")
        out[code] = Destination(code, name, "row", x, tuple(sorted(row["footnotes"])))
    for name, cell in chart["see_other_part"].items():
        code = code_for(name, resolve, "country-chart.json see_other_part")
        out[code] = Destination(code, name, "see_other_part", see_other_part=cell)
    for code, d in directions.items():
        where = f"references.yaml directions.{code}"
        directive = Directive(d["to"], reference(d, where))
        if d["to"] not in out:
            raise CompileError(f"{where}: {d['to']} has no row")
        if code in out:
            out[code] = Destination(**{**out[code].__dict__, "directive": directive})
        else:
            out[code] = Destination(code, d.get("name") or code, "directed", directive=directive)
    return sorted(out.values(), key=lambda d: (d.name.casefold(), d.code))


def groups(raw: dict, resolve: Resolve) -> dict[str, dict[str, list[str]]]:
    """Country Groups -> {group: {"codes": [...], "printed": [...]}} (names as printed)."""
    out = {}
    for group, names in raw["groups"].items():
        codes = [code_for(n, resolve, f"country-groups.json {group}") for n in names]
        out[group] = {"codes": sorted(set(codes)), "printed": list(names)}
    return out


def _target(d: dict, where: str) -> Target:
    _strict(d, {"eccn", "paragraphs", "except", "condition"}, where)
    eccn = d["eccn"]
    if "condition" in d:  # "except for ..." excludes part of the entry; else it limits it
        if d["condition"].startswith("except"):
            return Target(eccn, Scope("entire_except", condition=d["condition"]))
        return Target(eccn, scope_of(d["condition"], eccn))
    if "paragraphs" in d:
        return Target(eccn, Scope("paragraphs", tuple(d["paragraphs"])))
    if "except" in d:
        return Target(eccn, Scope("entire_except", excepted=tuple(d["except"])))
    return Target(eccn, Scope("entire"))


def footnotes(raw: dict[str, str], curated: dict) -> list[Footnote]:
    """The chart's footnotes, verbatim, each with its curated classification."""
    out = []
    for number, text in sorted(raw.items(), key=lambda kv: int(kv[0])):
        d = curated.get(int(number))
        where = f"footnotes.yaml {number}"
        if d is None:
            raise CompileError(f"{where}: footnote {number} is not classified")
        _strict(d, {"kind", "effect", "applies_to", "targets", "column", "see", "quote",
                    "question"}, where)
        if d["quote"] not in text:
            raise CompileError(f"{where}: quote is not in the footnote's text")
        if d["effect"] not in ("check", "requires", "directs") or \
                d["applies_to"] not in ("targets", "ccl", "all"):
            raise CompileError(f"{where}: bad effect/applies_to")
        targets = tuple(_target(t, where) for t in d.get("targets", ()))
        out.append(Footnote(int(number), text, d["kind"], d["effect"], d["applies_to"],
                            targets, d.get("column", ""), tuple(d.get("see", ())),
                            " ".join(d["question"].split()), d["quote"]))
    return out


_RFC = re.compile(r"\b(" + "|".join(REASONS) + r")\b")


def _exceptions(raw: dict[str, str], sections: dict[str, str]) -> tuple[LicenseException, ...]:
    out = []
    for code, printed in raw.items():
        text = " ".join(printed.split())
        bare = text.rstrip(".")
        if bare in ("N/A", "No"):
            available = "no"
        elif bare in ("Yes",) or bare.startswith("$") or re.match(r"^Yes, see §", bare):
            available = "yes"
        elif bare.startswith(("Yes", "N/A")):
            available = "partly"
        else:
            available = "see"
        section = sections.get(code) or next(iter(re.findall(r"§ 740\.\d+", text)), "")
        out.append(LicenseException(code, printed, available, section))
    return tuple(out)


def _flags(eccn: str, rows: tuple[ControlRow, ...], items: tuple[Item, ...],
           reasons: tuple[str, ...], heading: str) -> tuple[str, ...]:
    paragraphs = {p for r in rows for p in r.scope.paragraphs + r.scope.excepted}
    paragraphs |= {i.paragraph for i in items if i.depth == 1}
    flags = {
        "600_series": bool(re.match(r"^\d[A-E]6\d\d$", eccn)),
        "9x515": bool(re.match(r"^\d[A-E]515$", eccn)),
        "0x5zz_firearms": bool(re.match(r"^0[A-E]50\d$", eccn)),
        "x521": eccn[2:] == "521",
        "y_paragraph": any(p.split(".")[0] == "y" for p in paragraphs),
        "z_paragraph": any(p.split(".")[0] == "z" for p in paragraphs),
        "ei": "EI" in reasons,
        "short_supply": "SS" in reasons,
        "itar_note": "subject to the ITAR" in heading,
        "no_license_table": not rows,
    }
    return tuple(sorted(k for k, v in flags.items() if v))


def items(raw: dict) -> tuple[Item, ...]:
    """The List of Items Controlled, as printed (categories 1, 3, 4 and 5 only)."""
    return tuple(Item(i["paragraph"] or "", int(i["depth"]), i["text"])
                 for i in raw.get("items") or ())


def entry(raw: dict, columns: tuple[str, ...], names: Names,
          sections: dict[str, str]) -> CclEntry:
    """One ECCN line of ccl.jsonl -> CclEntry, every License Requirements row parsed."""
    eccn = raw["eccn"]
    rows = []
    for number, cell in enumerate(raw["controls"], 1):
        try:
            reasons, scope = parse_left(cell["control"], eccn)
            requirement = parse_right(cell["country_chart"], reasons, columns, names)
        except (ValueError, CellError) as exc:
            raise CompileError(f"ccl.jsonl {eccn} row {number}: {exc}") from exc
        rows.append(ControlRow(number, reasons, cell["control"], cell["country_chart"], scope,
                               requirement))
    reasons = tuple(dict.fromkeys(_RFC.findall(raw["reason_for_control"] or "")
                                  + [r for row in rows for r in row.reasons]))
    return CclEntry(eccn, raw["heading"], raw["reason_for_control"], reasons, tuple(rows),
                    _exceptions(raw["license_exceptions"], sections),
                    _flags(eccn, tuple(rows), items(raw), reasons, raw["heading"]),
                    raw["related_controls"], raw["sta_special_conditions"])
