"""The § 738.4 procedure over the shipped tables: ECCN x destination -> Determination.

15 CFR 738.4(a): for each reason for control in the ECCN's License Requirements, read the
destination's chart column; an X means a licence is required for that reason. Rows that
are sentences or pointers instead of columns are evaluated against the Country Groups or
returned as "check". Pure: no I/O after `load_tables`; no embargo, end-use, party or ITAR
logic (other layers). A row is never "not required" unless the tables say so.
"""
from __future__ import annotations

from functools import lru_cache

from bot.rules.countries import country_name, resolve_country
from bot.rules.datasets.classification import (Classification, ClassificationError,
                                               parse_classification)
from bot.rules.datasets.load import Tables, load_items, load_tables
from bot.rules.datasets.paragraphs import coverage
from bot.rules.datasets.results import (CHECK, NOT_REQUIRED, REQUIRED, SEE_OTHER_PART,
                                        ChartCell, Determination, ExceptionNote,
                                        FootnoteFinding, RowResult)
from bot.rules.datasets.types import CclEntry, ControlRow, Destination, NotInChart, Where


def resolve_destination(text: str, tables: Tables | None = None) -> Destination | NotInChart:
    """A destination as typed (ISO code, chart name, common name, demonym) -> its chart
    destination, or NotInChart saying why the chart cannot settle it."""
    tables = tables or load_tables()
    raw = " ".join(str(text).split())
    match = resolve_country(raw) if raw else None
    if match is None:
        return NotInChart(None, raw, f"no destination is known by the name {raw!r}")
    if (found := tables.destinations.get(match.code)) is not None:
        return found
    name = country_name(match.code) or raw
    if match.code == "US":
        return NotInChart("US", name, "the United States is where the export starts; it has "
                          "no row in the Commerce Country Chart")
    return NotInChart(match.code, name,
                      f"{name} has no row in the Commerce Country Chart (15 CFR part 738, "
                      f"Supp. No. 1) of {tables.ecfr_date}, and no provision in these tables "
                      "directs it to another row, so the chart cannot settle a licence "
                      "requirement for it")


def _classification(value: Classification | str, tables: Tables) -> Classification:
    """The classification, checked against this snapshot's CCL (ECCN and paragraph)."""
    if isinstance(value, Classification):
        return _checked(value, tables)
    return _parsed(value, tables)


@lru_cache(maxsize=4096)
def _parsed(text: str, tables: Tables) -> Classification:
    """A classification as typed, parsed and checked once per snapshot (a refusal raises
    again each time: errors are not cached)."""
    return _checked(parse_classification(text, tables.entries, tables.ecfr_date), tables)


def _checked(cls: Classification, tables: Tables) -> Classification:
    if cls.is_ccl and cls.eccn not in tables.entries:
        raise ClassificationError(f"{cls.eccn} is not an ECCN on the Commerce Control List "
                                  f"of {tables.ecfr_date}")
    if cls.paragraph and cls.paragraph.split(".")[0] not in _letters(tables, cls.eccn):
        raise ClassificationError(f"{cls.eccn} has no paragraph .{cls.paragraph.split('.')[0]} "
                                  f"in the CCL of {tables.ecfr_date}")
    return cls


@lru_cache(maxsize=1024)
def _letters(tables: Tables, eccn: str) -> frozenset[str] | _Any:
    """Paragraph letters the ECCN is known to have (its List of Items, its License
    Requirements rows); _Any where the snapshot does not list its items (categories 0, 2, 6,
    7, 8, 9), so a paragraph there is taken as given."""
    items = load_items(tables.path).get(eccn, ())
    if not items:
        return _Any()
    found = {i.paragraph.split(".")[0] for i in items if i.paragraph}
    for row in tables.entries[eccn].rows:
        found |= {p.split(".")[0] for p in row.scope.paragraphs + row.scope.excepted}
    return frozenset(found)


class _Any:
    def __contains__(self, item) -> bool:
        return True


def _destination(value: Destination | NotInChart | str, tables: Tables
                 ) -> Destination | NotInChart:
    if isinstance(value, (Destination, NotInChart)):
        return value
    return _resolved(value, tables)


@lru_cache(maxsize=2048)
def _resolved(text: str, tables: Tables) -> Destination | NotInChart:
    """`resolve_destination`, once per text and snapshot (the engine asks per verdict)."""
    return resolve_destination(text, tables)


def determine(classification: Classification | str, destination: Destination | str,
              tables: Tables | None = None) -> Determination:
    """§ 738.4 for one classification and one destination (code, name or record)."""
    tables = tables or load_tables()
    cls = _classification(classification, tables)
    return _determine(cls, _destination(destination, tables), tables)


def matrix(classification: Classification | str, tables: Tables | None = None
           ) -> dict[str, Determination]:
    """§ 738.4 for one classification and every destination of the chart (ISO code ->)."""
    tables = tables or load_tables()
    cls = _classification(classification, tables)
    return {code: _determine(cls, dest, tables) for code, dest in tables.destinations.items()}


