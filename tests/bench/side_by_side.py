"""regbot next to plain langchain + Chroma over the same corpus, in one run (issue 16 point 3).

Called by `tests/bench/bench_index.py` (section `langchain_side_by_side` of the results file).
Both systems embed with all-MiniLM-L6-v2 (regbot: its ONNX export on onnxruntime; the baseline:
`HuggingFaceEmbeddings`, sentence-transformers on torch) and search the same corpus chunks with
the same queries, k = 5. The baseline is what a langchain tutorial builds: `langchain_chroma.Chroma`,
one collection, dense only.

- build, cold: a new process that imports, loads the model and indexes the corpus (regbot: `regbot
  ingest ../shared/corpus` into an empty home — it reads and chunks the files too; the baseline:
  `Chroma.add_texts` of regbot's chunk texts, given to it ready-made, into a persistent folder);
- build, warm: the same inside this process with imports and model already loaded;
- search, warm: p50 / p95 over the queries (gold questions, then random chunk openings; 5 untimed);
- search, cold: a new process answering one query (`regbot search "7A994" -k 5 --json`; the
  baseline opens its folder, loads the model, one `similarity_search`);
- hit@5 on the gold questions (regbot hybrid, dense, BM25; the baseline).
A third system separates the engine from the pipeline: the same langchain + Chroma code with
regbot's ONNX embedder behind langchain's `Embeddings` interface (`langchain_onnx_*`, warm only).
Percentiles are nearest-rank, so with 3 builds the p95 is the slowest one.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_index import REPO, hit_rate, time_queries
from langchain_core.embeddings import Embeddings

from bot.stats import percentile

LOADS: dict[str, float] = {}  # 1-min load average when each part of the comparison ended


def _stats(rec, name: str, seconds: list[float], unit: str = "s") -> None:
    """p50 / p95 (nearest rank) of `seconds` as figures; notes the load at that moment."""
    scale, digits = (1000, 1) if unit == "ms" else (1, 2)
    rec.figure(f"{name}_p50_{unit}", round(percentile(seconds, 50) * scale, digits), unit=unit)
    rec.figure(f"{name}_p95_{unit}", round(percentile(seconds, 95) * scale, digits), unit=unit)
    LOADS[name] = round(os.getloadavg()[0], 2)

COLD_QUERY = "7A994"
BASELINE_SCRIPT = r"""
import json, sys
mode, folder, arg = sys.argv[1:4]
import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_huggingface import HuggingFaceEmbeddings
from index.embedding import quiet_transformers, source_model_dir
quiet_transformers()
embeddings = HuggingFaceEmbeddings(model_name=str(source_model_dir()),
                                   encode_kwargs={"normalize_embeddings": True})
client = chromadb.PersistentClient(folder, ChromaSettings(anonymized_telemetry=False))
store = Chroma(collection_name="baseline", embedding_function=embeddings, client=client)
if mode == "build":
    chunks = json.load(open(arg))
    store.add_texts([c["text"] for c in chunks], metadatas=[{"source": c["source"]} for c in chunks])
else:
    print(json.dumps([d.metadata["source"] for d in store.similarity_search(arg, k=5)]))
"""


def _env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path, "HF_HUB_OFFLINE": "1", **extra}


def _timed_process(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed: {done.stderr[-1000:]}")
    return time.perf_counter() - start


def _regbot_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args]


def _warm_regbot_builds(corpus: Path, tmp: Path, runs: int) -> list[float]:
    from bot.settings import Settings
    from index.build import ingest_paths
    from index.embedding import get_embedder

    get_embedder(Settings(home=tmp / "warmup")).embed(["warm-up"])  # imports, ONNX export cached
    times = []
    for n in range(runs):
        start = time.perf_counter()
        report = ingest_paths([corpus], Settings(home=tmp / f"regbot-warm{n}"))
        times.append(time.perf_counter() - start)
        assert not report.failed, report.failed
    return times


class OnnxEmbeddings(Embeddings):
    """regbot's ONNX embedder behind langchain's Embeddings interface (embed_documents/embed_query)."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed([text])[0].tolist()


def _warm_langchain(rec, name: str, embeddings, chunks, queries, gold, runs: int):
    """Warm builds, warm search and hit@5 of langchain + Chroma with `embeddings`."""
    embeddings.embed_query("warm-up")
    _baseline_store(embeddings, chunks[:1])  # first Chroma client and collection: untimed
    warm, store = [], None
    for _ in range(runs):
        start = time.perf_counter()
        store = _baseline_store(embeddings, chunks)
        warm.append(time.perf_counter() - start)
    _stats(rec, f"{name}_build_warm", warm)
    search = time_queries(lambda q: store.similarity_search(q, k=5), queries)
    rec.figure(f"{name}_search_warm_p50_ms", search["p50_ms"], unit="ms")
    rec.figure(f"{name}_search_warm_p95_ms", search["p95_ms"], unit="ms")
    rec.figure(f"{name}_hit_at_5", hit_rate(
        lambda q: [d.metadata["source"] for d in store.similarity_search(q, k=5)], gold),
        unit="share", better="higher")


