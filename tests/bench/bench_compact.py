"""`regbot index compact` on a churned home: size before and after, nothing re-embedded.

A home is filled with ../shared/corpus, then one document is rewritten and re-ingested
N times (every rewrite re-keys its chunks, so Chroma deletes the old vectors but keeps
their space); the figures are compared with a clean build of the same final state.

    python tests/bench/bench_compact.py --versions 10
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


def regbot(home: Path, *args: str) -> dict:
    env = dict(os.environ, REGBOT_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", TOKENIZERS_PARALLELISM="false")
    done = subprocess.run([sys.executable, "-m", "bot.cli", *args, "--json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"regbot {' '.join(args)} failed: {done.stderr[-500:]}")
    return json.loads(done.stdout)


def size(home: Path) -> int:
    return sum(p.stat().st_size for p in home.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--chars", type=int, default=40_000)
    parser.add_argument("--home", type=Path, help="populated home to start from (copied)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="regbot-compact-"))
    home, doc_dir = work / "home", work / "docs"
    doc_dir.mkdir()
    if args.home:
        subprocess.run(["cp", "-a", str(args.home), str(home)], check=True)
    else:
        regbot(home, "ingest", str(SHARED / "corpus"))
    text = SOURCE.read_text(encoding="utf-8")
    for version in range(args.versions):
        start = version * 997  # a different slice each time: every chunk re-keyed
        (doc_dir / "churn.md").write_text(f"# Version {version}\n\n" + text[start:start + args.chars],
                                          encoding="utf-8")
        regbot(home, "ingest", str(doc_dir))
    churned = size(home)
    started = time.monotonic()
    report = regbot(home, "index", "compact")
    seconds = time.monotonic() - started
    check = regbot(home, "index", "check")
    clean = work / "clean"  # the same final content, built without churn
    if args.home:
        subprocess.run(["cp", "-a", str(args.home), str(clean)], check=True)
    else:
        regbot(clean, "ingest", str(SHARED / "corpus"))
    regbot(clean, "ingest", str(doc_dir))
    print(json.dumps({"versions": args.versions, "churned_bytes": churned, **report,
                      "compact_seconds": round(seconds, 1), "check_ok": check["ok"],
                      "clean_build_bytes": size(clean),
                      "load_average": Path("/proc/loadavg").read_text().split()[:3],
                      "work_dir": str(work)}))


if __name__ == "__main__":
    main()
