"""`RegbotRetriever`: the hybrid index as a langchain `BaseRetriever`."""
from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from index.records import Passage
from index.search import SearchFilters


def passage_document(passage: Passage) -> Document:
    """A langchain Document: chunk text as content, the search JSON (minus text) as metadata."""
    metadata = {k: v for k, v in passage.search_json().items() if k != "text"}
    metadata.update(rank=passage.rank, dense_rank=passage.dense_rank,
                    lexical_rank=passage.lexical_rank, section=passage.chunk.section,
                    heading=passage.chunk.heading, document_type=passage.chunk.meta.document_type,
                    agency=passage.chunk.meta.agency)
    return Document(page_content=passage.chunk.text, metadata=metadata, id=passage.chunk.key)


class RegbotRetriever(BaseRetriever):
    """Hybrid (or dense / bm25) retrieval over an open `index.store.Index`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    index: Any  # index.store.Index (kept loose: pydantic need not know it)
    k: int = 5
    mode: str = "hybrid"
    filters: SearchFilters | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        passages = self.index.search(query, k=self.k, filters=self.filters, mode=self.mode)
        return [passage_document(p) for p in passages]
