"""Independent checks of an answer's quotes (tests only): each is a verbatim span of its source
file; nothing but primary text is ever quoted as support or under an official citation; and
each quote shown as support for a rule is about the claim it supports (claim and quote agree:
issue 11).

It reads .md/.txt files as raw bytes — not through regbot's reader — sidecars as plain JSON,
and matches country names from the country table with its own patterns, so it does not share
the code it checks (`bot.evidence`, `bot.support`).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml

from regbot_paths import CORPUS


def _file_text(path: Path) -> str:
    if path.suffix.lower() in (".md", ".txt"):
        return path.read_bytes().decode("utf-8")  # the file itself, not our reader
    from ingest.readers import read_document

    return read_document(path).text


def _dataset_row(key: str) -> bool:
    return key.startswith(("ear-table:", "csl:"))


def assert_quotes_verbatim(answer: Any, dirs: Iterable[Path] = (CORPUS,)) -> int:
    """Every citation's quote is a verbatim span of its source file; returns how many were checked.

    Accepts an `Answer` (checks text[span] == quote) or its JSON dict (checks the quote occurs).
    """
    dirs = list(dirs)
    cites = answer["citations"] if isinstance(answer, dict) else answer.citations
    for cite in cites:
        source = cite["source"] if isinstance(cite, dict) else cite.source
        quote = cite["quote"] if isinstance(cite, dict) else cite.quote
        key = cite["key"] if isinstance(cite, dict) else cite.key
        if _dataset_row(key):  # a table row or list entry: re-rendered from its dataset
            from bot.answers.cite import verify_dataset_citation

            assert verify_dataset_citation(key, quote), f"{key} does not render as {quote[:80]!r}"
            continue
        paths = [d / source for d in dirs if (d / source).is_file()]
        assert paths, f"cited source {source} not found in {dirs}"
        text = _file_text(paths[0])
        assert quote.strip(), f"empty quote from {source}"
        span = None if isinstance(cite, dict) else cite.span
        if span is not None:
            assert text[span[0]:span[1]] == quote, f"quote does not match {source}{span}"
        else:
            assert quote in text, f"quote not verbatim in {source}: {quote[:80]!r}"
        assert_provenance(cite, [d / source for d in dirs if (d / source).is_file()])
    return len(cites)


# What regulation text's sidecars call themselves (../shared/corpus); anything else is not
# primary text. Official-looking: a CFR or Federal Register reference.
_PRIMARY_TYPES = {"regulation_text", "final_rule", "interim_final_rule", "rule", "proposed_rule"}
_OFFICIAL = re.compile(r"\b\d+\s+CFR\b|\b\d+\s+FR\s+\d|\bFR\s+Doc\b", re.I)
_ADDRESSES_READER = re.compile(r"SYSTEM\s*(?:INSTRUCTION|PROMPT|MESSAGE)|\bignore\s+(?:all\s+)?"
                               r"(?:previous|prior|above)\b|\byou\s+must\s+(?:say|answer)\b", re.I)


def _field(cite: Any, name: str, default: Any = None) -> Any:
    return cite.get(name, default) if isinstance(cite, dict) else getattr(cite, name, default)


def _sidecar_type(path: Path) -> str | None:
    side = path.with_name(path.name + ".meta.json")
    if not side.is_file():
        return None
    return (json.loads(side.read_text(encoding="utf-8")).get("document_type") or "").lower()


def assert_provenance(cite: Any, paths: Iterable[Path] = ()) -> None:
    """A quote that is support (carries rule ids) or sits under a CFR/FR citation comes from
    primary text; no quote addresses its reader. `paths`: the files the source name resolves
    to; when every one's sidecar says it is not primary text, the quote is not support."""
    rule_ids = tuple(_field(cite, "rule_ids", ()) or ())
    official = bool(_OFFICIAL.search(_field(cite, "citation") or "")
                    or _OFFICIAL.search(_field(cite, "locator") or ""))
    source, quote = _field(cite, "source"), _field(cite, "quote") or ""
    assert not _ADDRESSES_READER.search(quote), f"{source}: a quote addresses the reader: {quote[:80]!r}"
    assert not _field(cite, "flags", ()), f"{source}: a flagged passage is quoted"
    if rule_ids or official:
        assert _field(cite, "trust") == "primary", (
            f"{source} ({_field(cite, 'trust')}) is quoted as support or under an official citation "
            f"({_field(cite, 'citation')!r}, rules {rule_ids})")
        types = [_sidecar_type(p) for p in paths]
        assert not types or any(t in _PRIMARY_TYPES for t in types if t is not None) or \
            all(t is None for t in types), f"{source}: its sidecar says {types}, yet it is support"
    else:
        label = _field(cite, "label")
        assert _field(cite, "trust") == "primary" or label, f"{source}: non-primary quote without a label"


