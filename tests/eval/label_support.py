"""The `support` labels of the gold determinations, derived by written rules from each item's
facts, date and status — never from what regbot answers (issue 12: citation precision).

`sources` say what retrieval should find (news and commentary included); `support` says what a
determination's shown quotes may rest on: the primary provisions the law's answer rests on, at
the level of the provision (any sentence of the section; a table row by its citation). Rules:

R0  every primary file among `sources` (final rules, regulation text), without its quote;
    news and commentary are dropped (issue 12: never support for a verdict).
R1  USML to Cambodia on or after 2025-11-07 (not prohibited): the BIS rule of 2026-02-03, the primary text
    that records the State Department's removal of Cambodia from § 126.1 that day.
R2  USML to a § 126.1 country (Cambodia from 2021-12-09 to 2025-11-06): 22 CFR 126.1.
R3  an ECCN the answer classifies by the Country Chart (no licence, or depends): the CCL entry
    (its reasons-for-control row, and its heading in the CCL excerpt) and the destination's
    Country Chart row; a `depends` also § 744.21 (its military branch).
R4  a 600-series item: 15 CFR 742.4 (NS licence requirement, D:5 policy), the 9A610 CCL entry
    and the chart row; Cambodia on or after 2025-11-07 also the BIS rule of 2026-02-03; a
    § 126.1 country also 22 CFR 126.1 (Country Group D:5 is the § 126.1 list, by its Note).
    "Aircraft parts" may be 9A610 or 9A991; "military aircraft" and "helicopters" for an army
    may be USML VIII or 9A610.
R5  a military end use or user: 15 CFR 744.21; military intelligence: 15 CFR 744.22; Cambodia
    between 2021-12-09 and 2024-03-14: the 2024 Nicaragua rule, which quotes the (a)(1) list.
R6  an embargoed destination (Cuba, Iran, North Korea, Syria): 15 CFR 746.1; USML or aircraft
    parts to Cuba or North Korea also 22 CFR 126.1.

`python tests/eval/label_support.py --write` adds the labels to tests/gold/*/*.yaml (an item
whose support equals its sources gets none); `--check` (run by the tests) fails when a label
differs from what these rules give.
"""
from __future__ import annotations

import json
import re
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from bot.eval.gold import GoldItem, SourceRef, load_gold  # noqa: E402
from regbot_paths import CORPUS  # noqa: E402  (../shared/corpus, or REGBOT_SHARED's)
PRIMARY_TYPES = ("final_rule", "regulation_text")
BIS_2026 = "2026-02-03_bis_ear-conforming-change-cambodia.md"
NI_2024 = "2024-03-15_bis_ear-nicaragua-restrictive-treatment.md"
F126_1 = "2025-01-24_ecfr_22cfr126.1_historical-pre-2025-amendments.md"
F742_4 = "2026-02-10_ecfr_15cfr742.4_national-security-licensing-policy.md"
F744_21 = "2026-02-10_ecfr_15cfr744.21_military-end-use-user.md"
F744_22 = "2026-02-10_ecfr_15cfr744.22_military-intelligence-end-use-user.md"
F746_1 = "2026-02-10_ecfr_15cfr746.1_embargoes-introduction.md"
CCL_TEXT = "2026-09-01_ecfr_ccl-usml-fragments_excerpt.md"
TODAY = date(2026, 12, 2)  # an item without as_of is asked today
REMOVED = date(2025, 11, 7)  # Cambodia leaves § 126.1
LISTED = date(2021, 12, 9)  # Cambodia joins § 126.1 and § 744.21(a)(1)
NICARAGUA_RULE = date(2024, 3, 15)
ITAR_126_1 = {"CN", "VE", "NI", "RU", "KP", "CU", "MM", "IR", "SY", "BY"}
EMBARGOED = {"CU", "IR", "KP", "SY"}
# items named without an ECCN: the CCL entry their words describe (CCL: "other avionic equipment")
ITEM_ECCNS = {"avionics": ("7A994",), "civil avionics": ("7A994",), "aircraft parts": ("9A610", "9A991")}
MILITARY_AIRCRAFT = ("military aircraft", "military helicopter", "fighter jet")
ECCN = re.compile(r"^(\d[A-E]\d{3})")


def _primary(name: str) -> bool:
    meta = CORPUS / f"{name}.meta.json"
    try:
        return json.loads(meta.read_text()).get("document_type") in PRIMARY_TYPES
    except (OSError, ValueError):
        return False


def ccl(eccn: str) -> SourceRef:
    return SourceRef(citation=f"15 CFR part 774, Supp. No. 1, ECCN {eccn}")


def chart(code: str) -> SourceRef:
    """The destination's Country Chart row, named as the shipped chart names it ("Korea, North")."""
    from bot.rules.datasets import load_tables

    row = load_tables().destination(code)
    return SourceRef(citation="15 CFR part 738, Supp. No. 1", locator=row.name if row else code)


def _eccns(item: GoldItem) -> tuple[str, ...]:
    facts = item.facts
    found = ECCN.match(str(facts.get("classification") or ""))
    if found:
        return (found.group(1),)
    words = str(facts.get("item") or "").lower()
    if words in ITEM_ECCNS:
        return ITEM_ECCNS[words]
    if "aircraft parts" in item.question.lower():
        return ITEM_ECCNS["aircraft parts"]
    if any(w in f"{words} {item.question.lower()}" for w in MILITARY_AIRCRAFT):
        return ("9A610",)
    # the CCL words a source quotes for an item the question names loosely
    quoted = " ".join(r.quote or "" for r in item.sources).lower()
    if "avionic" in quoted or "flight" in item.question.lower():
        return ("7A994",)
    if "gas turbine" in quoted:
        return ("9A991",)
    return ()


