"""Helpers for answer tests (the every-answer quote check itself lives in tests/conftest.py)."""
from __future__ import annotations

import pytest

from quote_check import CORPUS, assert_quotes_verbatim  # noqa: F401 (used by answer tests)


@pytest.fixture
def verify_quotes():
    return assert_quotes_verbatim
