"""Fixtures for screening tests: the matcher over the shipped snapshot, built once."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from regbot_paths import SHARED

CSL = SHARED / "screening" / "csl.jsonl"


@pytest.fixture(scope="session")
def csl_path() -> Path:
    assert CSL.is_file(), f"../shared/screening/csl.jsonl not found at {CSL}"
    return CSL


@pytest.fixture(scope="session")
def matcher():
    """The process-wide matcher over the shipped list (REGBOT_HOME has no update)."""
    from bot.screening import Matcher
    from bot.screening.store import SNAPSHOT, read_snapshot, shipped_info

    return Matcher(read_snapshot(SNAPSHOT), shipped_info())


@pytest.fixture(scope="session")
def csl_rows(csl_path) -> list[dict]:
    return [json.loads(line) for line in csl_path.read_text(encoding="utf-8").splitlines()]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path
