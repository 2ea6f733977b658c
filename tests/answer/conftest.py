"""Helpers for answer tests (the every-answer quote check itself lives in tests/conftest.py)."""
from __future__ import annotations

import pytest

from quote_check import CORPUS, assert_claims_agree, assert_quotes_verbatim  # noqa: F401


@pytest.fixture
def verify_quotes():
    """Quotes verbatim in their files, and about the claims they are shown for."""
    def verify(answer, *args, **kwargs):
        checked = assert_quotes_verbatim(answer, *args, **kwargs)
        assert_claims_agree(answer)
        return checked
    return verify
