"""Export the packaged MiniLM weights to ONNX (pooling + normalisation in the graph)
and choose between fp32 and a dynamic-int8 quantisation by measurement.

The export asks transformers for *eager* attention: the SDPA export of transformers 5
embedded window-length chunks at ~80 chunks/s on 2 cores, the eager one at ~115, with
the same vectors (cosine 1.00000 on 5,190 synced chunks). onnxruntime's transformer
optimizer (fused Attention) was tried on it and was slower here (~103 chunks/s).

Imported only by `regbot model prepare` and by the on-the-fly fallback: it needs torch.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedding import (
    CHOICE_FILE, DIM, MODEL_ID, ONNX_FP32, ONNX_INT8, OPSET, EmbeddingError, OnnxEmbedder,
    _atomic_write_text, read_choice, source_model_dir, weights_hash,
)

EXPORT_FORMAT = 2  # 2: eager-attention export; 1 (no "format" in choice.json): SDPA export
MIN_COSINE = 0.999  # int8 must match the torch vectors at least this well
PROBE_TEXTS = (
    "Cambodia removed from the ITAR 126.1 list",
    "7A994",
    "national police military end user",
    "§ 744.21(g) Military end user means the national armed services (army, navy, marine, "
    "air force, or coast guard), as well as the national guard and national police.",
    "License Exception GOV is available for items classified under 9A610.x destined to D:5.",
    "The Bureau of Industry and Security is amending the Export Administration Regulations "
    "to conform with the Department of State's removal of Cambodia from the list of countries "
    "subject to a policy of denial under the International Traffic in Arms Regulations. " * 4,
    "Can we sell avionics to an airline in Phnom Penh?",
    "x",
)


@dataclass(frozen=True)
class PrepareResult:
    path: Path  # the chosen ONNX file
    chosen: str  # "fp32" | "int8"
    min_cosine_fp32: float
    min_cosine_int8: float | None
    ms_fp32: float  # per probe batch, median
    ms_int8: float | None


def _pooled_module():
    """BERT + mean pooling + L2 norm as one torch module (the ST pipeline, in-graph)."""
    import torch
    from transformers import AutoModel

    from index.embedding import quiet_transformers

    quiet_transformers()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            # eager attention exports to a faster plain graph than SDPA (see the docstring)
            self.bert = AutoModel.from_pretrained(str(source_model_dir()), local_files_only=True,
                                                  attn_implementation="eager")

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            summed = (hidden * mask).sum(dim=1)
            mean = summed / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2.0, dim=1)

    return Pooled().eval()


def export_fp32(target: Path) -> None:
    """torch.onnx export (legacy TorchScript exporter, dynamic batch and length)."""
    import torch

    module = _pooled_module()
    ids = torch.ones((2, 8), dtype=torch.long)
    args = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "sequence"} for n in names} | {"sentence_embedding": {0: "batch"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about constant shapes checked below
        torch.onnx.export(module, args, str(target), input_names=names,
                          output_names=["sentence_embedding"], dynamic_axes=axes,
                          opset_version=OPSET, dynamo=False)


def quantize_int8(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" advice
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))


def _median_ms(embedder: OnnxEmbedder, texts: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        embedder.embed(texts)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def _cached_format(cache: Path) -> int:
    """The export format of the cached files (0 when unknown: they are exported again)."""
    choice = read_choice(cache)
    try:
        return int(choice.get("format", 1)) if choice is not None else 0
    except (TypeError, ValueError):
        return 0


def prepare_model(cache: Path, *, quantize: str = "auto", force: bool = False) -> PrepareResult:
    """Export (atomically) into `cache`, compare against torch, record the choice."""
    from index.embedding import TorchEmbedder

    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=cache, prefix=".export-"))
    try:
        fp32 = work / ONNX_FP32
        if not force and _cached_format(cache) >= EXPORT_FORMAT and (cache / ONNX_FP32).is_file():
            shutil.copy2(cache / ONNX_FP32, fp32)
        else:
            export_fp32(fp32)
        texts = list(PROBE_TEXTS)
        reference = TorchEmbedder().embed(texts)
        fp32_embedder = OnnxEmbedder(onnx_path=fp32)
        cos32 = _min_cosine(reference, fp32_embedder.embed(texts))
        if cos32 < MIN_COSINE:
            raise EmbeddingError(f"ONNX export disagrees with torch (min cosine {cos32:.5f})")
        ms32 = _median_ms(fp32_embedder, texts)
        cos8 = ms8 = None
        chosen = "fp32"
        if quantize in ("auto", "int8"):
            int8 = work / ONNX_INT8
            quantize_int8(fp32, int8)
            int8_embedder = OnnxEmbedder(onnx_path=int8)
            cos8 = _min_cosine(reference, int8_embedder.embed(texts))
            ms8 = _median_ms(int8_embedder, texts)
            faithful = cos8 >= MIN_COSINE
            if quantize == "int8" and not faithful:
                raise EmbeddingError(f"int8 model too far from torch (min cosine {cos8:.5f})")
            if quantize == "int8" or (faithful and ms8 < ms32):
                chosen = "int8"
        for name in (ONNX_FP32, ONNX_INT8):
            if (work / name).is_file():
                os.replace(work / name, cache / name)
        chosen_file = ONNX_INT8 if chosen == "int8" else ONNX_FP32
        record = {"file": chosen_file, "format": EXPORT_FORMAT, "model_id": MODEL_ID, "dim": DIM,
                  "weights_sha256": weights_hash(), "min_cosine_fp32": cos32,
                  "min_cosine_int8": cos8, "ms_fp32": ms32, "ms_int8": ms8}
        _atomic_write_text(cache / CHOICE_FILE, json.dumps(record, indent=2))
        return PrepareResult(cache / chosen_file, chosen, cos32, cos8, ms32, ms8)
    finally:
        shutil.rmtree(work, ignore_errors=True)
