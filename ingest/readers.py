"""Read source files into `Document`s: Markdown, text, HTML, XML (FR / eCFR), PDF, JSON, JSONL.

Markdown and text keep the file's exact decoded text, so chunk spans are spans of the
file; other formats are converted deterministically to Markdown-like text (headings,
`§` section lines, blank-line paragraphs) that the chunker understands. Anything we
cannot read raises `IngestError` with a reason a person can act on.
"""
from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Callable, Iterable

from ingest.records import Document
from ingest.errors import IngestError
from ingest.meta import SIDECAR_SUFFIX, load_meta

__all__ = ["IngestError", "iter_source_files", "read_document", "detect_format", "MAX_BYTES"]

MAX_BYTES = 50 * 1024 * 1024  # larger files are refused: split them first
FORMATS = {
    ".md": "markdown", ".markdown": "markdown", ".txt": "text", ".text": "text", "": "text",
    ".html": "html", ".htm": "html", ".xml": "xml", ".pdf": "pdf",
    ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
}
_TEXT_FORMATS = ("markdown", "text", "html", "xml", "json", "jsonl")


def _is_hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


_SPECIAL = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def classify(path: Path) -> tuple[str | None, str | None, os.stat_result | None]:
    """("dir" | "file" | None, reason when None, stat) of `path`, following symlinks.

    Only `stat` is called: a FIFO, socket or device is never opened (a FIFO would block
    the run forever, a device never ends), and a symlink loop is an error, not a hang."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "symlink loop (the link leads back to itself); skipped", None
        if os.path.islink(path):
            return None, "broken symlink (its target does not exist); skipped", None
        if isinstance(exc, FileNotFoundError):
            return None, "no such file or folder", None
        return None, f"cannot access: {exc.strerror or exc}", None
    if stat.S_ISDIR(st.st_mode):
        return "dir", None, st
    if stat.S_ISREG(st.st_mode):
        return "file", None, st
    what = next((name for test, name in _SPECIAL if test(st.st_mode)), "not a regular file")
    return None, f"{what}, not a regular file; skipped without opening it", None


def _walk(root: Path, problems: list[tuple[Path, str]]) -> list[Path]:
    """Every regular file under `root` (symlinks followed), sorted; hidden entries left out.

    A folder link that leads back to one of its own ancestors is a loop: one problem, and
    the walk goes on. A folder reached twice by other links is walked once."""
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    st = os.stat(root)
    stack = [(root, ((st.st_dev, st.st_ino),))]
    while stack:
        folder, ancestors = stack.pop()
        if ancestors[-1] in seen:
            continue
        seen.add(ancestors[-1])
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append((folder, f"cannot list folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            kind, why, info = classify(path)
            if kind == "file":
                found.append(path)
            elif kind == "dir":
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    problems.append((path, "symlink loop (the folder link leads back to "
                                           "a folder that contains it); skipped"))
                else:
                    stack.append((path, ancestors + (key,)))
            else:
                problems.append((path, why))
    return sorted(found)


def _real(path: Path) -> str:
    return os.path.realpath(path)


def iter_source_files(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Expand files and folders into source files; also return (path, reason) problems.

    Only regular files are returned: loops, broken links, FIFOs, sockets and devices are
    problems with a reason, each one entry, and never opened."""
    files: list[Path] = []
    problems: list[tuple[Path, str]] = []
    seen: set[str] = set()

    def add(p: Path) -> None:
        key = _real(p)
        if key not in seen:
            seen.add(key)
            files.append(p)

    for raw in paths:
        path = Path(raw)
        kind, why, _ = classify(path)
        if kind == "dir":
            for p in _walk(path, problems):
                if p.name.endswith(SIDECAR_SUFFIX):
                    continue
                if p.suffix.lower() in FORMATS or _sniff(p) == "pdf":
                    add(p)
                else:
                    problems.append((p, f"unsupported file type '{p.suffix}' (skipped)"))
        elif kind is None:
            problems.append((path, why))
        elif not path.name.endswith(SIDECAR_SUFFIX):
            add(path)
    return files, problems


