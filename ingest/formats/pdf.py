"""PDF to text with pypdf: one blank-line-separated block per page, deterministic."""
from __future__ import annotations

import io
import re

from ingest.errors import IngestError


def _clean_page(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def pdf_to_text(data: bytes) -> str:
    """The text layer of every page; IngestError for corrupt, encrypted or image-only PDFs."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # corrupt files are reported, not logged
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError("encrypted PDF (password required)")
        pages = [_clean_page(page.extract_text() or "") for page in reader.pages]
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many types on broken files
        raise IngestError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})")
    pages = [p for p in pages if p]
    if not pages:
        raise IngestError("PDF has no text layer (scanned image?); nothing to index")
    return "\n\n".join(pages) + "\n"
