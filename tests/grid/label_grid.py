"""How the grid's labels were written: a hand reading of the CCL rows, applied to the chart.

Not the engine (nothing here imports `bot`): each item's candidate classifications and the
License Requirements rows that matter were read by hand from `../shared/ear/ccl.jsonl`
(transcribed below: a column the row applies to the whole entry, a row scoped to paragraphs
or free text, an AT-only entry, a pointer), and each destination's cells and Country
Groups are read from `../shared/ear/country-chart.json` / `country-groups.json`. Rules:

- Cuba, Iran (part 746, comprehensive embargoes): prohibited, whatever the item.
- A USML candidate: a DDTC licence (22 CFR 123.1(a)); prohibited where § 126.1 denies (Country
  Group D:5 as the proxy its Note allows; Cambodia is no longer listed since 2025-11-07).
- A CCL candidate: an entire-entry column with an X -> licence required; otherwise a row
  scoped to paragraphs or free text that reaches the destination (or a pointer such as EI
  "Refer to § 742.15") -> the answer depends on the paragraph; otherwise no licence.
- EAR99: no licence (Russia: footnote 6 sends it to §§ 746.5/746.8 -> depends).
- "a private company" does not say whether it is a military end user (§ 744.21(g)): in a
  § 744.21 country (China, Venezuela, Cambodia) a Supp. No. 2 candidate needs a licence for a
  military end user; in Russia every item is § 744.21(a)(2) (prohibited for a military end
  user) and § 746.8 (a licence for any CCL item otherwise).
- Branches that all agree give that status; otherwise `depends`.

Run `python tests/grid/label_grid.py > tests/grid/grid.yaml` to rewrite the file from this
reading; the test checks the file and this reading agree.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

EAR = Path(__file__).resolve().parents[3] / "shared" / "ear"
if not EAR.is_dir():  # run from a worktree: ../shared beside the repository
    EAR = Path(__file__).resolve().parents[2] / ".." / "shared" / "ear"

# (name as the chart writes it, as the question writes it, ISO code)
DESTINATIONS = [
    ("Germany", "Germany", "DE"), ("Japan", "Japan", "JP"), ("United Kingdom", "the UK", "GB"),
    ("France", "France", "FR"), ("Australia", "Australia", "AU"),
    ("Korea, South", "South Korea", "KR"), ("Canada", "Canada", "CA"),
    ("Mexico", "Mexico", "MX"), ("Italy", "Italy", "IT"), ("Israel", "Israel", "IL"),
    ("India", "India", "IN"), ("Vietnam", "Vietnam", "VN"),
    ("United Arab Emirates", "the United Arab Emirates", "AE"),
    ("Saudi Arabia", "Saudi Arabia", "SA"), ("Brazil", "Brazil", "BR"),
    ("Türkiye", "Turkey", "TR"), ("Singapore", "Singapore", "SG"),
    ("Thailand", "Thailand", "TH"), ("Indonesia", "Indonesia", "ID"),
    ("Malaysia", "Malaysia", "MY"), ("South Africa", "South Africa", "ZA"),
    ("Egypt", "Egypt", "EG"), ("Philippines", "the Philippines", "PH"),
    ("Taiwan", "Taiwan", "TW"), ("China", "China", "CN"), ("Russia", "Russia", "RU"),
    ("Venezuela", "Venezuela", "VE"), ("Cambodia", "Cambodia", "KH"), ("Cuba", "Cuba", "CU"),
    ("Iran", "Iran", "IR"),
]
EMBARGOED = {"CU", "IR"}
MEU_744_21 = {"CN", "VE", "KH"}  # and Russia, read apart
NOT_126_1 = {"KH"}  # D:5 in the table, but the State list controls (rulebook: since 2025-11-07)
SUPP2 = {"4A994", "5A991", "5A992", "5D992", "6A993", "7A994", "9A991", "3A992"}

ALL, PART, AT, POINTER = "all", "part", "at", "pointer"
# item words as asked -> candidates: (classification, rows); a row is (scope, column or None)
ITEMS = {
    "thermal-camera": ("a thermal camera", [
        ("6A003", [(ALL, "NS 2"), (PART, "NP 1"), (PART, "RS 1"), (PART, "RS 2")]),
        ("6A993", [(AT, None)]),
        ("6A002", [(ALL, "NS 2"), (PART, "MT 1"), (PART, "RS 1"), (PART, "CC 1")]),
        ("EAR99", [])]),
    "encryption-software": ("encryption software", [
        ("5D002", [(ALL, "NS 1"), (PART, "world"), (POINTER, "EI")]),
        ("5D992", [(PART, "world"), (AT, None)])]),
    "machine-tool": ("a machine tool", [
        ("2B001", [(ALL, "NS 2"), (PART, "NP 1")]), ("2B991", [(AT, None)]),
        ("2B003", [(ALL, "NS 2")]), ("EAR99", [])]),
    "drone": ("a drone", [
        ("USML VIII", []), ("9A012", [(PART, "NS 1"), (PART, "NS 2"), (PART, "MT 1")]),
        ("9A991", [(AT, None)])]),
    "lidar": ("a lidar sensor", [
        ("6A008", [(ALL, "NS 2"), (PART, "MT 1"), (PART, "RS 1")]),
        ("6A998", [(PART, "RS 1"), (PART, "RS 2"), (AT, None)]), ("EAR99", [])]),
    "servers": ("servers", [
        ("4A003", [(PART, "NS 1"), (PART, "NS 2"), (PART, "world"), (PART, "CC 1")]),
        ("4A994", [(AT, None)]),
        ("5A002", [(ALL, "NS 1"), (PART, "world"), (POINTER, "EI")]),
        ("5A992", [(PART, "world"), (AT, None)])]),
    "garmin-g1000": ("a Garmin G1000", [("7A994", [(AT, None)])]),
    # goggles: image-intensifier direct-view equipment, 6A002.c (NS 2 entire entry; RS 1
    # applies to .c) or USML XII(c) for the better tubes
    "night-vision-goggles": ("night vision goggles", [
        ("USML XII", []), ("6A002", [(ALL, "NS 2"), (ALL, "RS 1"), (PART, "CC 1")])]),
    "laptop": ("laptops", [("4A994", [(AT, None)]), ("5A992", [(PART, "world"), (AT, None)])]),
    "router": ("routers", [
        ("5A002", [(ALL, "NS 1"), (PART, "world"), (POINTER, "EI")]),
        ("5A992", [(PART, "world"), (AT, None)]), ("5A991", [(AT, None)])]),
}


def _civil(cls: str, rows, x: set[str], code: str, d5: bool) -> str:
    if cls.startswith("USML"):
        return "prohibited" if d5 and code not in NOT_126_1 else "license_required"
    if cls == "EAR99":
        return "depends" if code == "RU" else "no_license_required"
    if code == "RU":
        return "license_required"  # § 746.8: any item on the CCL
    if any(scope == ALL and col in x for scope, col in rows):
        return "license_required"
    if any(scope == POINTER or (scope == PART and (col == "world" or col in x))
           for scope, col in rows):
        return "depends"
    if any(scope == AT for scope, _ in rows) and "AT 1" in x:
        return "license_required"
    return "no_license_required"


def _military(cls: str, civil: str, code: str) -> str:
    if code == "RU" and not cls.startswith("USML"):
        return "prohibited"  # § 744.21(a)(2)
    if code in MEU_744_21 and cls in SUPP2 and civil == "no_license_required":
        return "license_required"  # § 744.21(a)(1)
    return civil


def label(item: str, chart_name: str, code: str, chart: dict, d5: set[str]) -> str:
    if code in EMBARGOED:
        return "prohibited"
    x = set(chart["rows"][chart_name]["x"])
    statuses = set()
    for cls, rows in ITEMS[item][1]:
        civil = _civil(cls, rows, x, code, chart_name in d5 or code == "CN")
        statuses |= {civil, _military(cls, civil, code)}
    return statuses.pop() if len(statuses) == 1 else "depends"


def known_failure(item: str, x: set[str]) -> str | None:
    """What the engine answers otherwise, written when the labels were checked against it
    (none now: the goggles misses ended when the catalogue sent goggles to 6A002.c and the
    RS row's qualified exception was read as one)."""
    return None


def grid() -> list[dict]:
    chart = json.loads((EAR / "country-chart.json").read_text(encoding="utf-8"))
    groups = json.loads((EAR / "country-groups.json").read_text(encoding="utf-8"))["groups"]
    d5 = set(groups["D:5"])
    out = []
    for item, (words, _) in ITEMS.items():
        for chart_name, asked, code in DESTINATIONS:
            out.append({"id": f"grid-{item}-{code.lower()}",
                        "question": f"Can we sell {words} to a private company in {asked}?",
                        "status": label(item, chart_name, code, chart, d5),
                        "facts": {"destination": code}, "tags": ["grid", item],
                        "known_failure": None if code in EMBARGOED else known_failure(
                            item, set(chart["rows"][chart_name]["x"]))})
    return out


def main() -> None:
    print("# The everyday-words grid (issue 9): 30 destinations x 10 items, \"Can we sell X to a\n"
          "# private company in Y?\". Labels: the law as hand-read in tests/grid/label_grid.py\n"
          "# (its docstring says how), never the engine's answers. Gold format (bot/eval/gold.py);\n"
          "# kept out of tests/gold so `regbot eval tests/gold` stays as it is (docs/evaluation.md).")
    print("version: 1\nitems:")
    for it in grid():
        print(f"  - id: {it['id']}\n    question: \"{it['question']}\"\n    status: {it['status']}\n"
              f"    facts: {{destination: {it['facts']['destination']}}}\n"
              f"    tags: [{', '.join(it['tags'])}]")
        if it["known_failure"]:
            print(f"    known_failure: \"{it['known_failure']}\"")


if __name__ == "__main__":
    sys.exit(main())
