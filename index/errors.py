"""Index errors. The CLI maps every `RegbotIndexError` to exit code 3."""
from __future__ import annotations


class RegbotIndexError(RuntimeError):
    """Base class: the index cannot be used as it is (message says what to do)."""


class IndexMissingError(RegbotIndexError):
    """No index has been built yet at this location."""


class IndexCorruptError(RegbotIndexError):
    """The index files exist but cannot be read."""


class ModelMismatchError(RegbotIndexError):
    """The index was built with another embedding model (or dimension)."""
