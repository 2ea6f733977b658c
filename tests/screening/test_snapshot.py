"""The shipped snapshot: what `python -m bot.screening.build` makes from ../shared, shipped
as package data, readable without ../shared."""
from __future__ import annotations

import gzip
import json
import subprocess
import sys
import tomllib

from regbot_paths import REPO


def test_shipped_snapshot_is_what_the_build_makes_from_shared(csl_path, tmp_path):
    out = tmp_path / "data"
    proc = subprocess.run([sys.executable, "-m", "bot.screening.build", str(csl_path),
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    shipped = REPO / "bot" / "screening" / "data"
    assert (out / "csl.jsonl.gz").read_bytes() == (shipped / "csl.jsonl.gz").read_bytes()
    assert json.loads((out / "csl.provenance.json").read_text()) == json.loads(
        (shipped / "csl.provenance.json").read_text())


def test_provenance_names_date_source_hash_and_counts(csl_path):
    import hashlib

    meta = json.loads((REPO / "bot/screening/data/csl.provenance.json").read_text())
    assert meta["list_date"] == "2026-07-31"
    assert meta["input_sha256"] == hashlib.sha256(csl_path.read_bytes()).hexdigest()
    assert meta["entries"] == 25_921 == sum(meta["counts"].values())
    assert len(meta["counts"]) == 12
    assert meta["counts"]["Entity List (EL) - Bureau of Industry and Security"] == 3_420
    assert "trade.gov" in meta["source"]


def test_snapshot_holds_every_entry_with_the_fields_we_use(csl_rows):
    from bot.screening.store import SNAPSHOT

    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert len(rows) == len(csl_rows)
    baai = next(r for r in rows if r["name"] == "Beijing Academy of Artificial Intelligence")
    assert baai["license_policy"] == "Presumption of denial"
    assert baai["alt_names"] == ["BAAI", "Zhiyuan Research Institute",
                                 "Beijing Zhiyuan Artificial Intelligence Research Institute",
                                 "Zhiyuan"]
    assert set(baai) >= {"name", "alt_names", "list", "type", "countries", "entity_number",
                         "license_requirement", "license_policy", "federal_register_notice"}


def test_snapshot_is_package_data():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    assert "*.gz" in patterns and "*.json" in patterns and "*.yaml" in patterns


def test_screening_works_without_shared(tmp_path):
    """A process whose REGBOT_SHARED points nowhere, run from another folder, still screens."""
    code = ("from bot.screening import screen; r = screen('Try Pheap Group', 'KH'); "
            "print(r.list_date, r.hits[0].party.name)")
    env = {"PYTHONPATH": str(REPO), "REGBOT_HOME": str(tmp_path / "home"),
           "REGBOT_SHARED": str(tmp_path / "no-shared"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "2026-07-31 TRY PHEAP GROUP CO., LTD."


def test_build_refuses_a_bad_file_with_a_clear_message(tmp_path):
    bad = tmp_path / "csl.jsonl"
    bad.write_text('{"name": "X"\n')
    proc = subprocess.run([sys.executable, "-m", "bot.screening.build", str(bad), "--out",
                           str(tmp_path / "out")], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert "line 1 is not JSON" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_wheel_ships_the_snapshot_and_tables(tmp_path):
    """Build the real wheel (no network, no isolation) and look inside it."""
    import zipfile

    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("regbot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ("bot/screening/data/csl.jsonl.gz", "bot/screening/data/csl.provenance.json",
                 "bot/screening/effects.yaml", "bot/rules/end_users.yaml"):
        assert path in names, path
