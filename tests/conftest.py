"""Shared fixtures. Every test gets its own REGBOT_HOME; tests that need the real
corpus index share one built once per session from ../shared/corpus."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from quote_check import assert_claims_agree, assert_quotes_verbatim
from regbot_paths import CORPUS, REPO, SAMPLE_CORPUS, SHARED  # noqa: F401 (re-exported)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Bench scripts the tests run record into a scratch file, never the committed docs/bench/results-latest.json.
os.environ["REGBOT_BENCH_RESULTS"] = str(Path(tempfile.gettempdir()) / f"regbot-test-bench-{os.getpid()}.json")


@pytest.fixture(autouse=True)
def regbot_home(tmp_path_factory, monkeypatch) -> Path:
    """Point the data directory at a fresh temp folder for every test."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("REGBOT_HOME", str(home))
    for var in ("REGBOT_CHROMA_URL", "REGBOT_CONFIG", "REGBOT_LLM_PROVIDER", "REGBOT_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """../shared/corpus; its absence is a failure, not a skip."""
    assert CORPUS.is_dir(), f"shared corpus not found at {CORPUS} (set REGBOT_SHARED)"
    return CORPUS


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory, corpus_dir) -> Path:
    """A data directory holding ../shared/corpus ingested once (real model, real Chroma)."""
    from bot.settings import Settings
    from index.build import ingest_paths

    home = tmp_path_factory.mktemp("corpus_home")
    report = ingest_paths([corpus_dir], Settings(home=home))
    assert not report.failed, report.failed
    return home


@pytest.fixture
def use_corpus_home(corpus_home, monkeypatch) -> Path:
    """Run this test against the shared-corpus index (read-only use, please)."""
    monkeypatch.setenv("REGBOT_HOME", str(corpus_home))
    return corpus_home


@pytest.fixture(autouse=True)
def every_answer_quotes_verbatim(monkeypatch):
    """Every Answer made in-process by any test has its quotes checked against the source files
    (the corpus, or the folder its retrieved passages came from)."""
    from bot.answer import Answerer

    original = Answerer.answer

    def checked(self, *args, **kwargs):
        answer = original(self, *args, **kwargs)
        dirs = {CORPUS, *(Path(p.chunk.path).parent for p in answer.passages)}
        assert_quotes_verbatim(answer, sorted(dirs))
        assert_claims_agree(answer)
        if answer.kind == "determination":  # the quotes its brief shows (narrowed to a sentence)
            import dataclasses

            from bot.brief import brief

            shown = dataclasses.replace(answer, citations=brief(answer).quotes)
            assert_quotes_verbatim(shown, sorted(dirs))
            assert_claims_agree(shown)
        return answer

    monkeypatch.setattr(Answerer, "answer", checked)
