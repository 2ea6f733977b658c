"""The one error type of the ingest side: a file we cannot turn into a Document."""
from __future__ import annotations


class IngestError(Exception):
    """A file cannot be ingested; `str(exc)` is a clear human reason (no traceback needed)."""
