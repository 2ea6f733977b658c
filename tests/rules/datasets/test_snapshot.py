"""The shipped snapshot is exactly what the build makes from ../shared/ear, and the package
works from an installed copy with no ../shared beside it."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.rules.datasets import build
from bot.rules.datasets.load import DATA, FILES, load_tables, snapshot_dates
from regbot_paths import REPO, SHARED

EAR = SHARED / "ear"


@pytest.fixture(scope="module")
def fresh() -> dict[str, bytes]:
    assert EAR.is_dir(), f"../shared/ear not found at {EAR}"
    return build.compile_snapshot(EAR)


def test_shipped_snapshot_equals_a_fresh_build(fresh):
    shipped = DATA / snapshot_dates()[-1]
    assert sorted(fresh) == sorted(FILES)
    for name, data in fresh.items():
        assert (shipped / name).read_bytes() == data, f"{name} is stale: run `make tables`"


def test_building_twice_gives_identical_bytes(fresh):
    assert build.compile_snapshot(EAR) == fresh


def test_build_writes_a_dated_folder_and_check_compares_it(tmp_path):
    assert build.main([str(EAR), "--out", str(tmp_path / "snap")]) == 0
    assert build.main([str(EAR), "--out", str(tmp_path / "snap"), "--check"]) == 0
    (tmp_path / "snap" / "groups.json").write_text("{}")
    assert build.main([str(EAR), "--out", str(tmp_path / "snap"), "--check"]) == 1


def test_provenance_records_date_source_hashes_and_counts():
    tables = load_tables()
    prov = json.loads((tables.path / "provenance.json").read_text())
    assert prov["ecfr_date"] == tables.ecfr_date == "2026-07-23" == tables.path.name
    for name in ("country-chart.json", "country-groups.json", "ccl.jsonl"):
        digest = hashlib.sha256((EAR / name).read_bytes()).hexdigest()
        assert prov["inputs"][f"ear/{name}"] == digest
    for name in build.SOURCE_FILES:
        digest = hashlib.sha256((build.SOURCES / name).read_bytes()).hexdigest()
        assert prov["inputs"][f"bot/rules/datasets/sources/{name}"] == digest
    assert prov["counts"]["eccns"] == 633 and prov["counts"]["destinations.row"] == 196
    assert "timestamp" not in json.dumps(prov) and prov["builder_version"]


def test_bad_inputs_fail_the_build_with_a_message(tmp_path, capsys):
    ear = tmp_path / "ear"
    ear.mkdir()
    for name in build.EAR_FILES:
        (ear / name).write_bytes((EAR / name).read_bytes())
    chart = json.loads((ear / "country-chart.json").read_text())
    chart["rows"]["Atlantis"] = {"x": ["NS 1"], "footnotes": []}
    (ear / "country-chart.json").write_text(json.dumps(chart))
    # quotes are checked against ../shared beside the ear folder: give it the real one
    (tmp_path / "corpus").symlink_to(SHARED / "corpus")
    (tmp_path / "scale").symlink_to(SHARED / "scale")
    assert build.main([str(ear), "--out", str(tmp_path / "out")]) == 2
    assert "'Atlantis' is no destination" in capsys.readouterr().err
    assert build.main([str(tmp_path / "missing")]) == 2


@pytest.mark.timeout(600)
def test_an_installed_copy_works_without_shared(tmp_path):
    """pip install --target (a wheel built from this tree), then run from a folder with no
    ../shared: the snapshot ships inside the package."""
    import setuptools

    source = tmp_path / "src"  # a clean copy: no stale build/ folder can leak into the wheel
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache",
        ".regbot-demo", "bench-results", "eval-report"))
    target = tmp_path / "site"
    # setuptools >= 70.1 builds wheels itself: no download; older ones get an isolated build
    local = tuple(int(p) for p in setuptools.__version__.split(".")[:2]) >= (70, 1)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    *(["--no-build-isolation"] if local else []), "--target", str(target),
                    str(source)], check=True, cwd=tmp_path, capture_output=True)
    code = ("import bot, json; from bot.rules.datasets import determine, load_tables;"
            "t = load_tables(); d = determine('3A001', 'Cambodia', t);"
            "print(json.dumps([bot.__file__, str(t.path), d.summary, len(t.entries)]))")
    env = {**os.environ, "PYTHONPATH": str(target), "REGBOT_SHARED": str(tmp_path / "none")}
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env,
                         capture_output=True, text=True).stdout
    where, path, summary, eccns = json.loads(out)
    assert Path(where).is_relative_to(target) and Path(path).is_relative_to(target)
    assert (summary, eccns) == ("required", 633)
