"""The two embedding engines agree, the ONNX file is made when missing, and the
query path never imports torch or sentence-transformers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.settings import Settings
from index.embedding import DIM, MAX_SEQ_LENGTH, EmbeddingError, get_embedder, load_tokenizer
from index.onnx_export import EXPORT_FORMAT, _cached_format

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"

VARIED = [
    "Cambodia removed from the ITAR 126.1 list",
    "7A994",
    "D:5",
    "§ 744.21(g)",
    "Can we sell avionics to an airline in Phnom Penh next March?",
    "ÉCHANGES — export contrôlé; 日本語のテキスト; emoji ✈️",
    "a",
    "   leading and trailing spaces   ",
    "word " * 400,  # far past the 256 word-piece window: both engines truncate alike
]


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    """A few real paragraphs of varied length from ../shared/corpus."""
    texts = []
    for path in sorted(CORPUS.glob("2026-02-10_ecfr_15cfr744.21*.md"))[:1]:
        texts += [p for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()][:12]
    assert texts, f"no corpus text found under {CORPUS}"
    return texts


@pytest.fixture(scope="module")
def engines():
    return get_embedder(engine="onnx"), get_embedder(engine="torch")


def test_onnx_and_torch_give_the_same_vectors(engines, corpus_texts):
    onnx, torch_ = engines
    texts = VARIED + corpus_texts
    a, b = onnx.embed(texts), torch_.embed(texts)
    assert a.shape == b.shape == (len(texts), DIM)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(a * b, axis=1)
    assert cosines.min() >= 0.999, dict(zip(texts, cosines.round(5)))


def test_batching_and_order_do_not_change_vectors(engines):
    onnx = engines[0]
    together = onnx.embed(VARIED)
    alone = np.vstack([onnx.embed([t]) for t in VARIED])
    assert np.allclose(together, alone, atol=1e-4)
    assert onnx.embed([]).shape == (0, DIM)


def test_tokenizer_uses_the_model_window_not_tokenizer_json_default():
    tok = load_tokenizer()
    assert len(tok.encode("word " * 400).ids) == MAX_SEQ_LENGTH


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(EmbeddingError, match="onnx, torch"):
        get_embedder(engine="tensorflow")


def test_missing_onnx_file_is_exported_on_the_fly(tmp_path):
    """With an empty model_dir the first query exports the model and says so on stderr."""
    code = ("import numpy as np; from bot.settings import Settings; "
            "from index.embedding import get_embedder; "
            f"e = get_embedder(Settings(model_dir={str(tmp_path)!r})); "
            "v = e.embed(['national police']); print(v.shape[1], round(float(np.linalg.norm(v)), 3))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            timeout=300, env=dict(os.environ, HF_HUB_OFFLINE="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(DIM), "1.0"]
    assert "exporting the ONNX embedding model" in result.stderr
    choice = json.loads((tmp_path / "choice.json").read_text())
    assert choice["min_cosine_fp32"] >= 0.999
    assert (tmp_path / choice["file"]).is_file()
    assert not list(tmp_path.glob(".export-*"))  # temp work folder removed
    assert choice["file"] == "model.onnx" or choice["min_cosine_int8"] >= 0.999
    assert choice["format"] == EXPORT_FORMAT  # eager-attention export


def test_an_older_export_is_exported_again_not_reused(tmp_path):
    """A cache from before the eager export (choice.json without "format") is not copied
    forward by `model prepare`; an unreadable choice counts as unknown."""
    assert _cached_format(tmp_path) == 0
    (tmp_path / "choice.json").write_text(json.dumps({"file": "model.onnx"}))
    assert _cached_format(tmp_path) == 1 < EXPORT_FORMAT
    (tmp_path / "choice.json").write_text(json.dumps({"file": "model.onnx", "format": 2}))
    assert _cached_format(tmp_path) == EXPORT_FORMAT
    (tmp_path / "choice.json").write_text("{broken")
    assert _cached_format(tmp_path) == 0


def test_query_path_never_imports_torch(use_corpus_home):
    code = ("import sys; from bot.cli import main\n"
            "try:\n    main(['search', 'national police', '-k', '1', '--json'])\n"
            "except SystemExit as e:\n    assert not e.code, e.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'sentence_transformers', 'transformers'))\n"
            "print('HEAVY', heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            timeout=120, env=dict(os.environ, REGBOT_HOME=str(use_corpus_home)))
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout, result.stdout[-500:]
    assert json.loads(result.stdout.splitlines()[0])[0]["locator"]


def test_settings_engine_is_honoured():
    assert get_embedder(Settings(embedding_engine="onnx")).engine == "onnx"


def test_model_info_cli_reports_model_and_cache():
    result = subprocess.run([sys.executable, "-m", "bot.cli", "model", "info"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["model_id"].endswith("all-MiniLM-L6-v2") and info["dim"] == DIM and info["cache"]
