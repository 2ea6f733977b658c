"""ingest.readers and ingest.meta: every format, the sidecar, and every kind of bad input."""
from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from ingest.meta import agency_for, load_meta
from ingest.readers import MAX_BYTES, IngestError, iter_source_files, read_document

DATA = Path(__file__).parent / "data"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- text formats


def test_markdown_text_is_the_exact_file_text(corpus_dir):
    path = corpus_dir / "2026-02-10_ecfr_15cfr744.21_military-end-use-user.md"
    doc = read_document(path)
    raw = path.read_bytes()
    assert doc.format == "markdown"
    assert doc.text == raw.decode("utf-8")
    assert doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert doc.source == path.name and doc.path == str(path.resolve())
    assert len(doc.doc_id) == 16 and doc.doc_id == read_document(path).doc_id


def test_doc_id_depends_on_path_not_content(tmp_path):
    a = write(tmp_path / "a.txt", "Same words.\n")
    b = write(tmp_path / "b.txt", "Same words.\n")
    assert read_document(a).doc_id != read_document(b).doc_id
    assert read_document(a).sha256 == read_document(b).sha256
    a.write_text("Other words.\n")
    assert read_document(a).doc_id == read_document(tmp_path / "a.txt").doc_id


def test_text_and_extensionless_files_read_as_text(tmp_path):
    news = write(tmp_path / "note.txt", "First line.\nSecond line with café.\n")
    bare = write(tmp_path / "README", "Plain words without an extension.\n")
    assert read_document(news).text == "First line.\nSecond line with café.\n"
    assert read_document(news).format == "text"
    assert read_document(bare).format == "text"


def test_utf16_with_bom_is_text_not_binary(tmp_path):
    path = write(tmp_path / "wide.txt", "Cambodia and D:1.\n".encode("utf-16"))
    assert read_document(path).text == "Cambodia and D:1.\n"


def test_utf8_bom_is_dropped(tmp_path):
    path = write(tmp_path / "bom.md", "\ufeff# Title\n\nBody.\n".encode("utf-8"))
    doc = read_document(path)
    assert doc.text == "# Title\n\nBody.\n" and doc.meta.title == "Title"


# --------------------------------------------------------------------------- converted formats


def test_html_keeps_headings_paragraphs_lists_and_tables():
    doc = read_document(DATA / "notice.html")
    assert doc.format == "html"
    text = doc.text
    assert text.startswith("# Fixture Notice on Avionics\n\n")
    assert "\n\n## Background\n\n" in text
    assert "This is a fixture page written for regbot's reader tests." in text
    assert "First point of the list.\n\nSecond point of the list." in text
    assert "Testland | D:1" in text
    for dropped in ("not text", "color: red", "Home"):
        assert dropped not in text
    assert read_document(DATA / "notice.html").text == text  # deterministic


def test_federal_register_xml_keeps_preamble_and_regulatory_text():
    doc = read_document(DATA / "fr_rule_744.xml")
    text = doc.text
    assert doc.format == "xml"
    assert "# Test Fixture: Clarifying the Military End-User Rule" in text
    assert "## SUMMARY:\n\nThis fixture rule" in text
    assert "## Amendments to 15 CFR part 744" in text
    assert "\n\n15 CFR 744.21\n\n§ 744.21 Restrictions on certain military end uses" in text
    assert "\n\n(a) General prohibition. You may not export" in text
    assert "\n\n(g) Military end user. In this fixture" in text
    assert "license requirement and paragraph (g)" in text  # <PRTPAGE/> leaves no trace
    assert doc.meta.title == "Test Fixture: Clarifying the Military End-User Rule"
    assert read_document(DATA / "fr_rule_744.xml").text == text


def test_ecfr_xml_sections_carry_their_title_and_number():
    text = read_document(DATA / "ecfr_part_744.xml").text
    assert "# Title 15—Commerce and Foreign Trade" in text
    assert "### PART 744—CONTROL POLICY" in text
    assert "15 CFR 744.21\n\n§ 744.21 Restrictions on certain 'military end uses'" in text
    assert "(ii) A second fixture clause." in text
    assert text.index("§ 744.21") < text.index("§ 744.22")


