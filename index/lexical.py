"""BM25 over the chunk store (bm25s + PyStemmer), persisted under `lexical/`.

The tokenizer keeps regulatory tokens whole *and* indexes their parts, so
`744.21(g)` is found by `744.21(g)`, `744.21` or `g`; `D:5`, `7A994`, `9A610.x`,
`126.1` and `§` likewise. Plain words are lower-cased, stop-worded and stemmed.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.records import Chunk
from index.chunkstore import ChunkStore

STATE_FILE = "state.json"
KEYS_FILE = "keys.json"
MODEL_DIR = "bm25"

_TOKEN = re.compile(
    r"§"
    r"|\d[a-z]\d{3}(?:\.[a-z0-9]+)*"  # ECCN: 7a994, 9a610.x, 5a002.a.1
    r"|[a-z]:\d+"  # country group: d:5, e:1
    r"|\d+(?:\.\d+)+(?:\([a-z0-9]+\))*"  # section / paragraph: 126.1, 744.21(a)(1)
    r"|\d+(?:\([a-z0-9]+\))+"  # 126(d)
    r"|\w+",
    re.IGNORECASE,
)
_COMPOUND = re.compile(r"[.:()§]")
_ECCN = re.compile(r"\d[a-z]\d{3}|ear99")
_PARTS = re.compile(r"[.:()]+")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def compound_parts(token: str) -> list[str]:
    """`744.21(a)(1)` -> [`744.21(a)(1)`, `744.21(a)`, `744.21`, `a`, `1`]; order kept, no dups."""
    out = [token]
    depth = token.count("(")
    base = token
    for _ in range(depth):  # drop one trailing "(x)" at a time
        base = base[:base.rfind("(")]
        out.append(base)
    out.extend(p for p in _PARTS.split(token) if p)
    return list(dict.fromkeys(out))


def tokenize(text: str) -> list[str]:
    """BM25 tokens for a text (the same function for documents and queries)."""
    tokens: list[str] = []
    stop, stem = _stopwords(), _stemmer().stemWord
    for match in _TOKEN.finditer(text.lower()):
        token = match.group(0)
        if token == "§" or not _COMPOUND.search(token):
            if token in stop:
                continue
            tokens.append(token if token == "§" or not token.isalpha() else stem(token))
        else:
            tokens.extend(compound_parts(token))
    return tokens


@dataclass
class LexicalIndex:
    """A loaded BM25 model plus the chunk key of each of its rows."""

    model: object  # bm25s.BM25 (None when the store is empty)
    keys: list[str]
    generation: str

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for `query` (zeros when no query token is known)."""
        if self.model is None:
            return np.zeros(0, dtype=np.float32)
        vocab = self.model.vocab_dict
        tokens = [t for t in tokenize(query) if t in vocab]
        if not tokens:
            return np.zeros(len(self.keys), dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)

    def top(self, query: str, k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """(key, score) of the k best rows with a positive score, optionally only `allowed` keys."""
        scores = self.scores(query)
        if allowed is not None:
            mask = np.fromiter((key in allowed for key in self.keys), dtype=bool, count=len(self.keys))
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.keys[i], float(scores[i])) for i in order if scores[i] > 0]


def lexical_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: a CFR locator, the heading path and the text.

    File-name locators ("x_excerpt.txt ¶3") and document titles are left out: a title
    repeated on every chunk lets one document whose title echoes the query crowd out
    the others (measured on ../shared/corpus)."""
    locator = "" if chunk.locator.startswith(chunk.source) else chunk.locator
    return "\n".join((locator, chunk.heading, chunk.text))


def has_identifier(query: str) -> bool:
    """True when the query names an exact regulatory token (126.1, D:5, 7A994, § ...)."""
    return any(t == "§" or _COMPOUND.search(t) or _ECCN.fullmatch(t)
               for t in (m.group(0) for m in _TOKEN.finditer(query.lower())))


# Words that only say what kind of identifier follows ("ECCN 7A994", "22 CFR 126.1(d)").
_DESIGNATORS = frozenset({
    "cfr", "fr", "ear", "itar", "eccn", "eccns", "usml", "ccl", "section", "sections", "sec",
    "part", "parts", "paragraph", "para", "supplement", "supp", "no", "category", "cat",
    "country", "group", "title", "§§"})


def identifier_only(query: str) -> bool:
    """True when the query is nothing but identifiers and their designators
    (`§ 744.21(g)`, `ECCN 7A994`, `22 CFR 126.1(d)`): a citation lookup, where the
    embedding model adds only noise."""
    tokens = [m.group(0) for m in _TOKEN.finditer(query.lower())]
    return has_identifier(query) and all(
        t == "§" or t.isdigit() or t in _DESIGNATORS or _COMPOUND.search(t) or _ECCN.fullmatch(t)
        for t in tokens)


def build(store: ChunkStore) -> LexicalIndex:
    """A fresh BM25 over every chunk of the store (heading + text)."""
    import bm25s

    generation = store.generation
    keys, corpus = [], []
    for chunk in store.iter_chunks():
        keys.append(chunk.key)
        corpus.append(tokenize(lexical_text(chunk)))
    if not keys:
        return LexicalIndex(None, [], generation)
    model = bm25s.BM25()
    model.index(corpus, show_progress=False)
    return LexicalIndex(model, keys, generation)


def save(index: LexicalIndex, path: Path) -> None:
    """Write to a temp folder beside `path`, then swap it in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.tmp-"))
    try:
        if index.model is not None:
            index.model.save(str(tmp / MODEL_DIR), show_progress=False)
        (tmp / KEYS_FILE).write_text(json.dumps(index.keys))
        (tmp / STATE_FILE).write_text(json.dumps({"generation": index.generation}))
        old = path.with_name(f".{path.name}.old-{uuid.uuid4().hex}")
        try:
            os.replace(path, old)
        except FileNotFoundError:  # first build, or another process moved it just now
            pass
        _install(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _install(tmp: Path, path: Path, attempts: int = 5) -> None:
    """Move the finished build to `path`. Refused ("directory not empty") when another writer
    installed its build first: that one stands. If that build was moved away again before we
    could look (a third writer swapping), `path` is free: try again."""
    for _ in range(attempts):
        try:
            os.replace(tmp, path)
            return
        except OSError:
            if path.is_dir():
                return
    raise OSError(f"could not install the lexical index at {path}: other writers kept swapping it")


def load(path: Path) -> LexicalIndex | None:
    """The saved index, or None when absent or unreadable (callers rebuild)."""
    import bm25s

    try:
        state = json.loads((path / STATE_FILE).read_text())
        keys = json.loads((path / KEYS_FILE).read_text())
        model = None
        if keys:
            model = bm25s.BM25.load(str(path / MODEL_DIR), load_vocab=True, show_progress=False)
        return LexicalIndex(model, keys, state["generation"])
    except (OSError, ValueError, KeyError):
        return None


def load_or_build(path: Path, store: ChunkStore) -> LexicalIndex:
    """The saved BM25 if it matches the store's generation, else rebuilt and saved."""
    index = load(path)
    if index is not None and index.generation == store.generation:
        return index
    index = build(store)
    try:
        save(index, path)
    except OSError as exc:  # a read-only or full disk: serve from memory, say why once
        print(f"regbot: cannot save the BM25 index at {path} ({exc}); it is rebuilt in memory "
              "each run", file=sys.stderr)
    return index
