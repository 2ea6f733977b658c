"""Stress: two `regbot ingest` processes of different files into one populated home, N rounds.

Issue 14 found that two concurrent ingests both exit 0 and leave vectors Chroma cannot read
("Error finding id"). This script reproduces that scenario and prints what each round lost,
as `regbot index check --json` of THIS checkout sees it (ids across chunk store, Chroma and
BM25, every vector read back):

    python tests/bench/stress_ingest.py --rounds 20                  # this checkout's ingest
    python tests/bench/stress_ingest.py --rounds 3 --ingest-code DIR  # another checkout (e.g. main)

The home is first filled with ../shared/corpus; every round writes two fresh files (slices
of a CFR chapter from ../shared/scale, read by path, never copied into the repo) into two
folders and starts both ingests at the same instant.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("REGBOT_SHARED", REPO.parent / "shared")).resolve()
SOURCE = SHARED / "scale" / "cfr-2025-01" / "title-22" / "chapter-I.md"


def regbot(code: Path, home: Path, *args: str) -> subprocess.Popen:
    env = dict(os.environ, REGBOT_HOME=str(home), PYTHONPATH=str(code), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               TOKENIZERS_PARALLELISM="false")
    return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=code, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def slices(chars: int) -> list[str]:
    """Consecutive line-aligned slices of the source chapter, about `chars` long each."""
    out, buf = [], []
    size = 0
    for line in SOURCE.read_text(encoding="utf-8").splitlines(keepends=True):
        buf.append(line)
        size += len(line)
        if size >= chars:
            out.append("".join(buf))
            buf, size = [], 0
    return out


def check(home: Path) -> dict:
    proc = regbot(REPO, home, "index", "check", "--json")
    out, err = proc.communicate(timeout=600)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"index check failed ({proc.returncode}): {err}")
    return json.loads(out)


def one_round(code: Path, home: Path, work: Path, number: int, texts: list[str]) -> dict:
    folders = []
    for side, text in zip("ab", texts):
        folder = work / f"round-{number:02d}-{side}"
        folder.mkdir()
        (folder / f"round-{number:02d}-{side}.md").write_text(text, encoding="utf-8")
        folders.append(folder)
    started = time.monotonic()
    procs = [regbot(code, home, "ingest", str(f), "--json") for f in folders]
    results = [p.communicate(timeout=1800) for p in procs]
    wall = time.monotonic() - started
    summaries = [json.loads(out) if out.strip() else {} for out, _ in results]
    health = check(home)
    waited = sum("waiting: the index is being written by" in err for _, err in results)
    return {"round": number, "exit_codes": [p.returncode for p in procs], "wall_s": round(wall, 1),
            "added": sum(s.get("chunks_added", 0) for s in summaries), "waited": waited,
            "records": health["counts"]["records"], "vectors": health["counts"]["vectors"],
            "problems": {p["kind"]: p["count"] for p in health["problems"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--chars", type=int, default=25000, help="size of each round's files")
    parser.add_argument("--ingest-code", type=Path, default=REPO,
                        help="checkout whose `regbot ingest` is stressed (default: this one)")
    parser.add_argument("--home", type=Path, help="populated home to reuse (copied first)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="regbot-stress-"))
    home = work / "home"
    if args.home:
        subprocess.run(["cp", "-a", str(args.home), str(home)], check=True)
    else:
        proc = regbot(args.ingest_code, home, "ingest", str(SHARED / "corpus"), "--json")
        out, err = proc.communicate(timeout=1800)
        print("populated:", out.strip() or err.strip()[-300:], flush=True)
    texts = slices(args.chars)
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
    rows, expected = [], check(home)["counts"]["records"]
    for n in range(args.rounds):
        row = one_round(args.ingest_code, home, work, n + 1, texts[2 * n:2 * n + 2])
        expected += row["added"]
        row["records_missing"] = expected - row["records"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    clean = sum(not r["problems"] and not r["records_missing"] for r in rows)
    print(json.dumps({"rounds": len(rows), "clean_rounds": clean,
                      "final_problems": rows[-1]["problems"] if rows else {},
                      "records": rows[-1]["records"] if rows else expected, "expected": expected,
                      "second_waited": sum(r["waited"] for r in rows),
                      "mean_round_s": round(sum(r["wall_s"] for r in rows) / max(len(rows), 1), 1),
                      "load_average": Path("/proc/loadavg").read_text().split()[:3],
                      "work_dir": str(work)}))


if __name__ == "__main__":
    main()
