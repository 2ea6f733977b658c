"""Gold Q&A sets: the format, and a strict loader with clear errors.

A gold file is YAML::

    version: 1
    corpus: ../../../../shared/corpus  # optional; folder of the source files, relative to this file
    split: dev                         # optional; dev (tune on it) | test (held out, gated on)
    items:
      - id: kh-avionics-today          # unique across every file loaded; [a-z0-9][a-z0-9._-]*
        question: Can we sell avionics to Cambodia?
        as_of: 2026-03-01              # optional; the date the answer is asked for (default: today)
        status: depends                # prohibited | license_required | no_license_required
                                       #   | depends | cannot_determine
        facts: {destination: KH, end_use: civil}   # optional; any subset of the Facts fields
        sources:                       # optional; what should be retrieved and cited
          - 2025-11-07_x.txt           #   a bare string is a file name
          - {file: y.md, locator: 15 CFR 744.21, quote: military end user}
        support:                       # optional; what a determination's shown quotes may rest
          - y.md                       #   on (primary text only), if not `sources`; `citation`
          - {citation: 15 CFR part 774, Supp. No. 1, ECCN 7A994}   # matches a table row's
                                       #   or passage's citation (prefix), e.g. a CCL entry
        must_abstain: false            # optional; true = the bot must not give a verdict
        tags: [cambodia, itar]         # optional; lower-case slugs, used for the per-tag breakdown
        notes: why this is the answer  # optional; free text
        known_failure: what the engine answers instead, and why   # optional; see below
        kind: determination            # optional; the kind of question (bot.kinds): determination
                                       #   (default) | fact | timeline | document | off_topic | not_english
        must_contain: [February 3, 2026, [D:1, Country Group D:1]]   # optional; facts the answer
                                       #   text must state (a list = any one of these words)
        label_changes:                 # optional; every change of `status`, oldest first
          - {date: 2026-12-01, from: depends, to: license_required, reason: why the law gives this,
             sources: [{file: z.md, quote: the words that say so}]}   # and/or commit: <sha>

A source matches a passage or citation when every field it gives matches: `file` equals the file name,
`locator` is a prefix of the locator (so `15 CFR 744.21` matches `15 CFR 744.21(a)(1)`), `citation` is a
prefix of its citation, and `quote` occurs in the text (whitespace-insensitive).

`sources` are what retrieval should find and the answer cite (news and commentary included: they are
relevant passages); `support` is what a determination's *shown* quotes may rest on — the primary
provisions the law's answer rests on, at the level of the provision (any sentence of the named
section, or the named table row). Issue 12 made news and commentary no support for a verdict, so an
item whose `sources` name only commentary needs its `support`; without one, `sources` are used
(tests/eval/label_support.py derives the project's `support` labels by written rules).

When `corpus` is given, the loader checks that each named file exists and that each quote occurs
in its file, so the gold set cannot drift from the corpus unnoticed.

A fact, timeline or document item (issue 12) may omit `status`: it asks for no verdict, so it is
scored by `must_contain` (exact, case- and space-insensitive) and not by verdict accuracy.

`status` is what the law gives, never what the engine happens to answer. Where the engine is wrong the
label stays and `known_failure` says what the engine answers and why. A label that changes records the
change in `label_changes`: the chain of `from`/`to` must end at `status`, and each change gives a reason
and its sources (checked like `sources`; a path may reach `../ear/` beside the corpus) or the `commit`
that made it.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.records import END_USES, STATUSES, Facts

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FACT_FIELDS = tuple(f.name for f in dataclasses.fields(Facts))
ITEM_KEYS = {"id", "question", "as_of", "status", "facts", "sources", "must_abstain", "tags", "notes",
             "known_failure", "label_changes", "kind", "must_contain", "support"}
KINDS = ("determination", "fact", "timeline", "document", "off_topic", "not_english")
NO_VERDICT_KINDS = ("fact", "timeline", "document")  # may omit `status`
SOURCE_KEYS = {"file", "locator", "quote", "citation"}
CHANGE_KEYS = {"date", "from", "to", "reason", "sources", "commit"}
TOP_KEYS = {"version", "corpus", "split", "items"}
SPLITS = ("dev", "test")  # dev: every setting is tuned on it; test: held out, what `make test` gates on
COMMIT_RE = re.compile(r"^[0-9a-f]{7,40}$")


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings, so a bad date is reported with its item and field."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _unique_keys(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """A key given twice in one mapping is an error (YAML would silently keep the last `status:`)."""
    keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
    repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
    if repeated:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate key(s) {', '.join(repeated)} in one mapping", node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=True)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_keys)


class GoldError(ValueError):
    """A gold file is malformed; the message names the file, item id and field."""


@dataclass(frozen=True)
class SourceRef:
    """An expected source: any of file name, locator prefix, quote substring."""

    file: str | None = None
    locator: str | None = None
    quote: str | None = None
    citation: str | None = None  # a prefix of the citation ("15 CFR part 774, Supp. No. 1, ECCN 7A994")

    def label(self) -> str:
        parts = [p for p in (self.file, self.citation, self.locator) if p]
        if self.quote:
            parts.append(f'"{self.quote[:40]}"')
        return " ".join(parts)


@dataclass(frozen=True)
class LabelChange:
    """One change of an item's expected status, with why and on what authority."""

    date: date
    from_status: str
    to_status: str
    reason: str
    sources: tuple[SourceRef, ...] = ()
    commit: str | None = None