def _determine(cls: Classification, dest: Destination | NotInChart, tables: Tables
               ) -> Determination:
    if isinstance(dest, NotInChart):
        return Determination(cls, dest, None, None, (), (), (), "not_in_chart", dest.reason,
                             tables.ecfr_date)
    row = tables.row_for(dest)
    entry = tables.entries.get(cls.eccn) if cls.is_ccl else None
    results: tuple[RowResult, ...] = ()
    if entry is not None:
        covers = _coverages(tables, entry.eccn, cls.paragraph)
        marks = _footnote_marks(cls, row, tables)
        results = tuple(_evaluate(entry.eccn, r, cov, row, marks, tables)
                        for r, cov in zip(entry.rows, covers))
    findings = _footnotes(cls, dest, row, tables)
    summary, note = _summarise(cls, row, entry, results, findings)
    return Determination(cls, dest, row, entry, results, findings,
                         _exceptions(tables, entry.eccn) if entry else (), summary, note,
                         tables.ecfr_date)


@lru_cache(maxsize=4096)
def _coverages(tables: Tables, eccn: str, paragraph: str | None
               ) -> tuple[tuple[str, str], ...]:
    return tuple(coverage(r.scope, paragraph) for r in tables.entries[eccn].rows)


def _evaluate(eccn: str, r: ControlRow, cov: tuple[str, str], row: Destination,
              marks: dict[str, tuple[int, str]], tables: Tables) -> RowResult:
    """One row for the destination's row (§ 738.4(a)(2))."""
    req = r.requirement
    if req.kind == "destinations":
        hit, groups = _in_where(req.where, row.code, tables)
        if hit:
            return RowResult(eccn, r, cov[0], cov[1], REQUIRED,
                             f"{row.name} is among the destinations the row names",
                             (), groups, req.see)
    if row.kind == "see_other_part":  # Cuba, Iran, North Korea, Syria: never "no X"
        return RowResult(eccn, r, cov[0], cov[1], SEE_OTHER_PART, row.see_other_part,
                         see=req.see)
    if req.kind == "columns":
        return _columns(eccn, r, cov, row, marks)
    if req.kind == "destinations":
        if hit is None:
            return RowResult(eccn, r, cov[0], cov[1], CHECK,
                             f"the row names a set the tables do not hold "
                             f"({req.where.unresolved})", see=req.see)
        return RowResult(eccn, r, cov[0], cov[1], NOT_REQUIRED,
                         f"{row.name} is not among the destinations the row names",
                         see=req.see)
    if req.kind == "pointer":
        return _pointer(eccn, r, cov, row, tables)
    what = "N/A" if req.kind == "not_applicable" else "no column"
    return RowResult(eccn, r, cov[0], cov[1], CHECK,
                     f"the right-hand cell reads {what}; the requirement the left cell states "
                     "must be checked in the regulation", see=req.see)


@lru_cache(maxsize=8192)
def _cells(row: Destination, columns: tuple[str, ...]) -> tuple[tuple[ChartCell, ...], str, str]:
    """The chart cells a column row reads for one destination row, and what they say."""
    cells = tuple(ChartCell(row.name, c, c in row.x) for c in columns)
    marked = [c.column for c in cells if c.marked]
    return cells, ", ".join(marked), ", ".join(columns)


def _columns(eccn: str, r: ControlRow, cov: tuple[str, str], row: Destination,
             marks: dict[str, tuple[int, str]]) -> RowResult:
    cells, marked, columns = _cells(row, r.requirement.columns)
    if marked:
        return RowResult(eccn, r, cov[0], cov[1], REQUIRED, f"X in {marked} for {row.name}",
                         cells, (), r.requirement.see)
    for column in r.requirement.columns:
        if column in marks:  # India: footnote 7 keeps RS 2 for 6A003.b.4.b and 9A515.e
            number, fn_cov = marks[column]
            return RowResult(eccn, r, cov[0], cov[1], REQUIRED if fn_cov == "yes" else CHECK,
                             f"footnote {number} of {row.name}'s row requires a licence for "
                             f"{column}" + ("" if fn_cov == "yes" else
                                            " if the item is one it names"),
                             cells, (), r.requirement.see, footnote=number)
    return RowResult(eccn, r, cov[0], cov[1], NOT_REQUIRED,
                     f"no X in {columns} for {row.name}", cells, (), r.requirement.see)


def _pointer(eccn: str, r: ControlRow, cov: tuple[str, str], row: Destination,
             tables: Tables) -> RowResult:
    see = r.requirement.see
    if r.requirement.resolution == "un":  # § 746.1(b)(3): UN reasons -> the (b)(2) countries
        hit = row.code in tables.un_embargo
        return RowResult(eccn, r, cov[0], cov[1], REQUIRED if hit else NOT_REQUIRED,
                         f"{row.name} is {'' if hit else 'not '}among the countries under UN "
                         "arms embargoes (§ 746.1(b)(2))", see=see,
                         resolved_by=tables.un_reference)
    if r.requirement.resolution == "ru_by":  # footnote 6 marks the rows § 746.8 concerns
        hit = tables.ru_by_footnote in row.footnotes
        return RowResult(eccn, r, cov[0], cov[1], CHECK if hit else NOT_REQUIRED,
                         f"check § 746.8 for {row.name}" if hit else
                         f"§ 746.8 concerns Russia and Belarus, not {row.name}", see=see,
                         resolved_by=tables.ru_by_reference)
    return RowResult(eccn, r, cov[0], cov[1], CHECK,
                     "the row points elsewhere: check " + (", ".join(see) or
                                                         "the cited provision"), see=see)