def _make_pdf(path: Path, pages: list[str]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        for words in pages:
            fig = plt.figure(figsize=(8, 3))
            fig.text(0.05, 0.5, words, fontsize=12)
            pdf.savefig(fig)
            plt.close(fig)
    return path


def test_pdf_text_layer_in_page_order(tmp_path):
    path = _make_pdf(tmp_path / "notice.pdf", ["Cambodia left Country Group D5.",
                                               "Second page about avionics."])
    doc = read_document(path)
    assert doc.format == "pdf"
    assert "Cambodia left Country Group D5." in doc.text
    assert doc.text.index("Cambodia") < doc.text.index("Second page about avionics.")
    assert read_document(path).text == doc.text


def test_pdf_is_sniffed_whatever_its_name(tmp_path):
    pdf = _make_pdf(tmp_path / "a.pdf", ["Sniffed by magic bytes."])
    renamed = write(tmp_path / "download", pdf.read_bytes())
    assert read_document(renamed).format == "pdf"


def test_json_rows_keep_their_section_ids():
    doc = read_document(DATA / "ecfr_rows.json")
    assert doc.format == "json"
    assert "15 CFR 744.21\n§ 744.21 Fixture section title." in doc.text
    assert "15 CFR 744.21(a)(1)\n§ 744.21" in doc.text
    assert "## misc-1\n\nA record without a CFR section id." in doc.text
    assert "no-text" not in doc.text  # a record without text is left out


def test_jsonl_paragraphs_grouped_by_document_number():
    doc = read_document(DATA / "fr_paragraphs.jsonl")
    assert doc.format == "jsonl"
    assert doc.text.index("## FR Doc. 0000-11111") < doc.text.index("¶2 This fixture paragraph")
    assert doc.text.index("¶2 This fixture") < doc.text.index("## FR Doc. 0000-22222")
    assert doc.meta.title == "fr_paragraphs"


def test_html_in_a_declared_legacy_charset(tmp_path):
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café – “quoted”</p></body></html>'
    path = write(tmp_path / "legacy.html", page.encode("cp1252"))
    assert "Café – “quoted”" in read_document(path).text
    undeclared = write(tmp_path / "bad.html", "<p>Café</p>".encode("cp1252"))
    with pytest.raises(IngestError, match="not valid UTF-8"):
        read_document(undeclared)


# --------------------------------------------------------------------------- folders


def test_iter_source_files_expands_sorted_and_skips_sidecars_and_hidden(tmp_path):
    write(tmp_path / "b.md", "# B\n")
    write(tmp_path / "a.txt", "A\n")
    write(tmp_path / "a.txt.meta.json", "{}")
    write(tmp_path / "sub" / "c.html", "<p>C</p>")
    write(tmp_path / ".hidden.md", "# hidden\n")
    write(tmp_path / ".git" / "d.md", "# in a hidden folder\n")
    write(tmp_path / "picture.png", b"\x89PNG\r\n")
    files, problems = iter_source_files([tmp_path, tmp_path / "a.txt", tmp_path / "missing.md"])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.txt", "b.md", "sub/c.html"]
    reasons = {p.name: why for p, why in problems}
    assert set(reasons) == {"picture.png", "missing.md"}
    assert "unsupported" in reasons["picture.png"]
    assert "no such file" in reasons["missing.md"]


def test_iter_source_files_over_the_shared_corpus(corpus_dir):
    files, problems = iter_source_files([corpus_dir])
    assert problems == []
    assert len(files) == len([p for p in corpus_dir.iterdir() if not p.name.endswith(".meta.json")])
    assert files == sorted(files)


# --------------------------------------------------------------------------- sidecar


def test_sidecar_values_are_used(corpus_dir):
    path = corpus_dir / "2026-02-03_bis_ear-conforming-change-cambodia.md"
    meta = read_document(path).meta
    side = json.loads((corpus_dir / (path.name + ".meta.json")).read_text())
    assert meta.title == side["title"]
    assert (meta.published, meta.effective) == ("2026-02-03", "2026-02-03")
    assert meta.document_type == "final_rule" and meta.citation == side["citation"]
    assert meta.agency == "BIS" and meta.completeness == "partial"
    assert meta.visibility == "shareable"


def test_every_real_sidecar_loads(corpus_dir):
    agencies = {}
    for side in sorted(corpus_dir.glob("*.meta.json")):
        source = corpus_dir / side.name[: -len(".meta.json")]
        meta = load_meta(source, source.read_text(encoding="utf-8"))
        assert meta.title
        agencies[source.name] = meta.agency
    assert agencies["2021-12-09_state_itar-126-1-add-cambodia_excerpt.txt"] == "DDTC"
    assert agencies["2026-02-10_ecfr_15cfr744.21_military-end-use-user.md"] == "BIS"
    assert agencies["2025-11-14_dlapiper_state-lifts-defense-trade-embargo-cambodia_excerpt.txt"] is None


def test_sidecar_null_is_respected_over_inference(corpus_dir):
    meta = read_document(corpus_dir / "2026-02_fenwick_regulatory-impact-arms-embargo-designations_excerpt.txt").meta
    assert meta.published is None and meta.citation is None and meta.document_type == "commentary"


def test_meta_inferred_without_sidecar(tmp_path):
    path = write(tmp_path / "2025-11-07_notes.md",
                 "# 15 CFR 744.21 notes\n\nBureau of Industry and Security text.\n")
    meta = read_document(path).meta
    assert meta.title == "15 CFR 744.21 notes"
    assert meta.published == "2025-11-07" and meta.effective is None
    assert meta.citation == "15 CFR 744.21"
    assert meta.agency == "BIS"
    bare = read_document(write(tmp_path / "plain.txt", "Just words.\n")).meta
    assert (bare.title, bare.published, bare.citation, bare.agency) == ("Just words.", None, None, None)


def test_citation_from_section_heading(tmp_path):
    path = write(tmp_path / "x.md", "#### § § 126.1\n\nText under 22 CFR part 126.\n")
    assert read_document(path).meta.citation == "22 CFR 126.1"


@pytest.mark.parametrize("publisher, agency", [
    ("Bureau of Industry and Security, U.S. Department of Commerce", "BIS"),
    ("Department of State (Directorate of Defense Trade Controls)", "DDTC"),
    ("State Department", "DDTC"),
    ("DLA Piper", None),
])
def test_agency_from_publisher(publisher, agency):
    assert agency_for(publisher) == agency


@pytest.mark.parametrize("sidecar, reason", [
    ('{"title": "x", ', "not valid JSON (line 1"),
    ('["a list"]', "must hold a JSON object"),
    ('{"title": 5}', "'title' must be a string"),
    ('{"title": "x", "published": "9 Dec 2021"}', "'published' must be a date"),
    ('{"title": "x", "visibility": "public"}', "'visibility' must be one of"),
])
def test_malformed_sidecar_is_a_clear_error(tmp_path, sidecar, reason):
    path = write(tmp_path / "doc.md", "# Doc\n\nBody.\n")
    write(tmp_path / "doc.md.meta.json", sidecar)
    with pytest.raises(IngestError, match="doc.md.meta.json") as err:
        read_document(path)
    assert reason in str(err.value)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name, content, reason", [
    ("empty.txt", b"", "empty"),
    ("blank.md", b"  \n\n \t\n", "empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("latin1.txt", "café au lait".encode("latin-1"), "not valid UTF-8"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R", "corrupt or unreadable PDF"),
    ("broken.xml", b"<RULE><PREAMB><SUBJECT>unclosed</PREAMB>", "corrupt XML"),
    ("broken.json", b'{"rows": [{"text": "a"},]}', "malformed JSON"),
    ("broken.jsonl", b'{"text": "fine"}\n{"text": oops}\n', "malformed JSON on line 2"),
    ("scalar.jsonl", b'{"text": "fine"}\n42\n', "line 2 is not a JSON object"),
    ("notext.json", b'[{"id": 1}, {"id": 2}]', "no text records"),
    ("report.docx", b"PK\x03\x04 zip bytes", "unsupported file type '.docx'"),
    ("empty.html", b"<html><body><script>x()</script></body></html>", "no text found"),
])
def test_bad_input_is_an_ingest_error_with_a_reason(tmp_path, name, content, reason):
    path = write(tmp_path / name, content)
    with pytest.raises(IngestError) as err:
        read_document(path)
    assert reason in str(err.value)


