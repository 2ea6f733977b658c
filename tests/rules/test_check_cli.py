"""`regbot check`: JSON contract, human output, exit codes, and no heavy imports."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli

JSON_KEYS = {"facts", "status", "reasons", "branches", "missing_facts", "clarifying_questions",
             "rule_ids", "trace", "unverified", "screening", "chart_cells"}


def run(*args: str):
    return CliRunner().invoke(cli, ["check", *args])


def test_json_contract_for_a_branching_question():
    result = run("--destination", "KH", "--item", "avionics", "--as-of", "2026-11-27", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == JSON_KEYS
    assert data["facts"]["destination"] == "KH" and data["facts"]["as_of"] == "2026-11-27"
    assert data["status"] == "depends"
    assert data["missing_facts"] == ["classification", "end_use"]
    assert len(data["clarifying_questions"]) == 3  # and who the buyer is: nobody was screened
    assert "not been screened" in data["clarifying_questions"][-1]
    assert data["screening"] == {"parties": [], "list_date": None, "list_source": None,
                                 "hits": [], "problem": None}
    conditions = [b["if"] for b in data["branches"]]
    assert {"classification": "7A994", "end_use": "military"} in conditions
    assert all(set(b) == {"if", "status", "rule_ids", "reasons"} for b in data["branches"])
    entry = next(t for t in data["trace"] if t["rule_id"] == "itar.126_1.KH")
    assert entry["citation"] == "90 FR 50489" and entry["valid_from"] == "2025-11-07"
    assert "itar.licence_requirement" not in data["unverified"]  # 22 CFR 123.1(a), verbatim
    licence = next(t for t in data["trace"] if t["rule_id"] == "itar.licence_requirement")
    assert licence["citation"] == "22 CFR 123.1(a)" and licence["verified"]
    # the chart cells read for the 7A994 branches: the ECCN's AT row against Cambodia's row
    assert {"eccn": "7A994", "row": 1, "destination": "Cambodia", "column": "AT 1",
            "marked": False} in [{k: c[k] for k in ("eccn", "row", "destination", "column",
                                                     "marked")} for c in data["chart_cells"]]


@pytest.mark.parametrize("destination", ["KH", "kh", "Cambodia", "cambodia", "Kingdom of Cambodia",
                                         "Cambodai"])
def test_destination_accepts_codes_names_and_misspellings(destination):
    result = run("-d", destination, "-c", "USML XI", "--as-of", "2023-03-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["facts"]["destination"], data["status"]) == ("KH", "prohibited")


def test_end_user_text_drives_the_end_use():
    result = run("-d", "KH", "-c", "7a994", "--end-user", "national police", "--json")
    data = json.loads(result.output)
    assert data["facts"]["classification"] == "7A994"
    assert data["status"] == "license_required"
    assert "ear.744_21.group1" in data["rule_ids"]


def test_human_output_has_panel_reasons_branches_questions_and_warning():
    result = run("-d", "KH", "--item", "avionics", "--as-of", "2026-11-27")
    assert result.exit_code == 0
    out = " ".join(result.output.split())  # rich wraps lines at the terminal width
    for words in ("IT DEPENDS", "Branches", "classification=7A994", "? Is the end user civil",
                  "UNCONFIRMED", "Cambodia on 2026-11-27"):
        assert words in out, out


def test_demining_choice_and_prohibited_panel():
    out = " ".join(run("-d", "KH", "-c", "USML XI", "--as-of", "2023-03-01").output.split())
    assert "PROHIBITED" in out and "22 CFR 126.1(o)" in out
    demining = run("-d", "KH", "-c", "USML XI", "--end-use", "humanitarian-demining",
                   "--as-of", "2023-03-01", "--json")
    assert json.loads(demining.output)["status"] == "license_required"


@pytest.mark.parametrize("args,code,words", [
    (["-d", "Wakanda"], 1, "I don't know the country 'Wakanda'"),
    (["-d", "KH", "--as-of", "2025-02-30"], 1, "not a real date"),
    (["-d", "KH", "--as-of", "soon"], 2, "YYYY-MM-DD"),  # "yesterday" is a period now
    (["-d", "KH", "--end-use", "pirates"], 2, "pirates"),
    (["-d", "KH", "-c", "bananas"], 2, "cannot read 'bananas'"),
    (["--item", "avionics"], 2, "--destination"),
    (["-d", "  "], 2, "empty"),
    (["-d", "KH", "-c", "USML XXV"], 2, "cannot read 'USML XXV'"),
    (["-d", "KH", "-c", "7A994 9A991"], 2, "cannot read '7A994 9A991'"),
    (["-d", "KH", "-i", "x" * 100_000], 2, "--item is too long (100,000 characters"),
    (["-d", "KH", "--end-user", "army " * 20_000], 2, "--end-user is too long"),
    (["-d", "Cambodia" * 12_500], 2, "--destination is too long"),
])
def test_bad_input_exit_codes(args, code, words):
    result = run(*args)
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert len(result.output) < 1000  # the message does not echo 100 KB back


@pytest.mark.parametrize("given,read", [("ECCN 7A994", "7A994"), ("ear 99", "EAR99"),
                                        ("Cat. VIII(h)", "USML VIII(h)"), ("9a610.X", "9A610.x"),
                                        ("Category XI", "USML XI")])
def test_classification_forms(given, read):
    result = run("-d", "KH", "-c", given, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["facts"]["classification"] == read


def test_item_words_map_to_the_catalogue_like_questions_do():
    data = json.loads(run("-d", "KH", "-i", "Flight  Instruments", "--as-of", "2023-03-01",
                          "--json").output)
    assert data["facts"]["item"] == "avionics" and data["status"] == "depends"
    unknown = json.loads(run("-d", "KH", "-i", "Widgets", "--json").output)
    assert (unknown["facts"]["item"], unknown["status"]) == ("widgets", "cannot_determine")


def test_a_date_before_the_rulebook_covers_it_is_a_verdict_not_a_traceback():
    result = run("-d", "KH", "-c", "9A610.x", "--end-use", "civil", "--as-of", "1999-06-01",
                 "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "cannot_determine"
    assert any("1999-06-01" in r for r in data["reasons"])


def test_uncovered_destination_is_a_verdict_not_an_error():
    """A place with no chart row and no rules (Palestine): cannot determine, saying why."""
    result = run("-d", "Palestine", "-c", "7A994", "--end-use", "civil", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["status"] == "cannot_determine"
    assert "no row in the Commerce Country Chart" in data["reasons"][0]
    assert data["chart_cells"] == []


def test_real_process_is_light_and_clean():
    """A real `regbot check` process: right exit codes, no traceback, no chromadb/torch."""
    probe = ("import sys, json\n"
             "from click.testing import CliRunner\n"
             "from bot.cli import cli\n"
             "r = CliRunner().invoke(cli, ['check', '-d', 'KH', '-i', 'avionics', '--json'])\n"
             "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'chromadb', 'torch', "
             "'sentence_transformers', 'onnxruntime', 'langchain', 'transformers'})\n"
             "print(json.dumps([r.exit_code, heavy]))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [0, []], out.stderr
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "check", "-d", "KH", "--as-of",
                          "2025-02-30"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    assert "not a real date" in bad.stderr


def test_help_names_the_exit_codes():
    out = run("--help").output
    assert "Exit codes: 0 a verdict" in out and "2 usage error" in out
