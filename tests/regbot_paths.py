"""Paths every test may need. Import as `from regbot_paths import ...` (a unique module name:
several test folders have their own conftest.py, so `from conftest import` is ambiguous)."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REGBOT_SHARED", REPO.parent / "shared")).resolve()
CORPUS = SHARED / "corpus"
SAMPLE_CORPUS = REPO / "ingest" / "sample_corpus"
