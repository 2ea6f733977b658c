"""Chunking time of pathological lines (issue 14): one line without sentence ends, 1.4 MB
of it, and a 300,000-character "word". Before the fix 40,000 words took 83 s and 1.4 MB
did not finish in 600 s.

    python tests/bench/bench_chunk_lines.py            # prints one JSON line per case
"""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

from bot.records import DocMeta, Document
from ingest.chunking import chunk_document, count_model_tokens

VOCAB = ("export control licence item destination military end user regulation section "
         "paragraph national security classification embargo screening").split()


def one_line(chars: int) -> str:
    rng = random.Random(14)
    words, size = [], 0
    while size < chars:
        words.append(rng.choice(VOCAB))
        size += len(words[-1]) + 1
    return " ".join(words) + "\n"


def case(name: str, text: str) -> dict:
    doc = Document(doc_id="b" * 16, path=f"/bench/{name}", source=name, format="text", text=text,
                   sha256="0" * 64, meta=DocMeta(title=name))
    count_model_tokens("warm up")
    started = time.perf_counter()
    chunks = chunk_document(doc)
    seconds = time.perf_counter() - started
    return {"case": name, "chars": len(text), "words": len(text.split()), "chunks": len(chunks),
            "seconds": round(seconds, 2), "longest_chunk_chars": max(len(c.text) for c in chunks),
            "max_tokens": max(count_model_tokens(c.text) for c in chunks)}


def main() -> None:
    print(json.dumps({"load_average": Path("/proc/loadavg").read_text().split()[:3]}))
    for name, text in (("40k-words-one-line.txt", " ".join(one_line(400_000).split()[:40_000]) + "\n"),
                       ("1.4MB-one-line.txt", one_line(1_400_000)),
                       ("300k-char-word.txt", "x" * 300_000 + "\n")):
        print(json.dumps(case(name, text)), flush=True)


if __name__ == "__main__":
    main()
