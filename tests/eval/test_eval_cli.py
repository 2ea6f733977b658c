"""`regbot eval` end to end: the project's gold set over the shared-corpus index, in a subprocess.

This is the quality gate `make test` runs: the floors below must hold on the held-out test split for the
production (hybrid) configuration, and a no-op baseline (always "depends", nothing retrieved) must fail
them. Every setting was tuned on the dev split only (docs/evaluation.md).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "tests" / "gold"

# The floors, checked on the test split (docs/evaluation.md, "The gate": measured 2026-12-02 on test,
# hybrid: verdict accuracy 1.000 (no known engine failure left), recall@5 0.333, strict abstention
# recall 1.000 in every configuration, citation precision of the quotes shown 0.450). Raised that day
# from 0.88 / 0.8: the abstention floor is now the target, 0.9. Citation precision is
# scored against `support` since 2026-12-02 (test 0.960; 0.450 against `sources`): the floor is
# issue 12's target, 0.7.
FLOORS = {
    "verdict_accuracy": 0.95,
    "citation_validity": 1.0,
    "false_no_license_required": 0,
    "recall@5": 0.30,
    "abstention_recall": 0.9,
    "citation_precision": 0.7,
}
PER_CONFIG = ("verdict_accuracy", "recall@5", "citation_precision")  # production (hybrid) only
PLOTS = ("confusion_matrix.png", "recall_at_k.png", "latency_histogram.png")


def regbot_eval(*args: str, home: Path, timeout: int = 1200) -> subprocess.CompletedProcess:
    env = {**os.environ, "REGBOT_HOME": str(home), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-c", "from bot.cli import main; main()", "eval", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)


def floor_args(production: str | None = None) -> list[str]:
    """--fail-under arguments; with `production`, the PER_CONFIG floors apply to that config only."""
    out: list[str] = []
    for metric, value in FLOORS.items():
        prefix = f"{production}:" if production and metric in PER_CONFIG else ""
        out += ["--fail-under", f"{prefix}{metric}={value}"]
    return out


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("baseline-report")
    proc = regbot_eval(str(GOLD), "--config", "baseline", "--json", "--report", str(out), *floor_args(),
                       home=tmp_path_factory.mktemp("home"))
    return proc, out


def test_baseline_fails_the_floors(baseline_run):
    proc, _ = baseline_run
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    failed = {f["metric"] for f in result["floors"] if not f["passed"]}
    assert {"verdict_accuracy", "recall@5", "abstention_recall"} <= failed
    assert result["passed"] is False and {f["split"] for f in result["floors"]} == {"test"}
    summary = result["configs"]["baseline"]["summary"]
    assert summary["n"] >= 150 and summary["verdict_accuracy"] < FLOORS["verdict_accuracy"]
    assert result["splits"] == ["dev", "test"]


def test_report_folder_has_markdown_json_and_plots(baseline_run):
    _, out = baseline_run
    for name in PLOTS:
        data = (out / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, name
    report = (out / "report.md").read_text(encoding="utf-8")
    for name in PLOTS:
        assert f"]({name})" in report
    assert "## Failed items: baseline" in report and "`kh-usml11-2023-03`" in report
    assert "**Answer given:**" in report
    assert json.loads((out / "results.json").read_text())["configs"]["baseline"]["items"]


@pytest.mark.parametrize("args, code, needle", [
    (["--config", "baseline", "--fail-under", "nonsense=1"], 2, "METRIC one of"),
    (["--config", "baseline", "--fail-under", "verdict_accuracy=high"], 2, "not a number"),
    (["--config", "baseline", "--fail-under", "hybrid:recall@5=0.1"], 2, "not run: hybrid"),
    (["--config", "warp"], 2, "warp"),
    (["--config", "baseline", "--fail-under", "recall@5=nan"], 2, "finite"),
    (["--config", "baseline", "--depth", "0"], 2, "--depth"),
    (["--config", "baseline", "--corpus", "/no/such/folder"], 2, "/no/such/folder"),
    (["--config", "baseline", "--report", "/proc/regbot-report"], 2, "cannot write the report"),
    (["--config", "baseline", "--split", "train"], 2, "--split"),
])
def test_usage_errors_exit_2(args, code, needle, regbot_home):
    proc = regbot_eval(str(GOLD), *args, home=regbot_home)
    assert proc.returncode == code and needle in proc.stderr and "Traceback" not in proc.stderr


def test_bad_gold_file_exit_2_names_item_and_field(tmp_path, regbot_home):
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - {id: x1, question: q, status: maybe}\n", encoding="utf-8")
    proc = regbot_eval(str(bad), "--config", "baseline", home=regbot_home)
    assert proc.returncode == 2
    assert f"{bad}: item 'x1': field 'status'" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_index_exit_3(tmp_path):
    proc = regbot_eval(str(GOLD), "--config", "hybrid", home=tmp_path / "empty-home")
    assert proc.returncode == 3, proc.stderr
    assert "regbot ingest" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- real answers


@pytest.fixture(scope="module")
def gold_run(corpus_home, tmp_path_factory):
    """One run of all three retrieval configurations over the shared-corpus index (no decision log)."""
    out = tmp_path_factory.mktemp("gold-report")
    proc = regbot_eval(str(GOLD), "--config", "hybrid", "--config", "dense", "--config", "bm25",
                       "--no-log", "--json", "--report", str(out), *floor_args("hybrid"), home=corpus_home)
    return proc, out


@pytest.mark.slow
def test_gold_set_meets_the_floors(gold_run):
    proc, _ = gold_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["passed"] and all(f["passed"] for f in result["floors"])
    assert {f["split"] for f in result["floors"]} == {"test"}  # the gate is the held-out part
    for name in ("hybrid", "dense", "bm25"):
        config = result["configs"][name]
        assert set(config["splits"]) == {"dev", "test"}
        assert config["splits"]["test"]["summary"]["n"] >= 50
        summary = config["summary"]
        assert summary["errors"] == 0
        assert summary["citations"] > 0  # validity is measured on real quotes, not vacuously
        assert summary["recall@10"] >= summary["recall@5"]
        for item in config["items"]:
            # ranks start with exactly the passages the answer showed (quoted), never more than 5
            assert item["ranked"][:len(item["shown"])] == item["shown"], item["id"]
            assert set(item["shown"]) <= set(item["passages"]) and len(item["shown"]) <= 5, item["id"]
            assert len(item["ranked"]) <= 10, item["id"]
            if item["must_abstain"] and item["abstained"]:
                assert item["citations"] == [] and item["status"] == "cannot_determine", item["id"]
        deepest = max(len(i["ranked"]) for i in config["items"])
        assert sorted(map(int, config["recall_at_k"])) == list(range(1, deepest + 1))
    hybrid = result["configs"]["hybrid"]["items"]
    assert sum(len(i["ranked"]) > len(i["shown"]) for i in hybrid) >= 20  # deeper ranks are real
    assert max(len(i["ranked"]) for i in hybrid) == 10


@pytest.mark.slow
def test_gold_report_with_real_answers(gold_run):
    _, out = gold_run
    for name in PLOTS:
        assert (out / name).stat().st_size > 5000, name
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| metric | hybrid dev | hybrid test | dense dev | dense test | bm25 dev | bm25 test |" in report
    # the section lists the gold's known failures, and is left out when there are none
    from bot.eval.gold import load_gold

    known = [i for i in load_gold([GOLD]).items if i.known_failure]
    assert ("## Known engine failures: hybrid" in report) == bool(known)
    items = json.loads((out / "results.json").read_text())["configs"]["hybrid"]["items"]
    assert {i["id"] for i in items} >= {"kh-avionics-today", "oos-gibberish"}
    assert all(i["error"] is None for i in items)


def test_jsonl_dataset_through_the_cli(tmp_path, regbot_home, corpus_dir):
    """An external JSONL set runs as given; --corpus resolves its character spans to quotes."""
    f = "2021-12-15_exportcompliancesolutions_cambodia-126-1-and-ear-meu_excerpt.txt"
    text = (corpus_dir / f).read_text(encoding="utf-8")
    start = text.index("third country")
    rows = [{"id": "ext-1", "question": "Can we sell USML XI items to Cambodia?", "label": "Denied",
             "as_of": "2023-01-01", "evidence": [{"doc": f, "start": start, "end": start + 13}]},
            {"id": "ext-2", "question": "What is the weather in Phnom Penh?", "label": "out of scope"}]
    data = tmp_path / "external.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    proc = regbot_eval(str(data), "--corpus", str(corpus_dir), "--config", "baseline", "--json", home=regbot_home)
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)["configs"]["baseline"]["items"]
    assert [(i["id"], i["expected_status"], i["must_abstain"]) for i in items] == [
        ("ext-1", "prohibited", False), ("ext-2", "cannot_determine", True)]
    proc = regbot_eval(str(data), "--config", "baseline", home=regbot_home)  # spans need the corpus
    assert proc.returncode == 2 and "line 1" in proc.stderr and "corpus" in proc.stderr


def test_split_runs_only_that_part(regbot_home):
    """Tuning runs use --split dev and never see the held-out items; floors then hold on what ran."""
    proc = regbot_eval(str(GOLD), "--split", "dev", "--config", "baseline", "--json",
                       "--fail-under", "false_no_license_required=0", home=regbot_home)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    items = result["configs"]["baseline"]["items"]
    assert items and {i["split"] for i in items} == {"dev"} and result["splits"] == ["dev"]
    assert [f["split"] for f in result["floors"]] == ["all"]
