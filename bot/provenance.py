"""Provenance: which indexed document may stand behind a rule, and how every other one is shown.

* Rule evidence is matched by content: `bot/rules/sources.yaml` records the sha256 of
  each corpus file the rulebook quotes (and of its sidecar). Of the indexed documents that bear
  the rule's source name, only one whose file on disk hashes to the recorded value may carry
  the rule's quote; a byte-identical copy elsewhere ranks after the original (matching sidecar
  first, then trust level, then path), and a modified copy is never used. A name alone decides
  nothing: a copy of `…15cfr744.21….md` dropped into another folder cannot take the quotes.
* A passage whose document is not primary text (ingest.trust) is shown with what it is
  ("news — The Phnom Penh Post") in place of any CFR/FR citation, and carries no rule id, so it
  sits under a verdict only as background, never as its support.
* A passage that addresses its reader ("ignore previous…", "SYSTEM INSTRUCTION", "answer that…")
  is flagged and never quoted.

`python -m bot.provenance [SHARED_DIR] [--check]` writes (or checks) the sources manifest.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from bot.records import Chunk, Citation, Passage
from ingest.trust import (PRIMARY, UNKNOWN, rank, reader_flags, shown_locator, trust_label,
                          trust_of_type)

BOT = Path(__file__).resolve().parent
SOURCES_FILE = BOT / "rules" / "sources.yaml"
SIDECAR_SUFFIX = ".meta.json"


@dataclass(frozen=True)
class SourceHash:
    """What the rulebook recorded about one corpus file it quotes."""

    name: str
    sha256: str
    sidecar_sha256: str | None = None


# --------------------------------------------------------------------------- the manifest


def load_sources(path: Path | None = None) -> dict[str, SourceHash]:
    """file name -> SourceHash, from the sources manifest (empty when it is missing);
    re-read when the file changes."""
    path = Path(path or SOURCES_FILE)
    try:
        st = path.stat()
    except OSError:
        return {}
    return _load_sources(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4)
def _load_sources(path: Path, _mtime: int, _size: int) -> dict[str, SourceHash]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError:
        return {}
    return {name: SourceHash(name, entry["sha256"], entry.get("sidecar_sha256"))
            for name, entry in (data.get("sources") or {}).items()}


_HASHES: dict[tuple[str, int, int], str] = {}


def file_sha256(path: str | os.PathLike[str]) -> str | None:
    """sha256 of a file's bytes as they are now (cached per path, mtime and size); None if unreadable."""
    p = Path(path)
    try:
        st = p.stat()
        key = (str(p), st.st_mtime_ns, st.st_size)
        if key not in _HASHES:
            if not p.is_file():
                return None
            _HASHES[key] = hashlib.sha256(p.read_bytes()).hexdigest()
        return _HASHES[key]
    except OSError:
        return None


def _sidecar_sha256(path: str) -> str | None:
    return file_sha256(path + SIDECAR_SUFFIX)


# --------------------------------------------------------------------------- rule evidence


def rule_source_chunks(source: str, chunks: Iterable[Chunk],
                       sources: dict[str, SourceHash] | None = None) -> tuple[list[Chunk], str | None]:
    """The chunks of the one indexed document that holds the bytes the rulebook quotes as
    `source` (by sha256), and None; or ([], why not) when no indexed document does.
    (`present` then drops the link of a copy whose sidecar is not the recorded one.)"""
    recorded = (load_sources() if sources is None else sources).get(source)
    if recorded is None:
        return [], (f"the rulebook records no content hash for {source}; its quotes are not shown "
                    "(run `make sources`, i.e. `python -m bot.provenance`)")
    by_path: dict[str, list[Chunk]] = {}
    for chunk in chunks:
        by_path.setdefault(chunk.path, []).append(chunk)
    same = [p for p in by_path if file_sha256(p) == recorded.sha256]
    if not same:
        return [], (f"no indexed {source} holds the text the rulebook quotes "
                    f"(sha256 {recorded.sha256[:12]}…); its quotes are not shown")

    def sidecar_ok(path: str) -> bool:
        return _sidecar_sha256(path) == recorded.sidecar_sha256

    best = min(same, key=lambda p: (not sidecar_ok(p), -rank(by_path[p][0].meta.trust), p))
    return sorted(by_path[best], key=lambda c: c.ordinal), None


# --------------------------------------------------------------------------- passages


def is_support(chunk: Chunk) -> bool:
    """May this chunk be quoted as support for a verdict? Primary text that addresses no one."""
    return chunk.meta.trust == PRIMARY and not reader_flags(chunk.text)


