"""What the index reads from the settings, as a Protocol: index never imports bot.

`bot.settings.Settings` satisfies it structurally (checked in tests/test_layering.py); a
caller may pass any object with these attributes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable


@runtime_checkable
class IndexSettings(Protocol):
    """The settings fields the index, search and build steps read."""

    @property
    def home(self) -> Path: ...  # data folder: the embedded Chroma, chunk store, manifest

    @property
    def chroma_path(self) -> Path: ...

    @property
    def lexical_path(self) -> Path: ...

    @property
    def chroma_url(self) -> str | None: ...  # a Chroma server instead of the embedded store

    @property
    def collection(self) -> str: ...

    @property
    def model_dir(self) -> Path | None: ...

    @property
    def embedding_engine(self) -> str: ...

    @property
    def chunk_max_tokens(self) -> int: ...

    @property
    def search_k(self) -> int: ...

    @property
    def rrf_k(self) -> int: ...

    @property
    def retrieval_mode(self) -> str: ...