def _baseline_store(embeddings, chunks):
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    client = chromadb.EphemeralClient(ChromaSettings(anonymized_telemetry=False))
    with __import__("contextlib").suppress(Exception):
        client.delete_collection("baseline")  # ephemeral clients share one in-memory system
    store = Chroma(collection_name="baseline", embedding_function=embeddings, client=client)
    store.add_texts([c.text for c in chunks], metadatas=[{"source": c.source} for c in chunks])
    return store


def compare(rec, corpus: Path, queries_n: int, gold: list, make_queries, *, build_runs: int = 3,
            cold_runs: int = 3) -> None:
    """Measure both systems and record `regbot_*` / `langchain_*` figures on `rec`."""
    from bot.settings import Settings
    from index.store import open_index

    tmp = Path(tempfile.mkdtemp(prefix="regbot-versus-"))
    # regbot, cold builds (new processes), then warm builds in this process
    cold = [_timed_process(_regbot_cli("ingest", str(corpus), "--json"),
                           _env(REGBOT_HOME=str(tmp / f"regbot-cold{n}"))) for n in range(build_runs)]
    _stats(rec, "regbot_build_cold", cold)
    _stats(rec, "regbot_build_warm", _warm_regbot_builds(corpus, tmp, build_runs))
    home = tmp / "regbot-cold0"
    index = open_index(Settings(home=home))
    chunks = list(index.chunks.iter_chunks())
    queries = make_queries(index, queries_n)
    rec.info("chunks", len(chunks))
    rec.info("queries", len(queries))
    rec.info("gold_questions", len(gold))
    for mode in ("hybrid", "dense"):
        warm = time_queries(lambda q, m=mode: index.search(q, k=5, mode=m), queries)
        rec.figure(f"regbot_{mode}_search_warm_p50_ms", warm["p50_ms"], unit="ms")
        rec.figure(f"regbot_{mode}_search_warm_p95_ms", warm["p95_ms"], unit="ms")
    for mode in ("hybrid", "dense", "bm25"):
        rec.figure(f"regbot_{mode}_hit_at_5", hit_rate(
            lambda q, m=mode: [p.chunk.source for p in index.search(q, k=5, mode=m)], gold),
            unit="share", better="higher")
    index.close()
    cold = [_timed_process(_regbot_cli("search", COLD_QUERY, "-k", "5", "--json"),
                           _env(REGBOT_HOME=str(home))) for _ in range(cold_runs)]
    _stats(rec, "regbot_search_cold", cold)
    print("regbot: " + json.dumps({k: v["value"] for k, v in rec.figures.items()}), flush=True)

    # the baseline: the same chunk texts, the same queries
    texts = tmp / "chunks.json"
    texts.write_text(json.dumps([{"text": c.text, "source": c.source} for c in chunks]))
    cold = [_timed_process([sys.executable, "-c", BASELINE_SCRIPT, "build", str(tmp / f"lc-cold{n}"),
                            str(texts)], _env()) for n in range(build_runs)]
    _stats(rec, "langchain_build_cold", cold)
    from langchain_huggingface import HuggingFaceEmbeddings

    from index.embedding import quiet_transformers, source_model_dir

    quiet_transformers()
    embeddings = HuggingFaceEmbeddings(model_name=str(source_model_dir()),
                                       encode_kwargs={"normalize_embeddings": True})
    _warm_langchain(rec, "langchain", embeddings, chunks, queries, gold, build_runs)
    import torch

    rec.info("torch_threads", torch.get_num_threads())
    cold = [_timed_process([sys.executable, "-c", BASELINE_SCRIPT, "search", str(tmp / "lc-cold0"),
                            COLD_QUERY], _env()) for _ in range(cold_runs)]
    _stats(rec, "langchain_search_cold", cold)
    from index.embedding import get_embedder

    onnx = OnnxEmbeddings(get_embedder(Settings(home=tmp / "warmup")))
    _warm_langchain(rec, "langchain_onnx", onnx, chunks, queries, gold, build_runs)
    rec.info("build_runs", build_runs)
    rec.info("load_1min_after_each_part", LOADS)
    rec.info("cold_runs", cold_runs)
    print("side by side: " + json.dumps({k: v["value"] for k, v in rec.figures.items()}), flush=True)
