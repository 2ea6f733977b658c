"""Strict loader for the dated, cited rulebook (YAML under `bot/rules/rulebook/`).

Every rule value carries the dates it holds (`from`, optional inclusive `until`) and a
reference (`citation`, optional `source` -- a corpus file name or a path under ../shared --
and verbatim `quote`, `verified`). Unknown keys, bad dates, overlapping periods, a value without a citation
or a duplicate rule id raise `RulebookError` naming the file, the line and the rule.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.records import END_USES
from bot.rules import schema
from bot.rules.review import UnderReview

RULEBOOK_DIR = Path(__file__).with_name("rulebook")

FILE_KEYS = {"rules", "items"}
RULE_KEYS = {"id", "title", "note", "values"}
SCALE_PREFIX = "scale/"  # a source under ../shared/scale rather than ../shared/corpus
VALUE_KEYS = {"from", "until", "value", "exceptions", "citation", "source", "quote", "verified",
              "note"}
ITEM_KEYS = {"id", "words", "candidates"}
CANDIDATE_KEYS = {"classification", "reason", "citation", "source", "quote", "verified",
                  "note"}
_LINE = "__line__"
# End uses a value may list under `exceptions` (the end uses `Facts.end_use` can hold).
EXCEPTION_END_USES = frozenset(END_USES)
_ISO = re.compile(r"^[A-Z]{2}$")
_ECCN = re.compile(r"^\d[A-E]\d{3}$")


# A source is a corpus file name ("2026-02-10_ecfr_...md") or a path under ../shared that
# starts with one of these folders ("scale/cfr-2025-01/title-15/chapter-VII.md").
SHARED_ROOTS = ("corpus/", "scale/", "ear/")


def valid_source(source: str) -> bool:
    """A bare corpus file name, or a relative path under one of SHARED_ROOTS (no '..')."""
    if "\\" in source or source.startswith("/"):
        return False
    if "/" not in source:
        return bool(source.strip())
    parts = source.split("/")
    return source.startswith(SHARED_ROOTS) and ".." not in parts and all(parts)


class RulebookError(ValueError):
    """The rulebook data is malformed; the message names the file, line and rule."""


@dataclass(frozen=True)
class RuleValue:
    """One dated, cited value of a rule."""

    value: Any
    valid_from: date
    valid_until: date | None
    citation: str
    source: str | None
    quote: str | None
    verified: bool
    exceptions: tuple[str, ...] = ()
    note: str | None = None

    def holds_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    values: tuple[RuleValue, ...]
    file: str

    def value_on(self, day: date) -> RuleValue | None:
        """The value in force on `day`, or None when the rule is not in force then."""
        for value in self.values:
            if value.holds_on(day):
                return value
        return None


@dataclass(frozen=True)
class Candidate:
    """One classification an everyday item word may have."""

    classification: str
    reason: str
    citation: str
    source: str | None
    quote: str | None
    verified: bool
    note: str | None = None


@dataclass(frozen=True)
class CatalogueItem:
    id: str
    words: tuple[str, ...]
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class Rulebook:
    rules: dict[str, Rule]
    items: tuple[CatalogueItem, ...]
    version: str  # hash of the rulebook files, stamped on every answer
    files: tuple[str, ...] = field(default=())
    reviews: tuple[UnderReview, ...] = ()  # open staleness alarms (bot.sync attaches them)

    def rule(self, rule_id: str) -> Rule | None:
        return self.rules.get(rule_id)

    def item(self, words: str) -> CatalogueItem | None:
        """The catalogue entry whose id or one of whose words is `words` (case-insensitive)."""
        key = words.strip().lower()
        for item in self.items:
            if key == item.id or key in item.words:
                return item
        return None

    def countries(self) -> tuple[str, ...]:
        """ISO codes the rulebook holds any rule for (the covered destinations)."""
        return self._covered

    @cached_property
    def _covered(self) -> tuple[str, ...]:
        return tuple(sorted(schema.covered_destinations(self.rules.values())))


# --------------------------------------------------------------------------- YAML with lines


# libyaml's parser where PyYAML was built with it (the pure-Python one took ~0.3 s of a cold
# `regbot check`); the constructors below are PyYAML's either way.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """SafeLoader that keeps dates as strings (parsed strictly below) and records lines."""


_LineLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    keys = [k.value for k, _ in node.value  # explicit keys; a `<<:` merge may be overridden
            if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge"]
    repeated = sorted({str(k) for k in keys if keys.count(k) > 1})
    if repeated:  # YAML would keep the last one silently
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate key(s) {', '.join(repeated)} in one mapping", node.start_mark)
    mapping = _SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Ctx:
    """Where we are, for error messages."""

    def __init__(self, file: str):
        self.file = file

    def fail(self, node: Any, message: str, rule: str | None = None) -> RulebookError:
        line = node.get(_LINE) if isinstance(node, dict) else None
        where = f"{self.file}" + (f", line {line}" if line else "")
        who = f", rule {rule!r}" if rule else ""
        return RulebookError(f"{where}{who}: {message}")


def _check_keys(ctx: _Ctx, node: Any, allowed: set[str], what: str, rule: str | None) -> None:
    if not isinstance(node, dict):
        raise ctx.fail(node, f"{what} must be a mapping, got {type(node).__name__}", rule)
    unknown = sorted(set(node) - allowed - {_LINE})
    if unknown:
        raise ctx.fail(node, f"unknown key(s) in {what}: {', '.join(map(str, unknown))}", rule)


def _parse_date(ctx: _Ctx, node: dict, key: str, rule: str, required: bool) -> date | None:
    raw = node.get(key)
    if raw is None:
        if required:
            raise ctx.fail(node, f"value has no '{key}' date", rule)
        return None
    try:
        return date.fromisoformat(str(raw)) if len(str(raw)) == 10 else _bad_date()
    except ValueError:
        raise ctx.fail(node, f"bad '{key}' date {raw!r} (want YYYY-MM-DD)", rule) from None


def _bad_date() -> date:
    raise ValueError("not YYYY-MM-DD")


def _reference(ctx: _Ctx, node: dict, rule: str) -> tuple[str, str | None, str | None, bool]:
    citation = node.get("citation")
    if not isinstance(citation, str) or not citation.strip():
        raise ctx.fail(node, "value has no citation", rule)
    source, quote = node.get("source"), node.get("quote")
    if source is not None and not valid_source(str(source)):
        raise ctx.fail(node, f"source must be a corpus file name or a path under ../shared "
                             f"starting {', '.join(SHARED_ROOTS)}: {source!r}", rule)
    if source is not None and not quote:
        raise ctx.fail(node, "value names a source but has no quote", rule)
    verified = node.get("verified")
    if not isinstance(verified, bool):
        raise ctx.fail(node, "value needs 'verified: true|false'", rule)
    return citation.strip(), source, quote, verified


def _check_value(ctx: _Ctx, node: dict, rule: str, value: Any) -> None:
    """The value has the form the engine expects for this rule (`schema`): a typo here
    ("listd") must not silently turn a policy of denial into "not listed"."""
    parsed = schema.parse(rule)
    kind = parsed[0].kind if parsed else "any"
    if kind == "word" and value not in parsed[0].words:
        raise ctx.fail(node, f"value {value!r} is not one of {', '.join(sorted(parsed[0].words))}",
                       rule)
    if kind in ("countries", "eccns"):
        pattern, what = (_ISO, "ISO 3166 alpha-2 codes") if kind == "countries" else (
            _ECCN, "ECCNs such as 7A994")
        if not isinstance(value, list) or not all(
                isinstance(v, str) and pattern.match(v) for v in value):
            raise ctx.fail(node, f"value must be a list of {what}, got {value!r}", rule)


def _exceptions(ctx: _Ctx, node: dict, rule: str) -> tuple[str, ...]:
    raw = node.get("exceptions") or []
    if not isinstance(raw, list) or not all(e in EXCEPTION_END_USES for e in raw):
        raise ctx.fail(node, f"exceptions must be a list of end uses "
                             f"({', '.join(sorted(EXCEPTION_END_USES))}), got {raw!r}", rule)
    return tuple(raw)


def _parse_value(ctx: _Ctx, node: Any, rule: str) -> RuleValue:
    _check_keys(ctx, node, VALUE_KEYS, "rule value", rule)
    if "value" not in node:
        raise ctx.fail(node, "rule value has no 'value'", rule)
    start = _parse_date(ctx, node, "from", rule, required=True)
    end = _parse_date(ctx, node, "until", rule, required=False)
    if end is not None and end < start:
        raise ctx.fail(node, f"'until' {end} is before 'from' {start}", rule)
    citation, source, quote, verified = _reference(ctx, node, rule)
    value = node["value"]
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != _LINE}
    _check_value(ctx, node, rule, value)
    return RuleValue(value=value, valid_from=start, valid_until=end, citation=citation,
                     source=source, quote=quote, verified=verified,
                     exceptions=_exceptions(ctx, node, rule), note=node.get("note"))


def _check_overlaps(ctx: _Ctx, node: dict, rule: str, values: list[RuleValue]) -> None:
    ordered = sorted(values, key=lambda v: v.valid_from)
    for before, after in zip(ordered, ordered[1:]):
        if before.valid_until is None or before.valid_until >= after.valid_from:
            raise ctx.fail(node, f"overlapping periods: a value from {before.valid_from} "
                                 f"(until {before.valid_until or 'open'}) and one from "
                                 f"{after.valid_from}", rule)


def _parse_rule(ctx: _Ctx, node: Any) -> Rule:
    rule_id = node.get("id") if isinstance(node, dict) else None
    _check_keys(ctx, node, RULE_KEYS, "rule", rule_id)
    if not isinstance(rule_id, str) or not rule_id:
        raise ctx.fail(node, "rule has no id")
    raw_values = node.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        raise ctx.fail(node, "rule has no values", rule_id)
    values = [_parse_value(ctx, v, rule_id) for v in raw_values]
    _check_overlaps(ctx, node, rule_id, values)
    values.sort(key=lambda v: v.valid_from)
    return Rule(id=rule_id, title=str(node.get("title") or rule_id), values=tuple(values),
                file=ctx.file)


def _parse_item(ctx: _Ctx, node: Any) -> CatalogueItem:
    _check_keys(ctx, node, ITEM_KEYS, "item", None)
    item_id = str(node.get("id") or "")
    if not item_id or not node.get("candidates"):
        raise ctx.fail(node, "item needs an id and candidates", item_id or None)
    candidates = []
    for cand in node["candidates"]:
        _check_keys(ctx, cand, CANDIDATE_KEYS, "item candidate", item_id)
        if not str(cand.get("classification") or "").strip():
            raise ctx.fail(cand, "item candidate has no classification", item_id)
        citation, source, quote, verified = _reference(ctx, cand, item_id)
        candidates.append(Candidate(classification=str(cand["classification"]),
                                    reason=str(cand.get("reason") or ""), citation=citation,
                                    source=source, quote=quote, verified=verified,
                                    note=cand.get("note")))
    words = tuple(str(w).lower() for w in node.get("words") or ())
    return CatalogueItem(id=item_id.lower(), words=words, candidates=tuple(candidates))


def _parse_file(path: Path) -> tuple[list[Rule], list[CatalogueItem]]:
    ctx = _Ctx(path.name)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RulebookError(f"{path.name}: cannot read rulebook file: {exc}") from exc
    if not isinstance(data, dict):
        raise RulebookError(f"{path.name}: a rulebook file must be a mapping with 'rules' or "
                            f"'items'")
    _check_keys(ctx, data, FILE_KEYS, "rulebook file", None)
    rules = [_parse_rule(ctx, node) for node in data.get("rules") or ()]
    items = [_parse_item(ctx, node) for node in data.get("items") or ()]
    return rules, items


def _rulebook_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RulebookError(f"{path}: no such rulebook file or folder")
    files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    if not files:
        raise RulebookError(f"{path}: no rulebook YAML files found")
    return files


def _claim_words(item: CatalogueItem, file: str, owners: dict[str, str]) -> None:
    """Each item id and word names one catalogue entry; otherwise look-up would be ambiguous."""
    for word in dict.fromkeys((item.id, *item.words)):
        if word in owners:
            raise RulebookError(f"{file}, item {item.id!r}: the word {word!r} is also claimed "
                                f"by item {owners[word]}")
        owners[word] = f"{item.id!r} ({file})"


def _version(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def read_rulebook(path: Path) -> Rulebook:
    """Parse and validate the rulebook at `path` (a folder of YAML files, or one file)."""
    files = _rulebook_files(path)
    rules: dict[str, Rule] = {}
    items: list[CatalogueItem] = []
    owners: dict[str, str] = {}
    for file in files:
        file_rules, file_items = _parse_file(file)
        for rule in file_rules:
            if rule.id in rules:
                raise RulebookError(f"{file.name}, rule {rule.id!r}: duplicate rule id "
                                    f"(also in {rules[rule.id].file})")
            rules[rule.id] = rule
        for item in file_items:
            _claim_words(item, file.name, owners)
        items.extend(file_items)
    return Rulebook(rules=rules, items=tuple(items), version=_version(files),
                    files=tuple(f.name for f in files))


@lru_cache(maxsize=8)
def _cached(path: str, stamp: tuple[tuple[str, float], ...]) -> Rulebook:
    return read_rulebook(Path(path))


def load_rulebook(path: Path | None = None) -> Rulebook:
    """The rulebook at `path` (default: the packaged one), cached until its files change."""
    target = Path(path) if path is not None else RULEBOOK_DIR
    files = _rulebook_files(target)
    stamp = tuple((f.name, f.stat().st_mtime) for f in files)
    return _cached(str(target.resolve()), stamp)