def _in_where(where: Where, code: str, tables: Tables) -> tuple[bool | None, tuple[str, ...]]:
    """Is `code` among the destinations a sentence names? None: the tables cannot say.

    "excluding any destination also specified in Country Groups A:5 or A:6" narrows the
    groups (and "everywhere"), not a destination the sentence names itself: the United
    Arab Emirates stays in "the United Arab Emirates or ... D:1, D:4, and D:5" although
    it is in A:5."""
    if code in where.except_destinations:
        return False, ()
    if code in where.destinations:
        return True, ()
    member = tables.groups_of.get(code, frozenset())
    if not member.intersection(where.except_groups):
        groups = tuple(g for g in where.groups if g in member)
        if where.everywhere or groups:
            return True, groups
    return (None if where.unresolved else False), ()


def _target_coverage(cls: Classification, targets) -> str:
    best = "no"
    for t in targets:
        if t.eccn == cls.eccn:
            state = coverage(t.scope, cls.paragraph)[0]
            if state == "yes":
                return "yes"
            if state == "unknown":
                best = "unknown"
    return best


def _footnote_marks(cls: Classification, row: Destination, tables: Tables
                    ) -> dict[str, tuple[int, str]]:
    """Columns a "requires" footnote of the row marks for this item: {column: (n, cov)}."""
    out = {}
    for n in row.footnotes:
        note = tables.footnotes[n]
        if note.effect == "requires" and note.column:
            cov = _target_coverage(cls, note.targets)
            if cov != "no":
                out[note.column] = (n, cov)
    return out


def _footnotes(cls: Classification, dest: Destination, row: Destination, tables: Tables
               ) -> tuple[FootnoteFinding, ...]:
    """The row's footnotes that add a requirement for this item (§ 738.4(a)(2)(ii))."""
    if cls.kind == "usml":
        return ()
    found = []
    for holder in (dest,) if dest is row else (dest, row):  # a directed row: both
        for n in holder.footnotes:
            note = tables.footnotes[n]
            if note.effect == "directs":
                continue
            cov = {"all": "yes", "ccl": "yes" if cls.is_ccl else "no"}.get(note.applies_to) \
                or _target_coverage(cls, note.targets)
            if cov == "no":
                continue
            outcome = REQUIRED if note.effect == "requires" else CHECK
            found.append(FootnoteFinding(note, holder.name, cov, outcome, note.question))
    return tuple(found)


@lru_cache(maxsize=1024)
def _exceptions(tables: Tables, eccn: str) -> tuple[ExceptionNote, ...]:
    """Licence exceptions the ECCN names, as "may be available" (15 CFR part 740)."""
    out = []
    for exc in tables.entries[eccn].license_exceptions:
        if exc.available == "no":
            continue
        where = f"conditions in {exc.section}" if exc.section else "conditions in part 740"
        out.append(ExceptionNote(exc, f"{exc.code} may be available — {where} "
                                      f"(the entry prints: {' '.join(exc.printed.split())})"))
    return tuple(out)


def _summarise(cls: Classification, row: Destination, entry: CclEntry | None,
               rows: tuple[RowResult, ...], findings: tuple[FootnoteFinding, ...]
               ) -> tuple[str, str]:
    if row.kind == "see_other_part":
        return "see_other_part", row.see_other_part
    if not cls.is_ccl:
        what = ("EAR99 is not on the CCL" if cls.kind == "ear99" else
                f"{cls.text} is a defense article on the USML (ITAR), not a CCL item")
        return "not_on_ccl", f"{what}: the Commerce Country Chart does not apply (§ 738.4)"
    if not entry.rows:
        return "no_table", (f"{entry.eccn} prints no License Requirements table in the "
                            "snapshot; read the entry and the provisions it cites")
    required = [r for r in rows if r.coverage == "yes" and r.outcome == REQUIRED]
    required_fn = [f for f in findings if f.coverage == "yes" and f.outcome == REQUIRED]
    if required or required_fn:
        why = [f"{r.reason} ({_short(r.row.right)})" for r in required]
        why += [f"footnote {f.footnote.number}" for f in required_fn]
        return "required", "licence required for " + "; ".join(why)
    open_rows = [r for r in rows if r.applies and (
        r.outcome in (CHECK, SEE_OTHER_PART) or (r.coverage == "unknown" and r.outcome == REQUIRED))]
    if open_rows or findings:
        return "depends", (f"{len(open_rows)} row(s) and {len(findings)} footnote(s) depend on "
                           "facts or provisions the chart does not settle")
    return "not_required", (f"no applicable X for {row.name} in any License Requirements row "
                            f"of {entry.eccn}")


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