def open_regular(path: Path):
    """A binary file object for `path`, only if it is a regular file.

    Opened non-blocking and checked with fstat, so even a FIFO swapped in after the walk
    is refused at once instead of blocking the run."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IngestError("not a regular file (pipe, socket or device); skipped without reading it")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _sniff(path: Path) -> str | None:
    try:
        with open_regular(path) as fh:
            return "pdf" if fh.read(5) == b"%PDF-" else None
    except (OSError, IngestError):
        return None


def detect_format(path: Path, head: bytes) -> str:
    """Format name from the extension, with content sniffing for PDFs and bare files."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise IngestError(f"unsupported file type '{suffix}' "
                          f"(supported: {', '.join(sorted(s for s in FORMATS if s))})")
    fmt = FORMATS[suffix]
    if suffix == "":
        start = head.lstrip()[:64].lower()
        if start.startswith((b"<!doctype html", b"<html")):
            return "html"
        if start.startswith(b"<?xml"):
            return "xml"
    return fmt


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what is not a readable, regular, non-huge file."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise IngestError("no such file")
    except PermissionError:
        raise IngestError("permission denied: the file cannot be accessed")
    except OSError as exc:
        raise IngestError(f"cannot access file: {exc.strerror or exc}")
    if stat.S_ISDIR(st.st_mode):
        raise IngestError("is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):  # a FIFO would block forever, a device never ends
        raise IngestError("not a regular file (pipe, socket or device); cannot be read as a document")
    if st.st_size > MAX_BYTES:
        raise IngestError(f"file is {st.st_size / 2**20:.0f} MB, over the {MAX_BYTES // 2**20} MB "
                          "limit; split it into smaller files")
    try:
        with open_regular(path) as fh:
            return fh.read(MAX_BYTES + 1)
    except PermissionError:
        raise IngestError("permission denied: the file cannot be read")
    except OSError as exc:
        raise IngestError(f"cannot read file: {exc.strerror or exc}")


def _is_utf16(data: bytes) -> bool:
    return data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def decode_text(data: bytes) -> str:
    """UTF-8 (or BOM-marked UTF-16) text, BOM dropped; IngestError for binary or undecodable bytes."""
    if _is_utf16(data):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError("not valid UTF-16 text despite its byte-order mark")
    if b"\x00" in data[:8192]:
        raise IngestError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                          f"{exc.start}); convert the file to UTF-8")


def _decode_html(data: bytes) -> str:
    """UTF-8, or the charset the page declares (`<meta charset="windows-1252">`)."""
    try:
        return decode_text(data)
    except IngestError:
        declared = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", data[:4096], re.I)
        if not declared:
            raise
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            raise IngestError(f"cannot decode the page with its declared charset "
                              f"'{declared.group(1).decode('ascii')}'")


def _extractor(fmt: str) -> Callable[[bytes], str]:
    """The function that turns a format's bytes into document text (imported lazily)."""
    if fmt in ("markdown", "text"):
        return decode_text
    if fmt == "html":
        from ingest.formats.markup import html_to_text
        return lambda data: html_to_text(_decode_html(data))
    if fmt == "xml":
        from ingest.formats.markup import xml_to_text
        return xml_to_text
    if fmt == "pdf":
        from ingest.formats.pdf import pdf_to_text
        return pdf_to_text
    from ingest.formats.records import json_to_text, jsonl_to_text
    convert = json_to_text if fmt == "json" else jsonl_to_text
    return lambda data: convert(decode_text(data))


def doc_id_for(path: Path) -> str:
    """Stable id of a document: hash of its resolved path."""
    return hashlib.sha256(str(path.resolve()).encode("utf-8")).hexdigest()[:16]


def read_document(path: Path, trust: str | None = None) -> Document:
    """Read one source file into a Document, or raise IngestError with a clear reason.

    `trust`: the trust level of the folder it comes from (ingest.trust), if one was given."""
    path = Path(path)
    data = _read_bytes(path)
    if not data.strip():
        raise IngestError("file is empty")
    fmt = detect_format(path, data[:1024])
    if fmt in _TEXT_FORMATS and b"\x00" in data[:8192] and not _is_utf16(data):
        raise IngestError(f"binary file (contains NUL bytes), not {fmt}")
    text = _extractor(fmt)(data)
    if not text.strip():
        raise IngestError(f"no text found in this {fmt} file")
    resolved = path.resolve()
    return Document(
        doc_id=doc_id_for(resolved), path=str(resolved), source=path.name, format=fmt,
        text=text, sha256=hashlib.sha256(data).hexdigest(), meta=load_meta(path, text, trust))
