"""tests/bench/record.py: the one results file every bench script writes (issue 16 point 3)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "bench"))

from record import figure_value, markdown, read_results, recorder  # noqa: E402


def test_a_section_holds_figures_targets_and_where_and_when_it_ran(tmp_path):
    path = tmp_path / "results.json"
    with recorder("answer", path) as rec:
        rec.figure("warm_p95_ms", 23.3, unit="ms", target=50)
        rec.figure("cold_s", 3.4, unit="s", target=3)
        rec.figure("hit_at_5", 0.4, target=0.45, better="higher")
        rec.figure("replies", 100, unit="count")
        rec.info("questions", 200)
        sum(i * i for i in range(200_000))  # some CPU time
    section = read_results(path)["benches"]["answer"]
    assert section["status"] == "ok" and section["missed"] == ["cold_s", "hit_at_5"]
    assert section["figures"]["warm_p95_ms"] == {"value": 23.3, "unit": "ms", "target": 50,
                                                 "better": "lower", "met": True}
    assert section["figures"]["replies"] == {"value": 100, "unit": "count"}
    assert section["info"] == {"questions": 200}
    assert section["cpu_s"]["self"] > 0 and section["wall_s"] >= 0
    assert len(section["loadavg_before"]) == 3 and section["machine"]["cpus"] >= 1
    assert len(section["commit"]) >= 7 and section["started"].endswith("Z")
    assert figure_value(read_results(path), "answer.cold_s")["met"] is False
    assert "| `answer.cold_s` | 3.4 s | ≤ 3 s | **missed** |" in markdown(read_results(path))


def test_sections_of_several_scripts_share_the_file_and_a_rerun_replaces_its_own(tmp_path):
    path = tmp_path / "results.json"
    for bench, value in (("rules", 1.0), ("tables", 2.0), ("rules", 3.0)):
        with recorder(bench, path) as rec:
            rec.figure("t_ms", value, unit="ms")
    data = read_results(path)
    assert list(data["benches"]) == ["rules", "tables"]
    assert figure_value(data, "rules.t_ms")["value"] == 3.0


def test_not_run_is_a_line_without_figures_and_a_failure_is_recorded_and_raised(tmp_path):
    path = tmp_path / "results.json"
    with recorder("slack_crash_redis", path) as rec:
        rec.not_run("redis-server is not installed")
    with pytest.raises(RuntimeError), recorder("slack", path) as rec:
        rec.figure("ack_p95_ms", 10.0, unit="ms")
        raise RuntimeError("server did not start")
    benches = read_results(path)["benches"]
    assert benches["slack_crash_redis"]["status"] == "not_run"
    assert benches["slack_crash_redis"]["reason"] == "redis-server is not installed"
    assert benches["slack_crash_redis"]["figures"] == {}
    assert benches["slack"]["status"] == "failed" and "server did not start" in benches["slack"]["error"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "12", None, True])
def test_a_figure_is_a_finite_number(tmp_path, bad):
    with recorder("x", tmp_path / "r.json") as rec, pytest.raises(ValueError):
        rec.figure("f", bad)


def test_start_and_finish_from_the_command_line(tmp_path):
    path = tmp_path / "results-latest.json"
    env = {"REGBOT_BENCH_RESULTS": str(path), "PATH": "/usr/bin:/bin"}
    script = str(REPO / "tests" / "bench" / "record.py")
    assert subprocess.run([sys.executable, script, "start"], env=env).returncode == 0
    assert read_results(path)["benches"] == {} and read_results(path)["command"] == "make bench"
    with recorder("rules", path) as rec:
        rec.figure("load_ms", 300.0, unit="ms", target=200)
    done = subprocess.run([sys.executable, script, "finish"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "targets missed: rules.load_ms" in done.stdout
    copies = [p for p in tmp_path.glob("results-2*.json")]
    assert len(copies) == 1 and json.loads(copies[0].read_text())["finished"]
    with recorder("slack", path) as rec:  # a failed bench makes `finish` (and `make bench`) fail
        rec.not_run("x")
    data = read_results(path)
    data["benches"]["slack"]["status"] = "failed"
    path.write_text(json.dumps(data))
    assert subprocess.run([sys.executable, script, "finish"], env=env, capture_output=True).returncode == 1
