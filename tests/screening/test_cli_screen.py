"""`regbot screen` contracts: single names, --batch JSON lines with bad lines, exit codes, and
no chromadb / torch on the way."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import cli
from regbot_paths import REPO

HIT_FIELDS = {"name", "alt_names", "list", "type", "countries", "entity_number",
              "license_requirement", "license_policy", "federal_register_notice", "score",
              "matched"}


def _run(*args):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "250"})


def test_screen_json_beijing_academy():
    result = _run("screen", "Beijing Academy of Artificial Intelligence", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["query"] == "Beijing Academy of Artificial Intelligence"
    assert out["list_date"] == "2026-07-31"
    hit = out["hits"][0]
    assert HIT_FIELDS <= set(hit)
    assert hit["list"] == "Entity List (EL) - Bureau of Industry and Security"
    assert hit["license_policy"] == "Presumption of denial" and hit["band"] == "exact"


def test_screen_try_pheap_group_kh_human_table():
    result = _run("screen", "Try Pheap Group", "--country", "KH")
    assert result.exit_code == 0, result.output
    assert "TRY PHEAP GROUP CO., LTD." in result.output and "SDN" in result.output
    assert "2026-07-31" in result.output and "prohibited" in result.output


def test_country_by_name_and_unknown_country():
    assert json.loads(_run("screen", "Try Pheap Group", "-c", "Cambodia", "--json").output
                      )["country"] == "KH"
    bad = _run("screen", "Acme", "--country", "Atlantis")
    assert bad.exit_code == 1 and "Atlantis" in bad.output


def test_no_hit_is_said_with_the_list_date():
    result = _run("screen", "Meadowbrook Dairy Farm")
    assert result.exit_code == 0
    assert "No match" in result.output and "2026-07-31" in result.output


@pytest.mark.parametrize("args, code", [
    (["screen"], 2), (["screen", "   "], 2), (["screen", "!!!"], 1),
    (["screen", "x" * 400], 1), (["screen", "A", "--batch", "f.jsonl"], 2),
])
def test_bad_input_exit_codes(args, code):
    result = _run(*args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output


def test_batch_json_one_line_per_input_bad_lines_reported(tmp_path):
    batch = tmp_path / "parties.jsonl"
    batch.write_text("\n".join([
        json.dumps({"id": "a1", "name": "Beijing Academy of Artificial Intelligence"}),
        json.dumps({"id": "a2", "name": "Try Pheap Group", "country": "KH"}),
        "{not json",
        json.dumps({"id": "a4", "country": "KH"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": 6, "name": "Meadowbrook Dairy Farm", "country": "US"}),
        json.dumps({"id": "a7", "name": "Acme", "country": "Cambodia"}),
    ]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", "--batch", str(batch), "--json"])
    assert result.exit_code == 4, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line.get("id") for line in lines] == ["a1", "a2", None, "a4", None, 6, "a7"]
    assert lines[0]["query"] == "Beijing Academy of Artificial Intelligence"
    assert HIT_FIELDS <= set(lines[0]["hits"][0])
    assert lines[1]["hits"][0]["name"] == "TRY PHEAP GROUP CO., LTD."
    assert lines[2] == {"id": None, "line": 3, "error": "not JSON (Expecting property name "
                        "enclosed in double quotes)"}
    assert lines[3]["error"] == 'missing "name"' and lines[3]["line"] == 4
    assert "error" in lines[4] and lines[5]["hits"] == []
    assert "ISO-2" in lines[6]["error"]
    assert "3 screened, 4 bad line(s)" in result.stderr


def test_batch_all_good_is_exit_0_and_human_table(tmp_path):
    batch = tmp_path / "ok.jsonl"
    batch.write_text(json.dumps({"id": 1, "name": "Hikvision"}) + "\n")
    result = _run("screen", "--batch", str(batch))
    assert result.exit_code == 0, result.output
    assert "Hangzhou Hikvision" in result.output


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xff\xfe\x00bad", b"a\x00b"])
def test_unreadable_batch_is_exit_1(tmp_path, content):
    batch = tmp_path / "bad.jsonl"
    batch.write_bytes(content)
    result = _run("screen", "--batch", str(batch), "--json")
    error = json.loads(result.output)  # with --json an error is one JSON object (issue 12)
    assert result.exit_code == 1 and error["exit_code"] == 1 and "bad.jsonl" in error["error"]
    assert "error:" in _run("screen", "--batch", str(batch)).output
    assert _run("screen", "--batch", str(tmp_path / "missing.jsonl")).exit_code == 1


def test_regbot_screen_process_imports_no_chromadb_or_torch(tmp_path):
    """The real console script, in a new process: fast start, no heavy imports."""
    code = ("import sys, runpy; sys.argv = ['regbot', 'screen', 'Try Pheap Group', '--country', "
            "'KH', '--json']\n"
            "from bot.cli import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('chromadb', 'torch', "
            "'sentence_transformers', 'transformers', 'langchain'))\n"
            "print('HEAVY', heavy, file=sys.stderr)")
    env = {**os.environ, "PYTHONPATH": str(REPO), "REGBOT_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert "HEAVY []" in proc.stderr, proc.stderr
    out = json.loads(proc.stdout)
    assert [h["list_code"] for h in out["hits"]][:2] == ["SDN", "SDN"]