@dataclass(frozen=True)
class GoldItem:
    """One gold question with what a correct answer must show."""

    id: str
    question: str
    status: str
    as_of: date | None = None
    facts: dict[str, Any] = dataclasses.field(default_factory=dict)
    sources: tuple[SourceRef, ...] = ()
    support: tuple[SourceRef, ...] = ()  # what shown quotes may rest on; () = use `sources`
    must_abstain: bool = False
    tags: tuple[str, ...] = ()
    notes: str = ""
    origin: str = ""  # the file it came from
    split: str = ""  # "dev" or "test" (the file's `split`); "" when the file names none
    known_failure: str = ""  # the engine answers otherwise today; what it answers and why
    label_changes: tuple[LabelChange, ...] = ()
    kind: str = "determination"  # the kind of question (bot.kinds.Kind)
    must_contain: tuple[tuple[str, ...], ...] = ()  # facts the text must state; inner = alternatives

    @property
    def support_refs(self) -> tuple[SourceRef, ...]:
        """What a shown quote must match to count as precise: `support`, else `sources`."""
        return self.support or self.sources

    @property
    def asks_verdict(self) -> bool:
        """Scored by verdict accuracy (every item with a status)."""
        return bool(self.status)


@dataclass(frozen=True)
class GoldSet:
    items: tuple[GoldItem, ...]
    corpus_dirs: tuple[Path, ...] = ()  # where source files are found (for quote checks)

    @property
    def splits(self) -> tuple[str, ...]:
        """The splits present, dev before test (empty when no file names one)."""
        return tuple(s for s in SPLITS if any(i.split == s for i in self.items))