def test_truncated_real_pdf_is_corrupt(tmp_path):
    good = _make_pdf(tmp_path / "good.pdf", ["Some text for the truncation test."]).read_bytes()
    path = write(tmp_path / "truncated.pdf", good[: len(good) // 3])
    with pytest.raises(IngestError, match="PDF"):
        read_document(path)


def test_folder_named_like_a_file(tmp_path):
    (tmp_path / "x.txt").mkdir()
    with pytest.raises(IngestError, match="is a folder"):
        read_document(tmp_path / "x.txt")


def test_missing_file(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        read_document(tmp_path / "gone.md")


def test_fifo_and_socket_are_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(IngestError, match="not a regular file"):
        read_document(fifo)  # opening a FIFO for reading would block forever
    assert time.monotonic() - started < 5
    sock_path = tmp_path / "s.txt"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(IngestError, match="not a regular file"):
            read_document(sock_path)


def test_huge_file_is_refused_quickly(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:  # sparse: no 50 MB written to disk
        fh.truncate(MAX_BYTES + 1)
    started = time.monotonic()
    with pytest.raises(IngestError, match="over the 50 MB limit"):
        read_document(path)
    assert time.monotonic() - started < 2


@contextmanager
def _unprivileged():
    """Tests run as root, which ignores file modes: drop the effective uid to `nobody`
    for the block, so the kernel's own permission check refuses the read."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_unreadable_file_is_permission_denied():
    folder = Path(tempfile.mkdtemp(prefix="regbot-perm-"))
    try:
        folder.chmod(0o755)  # nobody may enter the folder ...
        path = write(folder / "secret.txt", "classified\n")
        path.chmod(0o000)  # ... but not read the file
        with _unprivileged():
            with pytest.raises(IngestError, match="permission denied"):
                read_document(path)
    finally:
        for p in folder.iterdir():
            p.chmod(0o600)
            p.unlink()
        folder.rmdir()