def derive(item: GoldItem) -> tuple[SourceRef, ...]:
    """The support the rules above give `item` (a determination)."""
    facts, day = item.facts, item.as_of or TODAY
    # a re-export question may state no destination; the project's item ids name it ("kh-…")
    dest = facts.get("destination") or ("KH" if "kh-" in item.id else None)
    cls = str(facts.get("classification") or "")
    words = f"{facts.get('item') or ''} {item.question}".lower()
    end_use = facts.get("end_use")
    out: list[SourceRef] = [SourceRef(file=r.file) for r in item.sources  # R0
                            if r.file and _primary(r.file)]
    usml = cls.startswith("USML") or any(w in words for w in MILITARY_AIRCRAFT)
    lifted = dest == "KH" and day >= REMOVED and item.status != "prohibited"  # a date in the
    # question (no as_of) is read as today; a prohibited Cambodia answer predates the removal
    on_126_1 = dest in ITAR_126_1 or (dest == "KH" and LISTED <= day < REMOVED)
    if usml and lifted:  # R1
        out.append(SourceRef(file=BIS_2026))
    if usml and on_126_1:  # R2
        out.append(SourceRef(file=F126_1))
    eccns = _eccns(item)
    if "9A610" in eccns[:1] or cls.startswith("9A610"):  # R4
        out += [SourceRef(file=F742_4), ccl("9A610")] + ([chart(dest)] if dest else [])
        if lifted:
            out.append(SourceRef(file=BIS_2026))
        if on_126_1:
            out.append(SourceRef(file=F126_1))
    if eccns and item.status in ("no_license_required", "depends") and dest not in EMBARGOED:  # R3
        out += [ccl(e) for e in eccns] + [SourceRef(file=CCL_TEXT, quote=e) for e in eccns]
        out += [chart(dest)] if dest else []
        if item.status == "depends":
            out.append(SourceRef(file=F744_21))
    if end_use == "military" or (item.status == "depends" and not end_use and not usml):  # R5
        out.append(SourceRef(file=F744_21))
        if dest == "KH" and LISTED <= day < NICARAGUA_RULE:
            out.append(SourceRef(file=NI_2024))
    if end_use == "military-intelligence":
        out.append(SourceRef(file=F744_22))
    if dest in EMBARGOED:  # R6
        out.append(SourceRef(file=F746_1))
        if dest in ("CU", "KP") and (usml or "aircraft parts" in words):
            out.append(SourceRef(file=F126_1))
    return tuple(dict.fromkeys(out))


def _same(a: tuple[SourceRef, ...], b: tuple[SourceRef, ...]) -> bool:
    return set(a) == set(b)


def _gold():
    return load_gold(sorted((ROOT / "tests" / "gold").glob("*/*.yaml")))


def labels(gold) -> dict[str, tuple[SourceRef, ...]]:
    """id -> the support each determination with sources needs (none when it equals sources)."""
    out = {}
    for item in gold.items:
        if item.kind != "determination" or not item.sources:
            continue
        support = derive(item)
        if support and not _same(support, item.sources):
            out[item.id] = support
    return out


def _flow(ref: SourceRef) -> str:
    fields = [(k, getattr(ref, k)) for k in ("file", "citation", "locator", "quote")]
    given = [(k, v) for k, v in fields if v]
    if given == [("file", ref.file)]:
        return ref.file
    return "{" + ", ".join(f"{k}: {json.dumps(v) if ',' in v or ':' in v else v}"
                           for k, v in given) + "}"


def write() -> int:
    wanted = labels(_gold())
    for path in sorted((ROOT / "tests" / "gold").glob("*/*.yaml")):
        lines = path.read_text().splitlines(keepends=True)
        out, current, skip = [], None, False
        for line in lines:
            found = re.match(r"  - id: (\S+)", line)
            if found:
                current, skip = found.group(1), False
            if skip and line.startswith("      "):
                continue  # an old support block
            skip = False
            if line.startswith("    support:"):
                skip = True
                continue
            out.append(line)
            if current in wanted and line.startswith("    sources:"):
                block = "    support: [" + ", ".join(_flow(r) for r in wanted[current]) + "]\n"
                out.append(("\0" + block))  # placed after the sources block below
        text = "".join(out)
        # move each support line past the list items of its sources block
        text = re.sub(r"\0(    support: .*\n)((?:      .*\n)*)", r"\2\1", text)
        path.write_text(text)
    print(f"support labels written for {len(wanted)} items")
    return 0


def check() -> int:
    """0 when every item's `support` is exactly what the rules give."""
    gold = _gold()
    wanted, bad = labels(gold), []
    for item in gold.items:
        if item.kind == "determination" and item.sources:
            expected = wanted.get(item.id, ())
            if not _same(item.support, expected):
                bad.append(item.id)
    for item_id in bad:
        print(f"{item_id}: support differs from the rules in tests/eval/label_support.py")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(write() if "--write" in sys.argv else check())