def normalise_ws(text: str) -> str:
    """Collapse runs of whitespace, so quotes match across line breaks."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- field checks


def _fail(where: str, field: str, msg: str) -> GoldError:
    return GoldError(f"{where}: field '{field}': {msg}")


def _as_date(value: Any, where: str, field: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(where, field, f"expected a date YYYY-MM-DD, got {value!r}")


def _check_facts(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise _fail(where, "facts", f"expected a mapping, got {type(raw).__name__}")
    facts: dict[str, Any] = {}
    for key, value in raw.items():
        field = f"facts.{key}"
        if key not in FACT_FIELDS:
            raise _fail(where, field, f"unknown fact; known: {', '.join(FACT_FIELDS)}")
        if key == "as_of":
            facts[key] = _as_date(value, where, field)
            continue
        if value is not None and not isinstance(value, str):
            raise _fail(where, field, f"expected a string or null, got {value!r}")
        if key == "destination" and value is not None and not re.fullmatch(r"[A-Z]{2}", value):
            raise _fail(where, field, f"expected an ISO 3166 alpha-2 code like 'KH', got {value!r}")
        if key == "end_use" and value is not None and value not in END_USES:
            raise _fail(where, field, f"expected one of {', '.join(END_USES)}, got {value!r}")
        facts[key] = value
    return facts


def _check_source(raw: Any, where: str, i: int, name: str = "sources") -> SourceRef:
    field = f"{name}[{i}]"
    if isinstance(raw, str) and raw.strip():
        return SourceRef(file=raw.strip())
    if not isinstance(raw, dict):
        raise _fail(where, field, "expected a file name or a mapping with file/locator/quote")
    unknown = set(raw) - SOURCE_KEYS
    if unknown:
        raise _fail(where, field,
                    f"unknown key(s) {sorted(unknown)}; allowed: file, locator, quote, citation")
    values = {k: raw.get(k) for k in SOURCE_KEYS}
    for key, value in values.items():
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise _fail(where, f"{field}.{key}", f"expected a non-empty string, got {value!r}")
    if not any(values.values()):
        raise _fail(where, field, "give at least one of file, locator, quote, citation")
    return SourceRef(**values)


def _check_tags(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(t, str) and TAG_RE.match(t) for t in raw):
        raise _fail(where, "tags", f"expected a list of lower-case slugs, got {raw!r}")
    return tuple(raw)


def _check_changes(raw: Any, status: str, where: str) -> tuple[LabelChange, ...]:
    """`label_changes`: a chain of valid statuses ending at `status`, each with a reason and a source."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "label_changes", "expected a non-empty list of changes")
    changes = []
    for i, entry in enumerate(raw):
        field = f"label_changes[{i}]"
        if not isinstance(entry, dict) or set(entry) - CHANGE_KEYS:
            raise _fail(where, field, f"expected a mapping with keys among {', '.join(sorted(CHANGE_KEYS))}")
        old, new = entry.get("from"), entry.get("to")
        if old not in STATUSES or new not in STATUSES or old == new:
            raise _fail(where, field, f"'from' and 'to' must be two different statuses, "
                                      f"got {old!r} -> {new!r}")
        if changes and changes[-1].to_status != old:
            raise _fail(where, f"{field}.from", f"expected {changes[-1].to_status!r} (the previous 'to')")
        reason, commit = entry.get("reason"), entry.get("commit")
        if not isinstance(reason, str) or not reason.strip():
            raise _fail(where, f"{field}.reason", "expected a non-empty string: why the label changed")
        if commit is not None and not (isinstance(commit, str) and COMMIT_RE.match(commit)):
            raise _fail(where, f"{field}.commit", f"expected a git commit hash, got {commit!r}")
        refs = entry.get("sources") or []
        if not isinstance(refs, list) or not (refs or commit):
            raise _fail(where, f"{field}.sources",
                        "give the sources of the change (or the commit that made it)")
        changes.append(LabelChange(
            date=_as_date(entry.get("date"), where, f"{field}.date"), from_status=old, to_status=new,
            reason=" ".join(reason.split()), commit=commit,
            sources=tuple(_check_source(s, where, j, f"{field}.sources") for j, s in enumerate(refs))))
    if changes[-1].to_status != status:
        raise _fail(where, "label_changes", f"the last change is to {changes[-1].to_status!r}, "
                                            f"but status is {status!r}")
    return tuple(changes)


def _check_kind(raw: Any, where: str) -> str:
    kind = "determination" if raw is None else raw
    if kind not in KINDS:
        raise _fail(where, "kind", f"expected one of {', '.join(KINDS)}, got {raw!r}")
    return kind