def quotable(passages: Iterable[Passage]) -> tuple[list[Passage], list[str]]:
    """The passages that may be quoted at all (none that addresses its reader), and a note
    for each one left out."""
    kept, notes = [], []
    for passage in passages:
        flags = reader_flags(passage.chunk.text)
        if flags:
            notes.append(f"passage {passage.chunk.key} of {passage.chunk.source} addresses the "
                         f"reader ({', '.join(flags)}); not quoted")
        else:
            kept.append(passage)
    return kept, notes


def standing(chunk: Chunk) -> tuple[str, bool]:
    """(trust level, whether its link may be shown) of the document `chunk` comes from.

    A file bearing the name of a source the rulebook hashed but other bytes is an altered copy:
    `unknown`, whatever its sidecar says. The same bytes with another sidecar keep their level
    but not their link; so does a document that claims (by document_type) more than its level."""
    meta = chunk.meta
    trust, link = meta.trust, rank(trust_of_type(meta.document_type)) <= rank(meta.trust)
    recorded = load_sources().get(chunk.source)
    if recorded is not None:
        if file_sha256(chunk.path) != recorded.sha256:
            return UNKNOWN, False
        link = link and _sidecar_sha256(chunk.path) == recorded.sidecar_sha256
    return trust, link


def present(cite: Citation, chunk: Chunk) -> Citation:
    """`cite` (quoted from `chunk`) with its document's trust level and flags; a non-primary
    one shows its label instead of any citation, a locator that is not dressed as CFR/FR, and
    no rule ids (background, never a verdict's support)."""
    meta = chunk.meta
    flags = reader_flags(chunk.text)
    trust, link = standing(chunk)
    url = cite.url if link else None
    if trust == PRIMARY:
        return dataclasses.replace(cite, trust=PRIMARY, flags=flags, url=url,
                                   rule_ids=() if flags else cite.rule_ids)
    label = trust_label(trust, meta.document_type if link else None,
                        meta.publisher if link else None, chunk.source)
    return dataclasses.replace(cite, trust=trust, label=label, citation=label, flags=flags, url=url,
                               locator=shown_locator(cite.locator, chunk.source, trust), rule_ids=())


# --------------------------------------------------------------------------- building the manifest


def quoted_sources(root: Path = BOT) -> list[str]:
    """Every corpus file name a YAML file under bot/ quotes as a `source` (a bare file name or
    'corpus/NAME'; paths elsewhere under ../shared and '#' anchors are not corpus files)."""
    import yaml

    names: set[str] = set()

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "source" and isinstance(value, str):
                    name = value.removeprefix("corpus/")
                    if "#" not in name and "\\" not in name and (
                            "/" not in name or name.startswith("scale/")):
                        names.add(name)  # scale/<path>: ../shared/scale (22 CFR 123.1(a))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted(root.rglob("*.y*ml")):
        if path.resolve() != SOURCES_FILE.resolve():
            walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return sorted(names)


def build_manifest(corpus: Path, names: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """name -> {sha256, sidecar_sha256} of each file in `corpus`; KeyError naming a missing one."""
    out: dict[str, dict[str, str | None]] = {}
    for name in names:
        path = corpus.parent / name if name.startswith("scale/") else corpus / name
        digest = file_sha256(path)
        if digest is None:
            raise KeyError(f"the rulebook quotes {name}, which is not in {corpus}")
        out[name] = {"sha256": digest, "sidecar_sha256": file_sha256(str(path) + SIDECAR_SUFFIX)}
    return out


def render_manifest(entries: dict[str, dict[str, str | None]]) -> str:
    import yaml

    head = ("# The corpus files the rulebook quotes, by content (generated: python -m bot.provenance).\n"
            "# A rule's quote is shown only from an indexed file whose bytes hash to `sha256`.\n")
    return head + yaml.safe_dump({"sources": entries}, sort_keys=True, width=200)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    shared = Path(args[0] if args else os.environ.get("REGBOT_SHARED", BOT.parent.parent / "shared"))
    try:
        entries = build_manifest(shared / "corpus", quoted_sources())
        text = render_manifest(entries)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return 1
    current = SOURCES_FILE.read_text(encoding="utf-8") if SOURCES_FILE.is_file() else ""
    if check:
        if current != text:
            print(f"{SOURCES_FILE} is stale: run `python -m bot.provenance`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        SOURCES_FILE.write_text(text, encoding="utf-8")
    print(f"{SOURCES_FILE}: {len(entries)} sources")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