# --------------------------------------------------------------------------- claim and quote

_COUNTRIES_YAML = Path(__file__).resolve().parents[1] / "bot" / "rules" / "countries.yaml"
_ECCN_RE = re.compile(r"(?<![\w.])(\d[A-E]\d{3})(?![\dA-Za-z])")
_ISO_RE = re.compile(r"^[A-Z]{2}$")
UNTRACED = object()  # the value of a cited rule the verdict's trace does not hold (a fact answer)


@lru_cache(maxsize=1)
def _country_patterns() -> list[tuple[str, re.Pattern]]:
    """(ISO code, whole-word pattern) for every name in the country table (data, read here
    with yaml, not through regbot's matcher). Short upper-case aliases match case-sensitively."""
    table = yaml.safe_load(_COUNTRIES_YAML.read_text(encoding="utf-8"))
    out = []
    for code, names in table.items():
        for name in names:
            name = str(name).replace("\u2019", "'")
            flags = 0 if (name.replace(".", "").isupper() and len(name) <= 5) else re.IGNORECASE
            out.append((str(code), re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)", flags)))
    return out


def _places(text: str) -> set[str]:
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text.replace("\u2019", "'"))
    return {code for code, pattern in _country_patterns() if pattern.search(text)} - {"US"}


def _get(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _rule_shape(rule_id: str, value: Any) -> str:
    """per_destination | countries | eccns | general | untraced, from the id and value alone."""
    if _ISO_RE.match(rule_id.rpartition(".")[2]) or rule_id.startswith("csl:"):
        return "per_destination"  # a list entry is about its party, in its countries
    if value is UNTRACED:
        return "untraced"  # cited by a fact answer, not read by the engine: judged by its places
    if isinstance(value, (list, tuple)) and value and all(_ISO_RE.match(str(v)) for v in value):
        return "countries"
    if isinstance(value, (list, tuple)) and value and all(_ECCN_RE.fullmatch(str(v)) for v in value):
        return "eccns"
    if isinstance(value, (list, tuple)):
        return "countries"  # an empty list (nobody in it): a country list
    return "general"


def quote_agrees(quote: str, rule_id: str, value: Any, destination: str | None,
                 classification: str | None) -> bool:
    """The independent claim/quote check: the quote is about the destination (or is the rule's
    whole country list), a rule for every destination gets no country-specific quote, and a
    quote naming ECCNs names the claim's ECCN (or is the rule's whole ECCN list)."""
    shape = _rule_shape(rule_id, value)
    places = _places(quote)
    if places:
        if shape in ("general", "eccns"):
            return False
        if shape == "untraced" and destination is not None and destination not in places:
            return False
        listed = shape == "countries" and value and set(map(str, value)) <= places
        if destination is not None and destination not in places and not listed:
            return False
    named = set(_ECCN_RE.findall(quote))
    own = _ECCN_RE.match(classification or "")
    if named and own and own.group(1) not in named:
        return shape == "eccns" and bool(value) and set(map(str, value)) <= named
    return True


def assert_claims_agree(answer: Any) -> int:
    """Every citation shown as support for rules (its `rule_ids`) agrees with at least one claim
    resting on one of them: destination of the answer, classification of a branch using it."""
    facts, verdict = _get(answer, "facts"), _get(answer, "verdict")
    destination, stated = _get(facts, "destination"), _get(facts, "classification")
    values = {_get(t, "rule_id"): _get(t, "value") for t in _get(verdict, "trace")}
    classes: dict[str, set] = {}
    for branch in _get(verdict, "branches"):
        cond = branch["if"] if isinstance(branch, dict) else branch.conditions
        for rule in _get(branch, "rule_ids"):
            classes.setdefault(rule, set()).add(cond.get("classification") or stated)
    checked = 0
    for cite in _get(answer, "citations"):
        rule_ids = list(_get(cite, "rule_ids") or ())
        if not rule_ids or _dataset_row(_get(cite, "key")):
            continue
        quote = _get(cite, "quote")
        assert any(quote_agrees(quote, r, values.get(r, UNTRACED), destination, c)
                   for r in rule_ids for c in (classes.get(r) or {stated})), (
            f"quote shown for {rule_ids} is not about {destination}/{stated}: {quote[:100]!r}")
        checked += 1
    return checked