def _check_must_contain(raw: Any, where: str) -> tuple[tuple[str, ...], ...]:
    """A list of facts, each a non-empty string or a list of alternative strings."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "must_contain", "expected a non-empty list of strings (or lists of them)")
    out = []
    for i, fact in enumerate(raw):
        options = fact if isinstance(fact, list) else [fact]
        if not options or not all((isinstance(o, str) or type(o) is int) and str(o).strip()
                                  for o in options):  # a bare yes/no is a YAML boolean: quote it
            raise _fail(where, f"must_contain[{i}]", f"expected a string or a list of strings, got {fact!r}")
        out.append(tuple(str(o).strip() for o in options))
    return tuple(out)


def parse_item(raw: Any, origin: str, index: int, split: str = "") -> GoldItem:
    """Validate one raw mapping into a GoldItem (GoldError on any problem)."""
    if not isinstance(raw, dict):
        raise GoldError(f"{origin}: item #{index + 1}: expected a mapping, got {type(raw).__name__}")
    item_id = raw.get("id")
    if not isinstance(item_id, str) or not ID_RE.match(item_id):
        raise GoldError(f"{origin}: item #{index + 1}: field 'id': expected a slug like 'kh-avionics-1', "
                        f"got {item_id!r}")
    where = f"{origin}: item '{item_id}'"
    unknown = set(raw) - ITEM_KEYS
    if unknown:
        raise _fail(where, sorted(unknown)[0], f"unknown key; allowed: {', '.join(sorted(ITEM_KEYS))}")
    question = raw.get("question")
    if not isinstance(question, str) or not question.strip():
        raise _fail(where, "question", "expected a non-empty string")
    kind = _check_kind(raw.get("kind"), where)
    status = raw.get("status")
    if status is None and kind in NO_VERDICT_KINDS:
        status = ""
    elif status not in STATUSES:
        raise _fail(where, "status", f"expected one of {', '.join(STATUSES)}, got {status!r}")
    must_contain = _check_must_contain(raw.get("must_contain"), where)
    if kind in NO_VERDICT_KINDS and not must_contain:
        raise _fail(where, "must_contain", f"a {kind} item needs the facts its answer must state")
    sources = raw.get("sources") or []
    support = raw.get("support") or []
    for key, value in (("sources", sources), ("support", support)):
        if not isinstance(value, list):
            raise _fail(where, key, "expected a list")
    must_abstain = raw.get("must_abstain", False)
    if not isinstance(must_abstain, bool):
        raise _fail(where, "must_abstain", f"expected true or false, got {must_abstain!r}")
    for key in ("notes", "known_failure"):
        if not isinstance(raw.get(key) or "", str):
            raise _fail(where, key, "expected a string")
    return GoldItem(
        id=item_id, question=question.strip(), status=status,
        as_of=None if raw.get("as_of") is None else _as_date(raw["as_of"], where, "as_of"),
        facts=_check_facts(raw.get("facts"), where),
        sources=tuple(_check_source(s, where, i) for i, s in enumerate(sources)),
        support=tuple(_check_source(s, where, i, "support") for i, s in enumerate(support)),
        must_abstain=must_abstain, tags=_check_tags(raw.get("tags"), where), notes=raw.get("notes") or "",
        origin=origin, split=split, known_failure=" ".join((raw.get("known_failure") or "").split()),
        label_changes=_check_changes(raw.get("label_changes"), status, where) if status else (),
        kind=kind, must_contain=must_contain,
    )


# --------------------------------------------------------------------------- files


def check_sources_exist(item: GoldItem, corpus: Path) -> None:
    """Every named file exists in `corpus` and every quote occurs in its file (label changes too)."""
    where = f"{item.origin}: item '{item.id}'"
    named = [(f"sources[{i}]", ref) for i, ref in enumerate(item.sources)]
    named += [(f"support[{i}]", ref) for i, ref in enumerate(item.support)]
    named += [(f"label_changes[{i}].sources[{j}]", ref) for i, change in enumerate(item.label_changes)
              for j, ref in enumerate(change.sources)]
    for field, ref in named:
        if ref.file is None:
            continue
        path = corpus / ref.file
        if not path.is_file():
            raise _fail(where, f"{field}.file", f"no such file in {corpus}: {ref.file}")
        if ref.quote and normalise_ws(ref.quote) not in normalise_ws(
                path.read_text(encoding="utf-8", errors="replace")):
            raise _fail(where, f"{field}.quote", f"quote not found in {ref.file}: {ref.quote!r}")


def load_gold_file(path: Path) -> tuple[list[GoldItem], Path | None]:
    """Load and validate one YAML gold file; returns its items and its corpus folder."""
    origin = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - safe
    except OSError as exc:
        raise GoldError(f"{origin}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise GoldError(f"{origin}: not UTF-8 text") from exc
    except yaml.YAMLError as exc:
        raise GoldError(f"{origin}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise GoldError(f"{origin}: expected a mapping with an 'items' list")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise GoldError(f"{origin}: unknown top-level key(s) {sorted(unknown)}; allowed: "
                        f"{', '.join(sorted(TOP_KEYS))}")
    if data.get("version", 1) != 1:
        raise GoldError(f"{origin}: field 'version': only version 1 is supported")
    corpus = None
    if data.get("corpus") is not None:
        corpus = (path.parent / str(data["corpus"])).resolve()
        if not corpus.is_dir():
            raise GoldError(f"{origin}: field 'corpus': no such folder {corpus}")
    split = data.get("split", "")
    if split and split not in SPLITS:
        raise GoldError(f"{origin}: field 'split': expected one of {', '.join(SPLITS)}, got {split!r}")
    items = [parse_item(raw, origin, i, split) for i, raw in enumerate(data["items"])]
    if corpus is not None:
        for item in items:
            check_sources_exist(item, corpus)
    return items, corpus


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders expand to their *.yaml, *.yml and *.jsonl files and those of their
    sub-folders (tests/gold/dev, tests/gold/test), sorted.

    A file named twice (directly or through its folder) is loaded once.
    """
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.suffix in (".yaml", ".yml", ".jsonl")
                              and q.is_file()))
        else:
            out.append(p)
    unique: dict[Path, Path] = {}
    for p in out:
        unique.setdefault(p.resolve(), p)
    return list(unique.values())


def load_gold(paths: list[Path], corpus_dirs: tuple[Path, ...] = ()) -> GoldSet:
    """Load gold files (YAML, or JSONL through the adapter) into one set; ids must be unique.

    `corpus_dirs` (e.g. `regbot eval --corpus`) hold the source files: JSONL evidence spans are
    resolved against the first, and JSONL quotes are checked against it like a YAML `corpus`.
    """
    from bot.eval.adapters import load_jsonl_gold

    items: list[GoldItem] = []
    corpora: list[Path] = [Path(d).resolve() for d in corpus_dirs]
    for d in corpora:
        if not d.is_dir():
            raise GoldError(f"--corpus: no such folder {d}")
    files = expand_paths(paths)
    if not files:
        raise GoldError(f"no gold files found in {', '.join(map(str, paths))}")
    for path in files:
        if not path.exists():
            raise GoldError(f"{path}: no such file")
        if path.suffix == ".jsonl":
            corpus = corpora[0] if corpora else None
            loaded = load_jsonl_gold(path, corpus=corpus)
            for item in loaded if corpus else ():
                check_sources_exist(item, corpus)
        else:
            loaded, corpus = load_gold_file(path)
        items.extend(loaded)
        if corpus is not None and corpus not in corpora:
            corpora.append(corpus)
    seen: dict[str, str] = {}
    asked: dict[str, GoldItem] = {}
    for item in items:
        if item.id in seen:
            raise GoldError(f"{item.origin}: item '{item.id}': field 'id': duplicate "
                            f"(also in {seen[item.id]})")
        seen[item.id] = item.origin
        other = asked.setdefault(normalise_ws(item.question).lower(), item)
        if other.split != item.split:  # a held-out question must not also be a dev question
            raise GoldError(f"{item.origin}: item '{item.id}': field 'question': also asked by "
                            f"'{other.id}' in the {other.split or 'unsplit'} part")
    if not items:
        raise GoldError(f"no gold items in {', '.join(map(str, files))}")
    return GoldSet(items=tuple(items), corpus_dirs=tuple(corpora))
