"""One results file for every benchmark (issue 16 point 3): what `make bench` writes and the README quotes.

In a bench script (tests/bench/ is on sys.path when a script runs from there):

    from record import recorder

    with recorder("answer") as rec:                  # one section per bench (a name, unique)
        rec.figure("warm_p95_ms", 23.3, unit="ms", target=50)          # met if value <= 50
        rec.figure("hit_at_5", 0.49, target=0.45, better="higher")     # met if value >= 0.45
        rec.figure("replies", 100, unit="count")                       # a figure with no target
        rec.info("questions", 200)                   # context that is not a figure (sizes, settings)
        if not shutil.which("redis-server"):
            rec.not_run("redis-server is not installed")               # a line, never a fake figure

Leaving the block writes the section into the results file under a lock, replacing that bench's
previous section: figures (value, unit, target, met), when it ran (UTC), git commit (and whether
tracked code differed from it), machine (CPUs, CPU model, memory), 1/5/15-min load average
before and after, wall time and CPU time (this process + the children it waited for). An
exception in the block is recorded as `"status": "failed"` with the error, then re-raised.

The file is `docs/bench/results-latest.json` (`REGBOT_BENCH_RESULTS` names another one). `make bench`
starts it afresh (`python tests/bench/record.py start`), runs every script, then
`python tests/bench/record.py finish` keeps a dated copy (`docs/bench/results-<UTC stamp>.json`) and
prints the missed targets. A script run alone updates only its own section of the latest file.
Figure keys are `<bench>.<figure>` (`answer.warm_p95_ms`): the README's performance table names the
keys each row shows, and tests/test_readme_figures.py checks the numbers against this file.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[2]
LATEST = REPO / "docs" / "bench" / "results-latest.json"
ENV_VAR = "REGBOT_BENCH_RESULTS"
SCHEMA = 1
BETTER = ("lower", "higher")


def results_path() -> Path:
    """The results file this process records into."""
    return Path(os.environ.get(ENV_VAR) or LATEST)


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_commit() -> dict[str, Any]:
    """HEAD's short hash, and whether tracked code (not the results or docs) differs from it."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs", ":!README.md")
    return {"commit": git("rev-parse", "--short=10", "HEAD") or "unknown",
            "code_changed_since_commit": bool(changed)}


def machine() -> dict[str, Any]:
    """CPUs, CPU model, memory, Python: what the figures were measured on."""
    model, mem_gb = "unknown", None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 2**20, 1)
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gb": mem_gb,
            "python": platform.python_version(), "system": f"{platform.system()} {platform.machine()}"}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _cpu_seconds() -> dict[str, float]:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"self": own.ru_utime + own.ru_stime, "children": kids.ru_utime + kids.ru_stime}


def is_met(value: float, target: float, better: str) -> bool:
    return value <= target if better == "lower" else value >= target


@dataclass
class Recorder:
    """Collects one bench's figures; `recorder()` writes them."""
    bench: str
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    infos: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None

    def figure(self, name: str, value: float, *, unit: str = "", target: float | None = None,
               better: str = "lower", note: str | None = None) -> float:
        """Record a measured figure (returned unchanged); `better` says which way `target` is met."""
        if better not in BETTER:
            raise ValueError(f"better must be one of {BETTER}, not {better!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"figure {self.bench}.{name} must be a finite number, not {value!r}")
        if name in self.figures:
            raise ValueError(f"figure {self.bench}.{name} recorded twice")
        entry: dict[str, Any] = {"value": value, "unit": unit}
        if target is not None:
            entry |= {"target": target, "better": better, "met": is_met(value, target, better)}
        if note:
            entry["note"] = note
        self.figures[name] = entry
        return value

    def info(self, name: str, value: Any) -> None:
        """Record context that is not a figure (a count, a setting, a list of loads)."""
        self.infos[name] = value

    def not_run(self, reason: str) -> None:
        """Say the bench could not run and why; the section then has no figures."""
        self.reason = reason

    @property
    def missed(self) -> list[str]:
        return [name for name, f in self.figures.items() if f.get("met") is False]


@contextlib.contextmanager
def recorder(bench: str, path: Path | None = None) -> Iterator[Recorder]:
    """Measure the block's wall/CPU time and load, then write `bench`'s section (see the module doc)."""
    rec = Recorder(bench)
    started, wall, cpu, load_before = utc_now(), time.perf_counter(), _cpu_seconds(), load_average()
    error: BaseException | None = None
    try:
        yield rec
    except BaseException as exc:  # recorded, then re-raised
        error = exc
        raise
    finally:
        cpu_end = _cpu_seconds()
        section: dict[str, Any] = {
            "status": "failed" if error else ("not_run" if rec.reason else "ok"),
            "started": started, "finished": utc_now(),
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": {k: round(cpu_end[k] - cpu[k], 2) for k in cpu},
            "loadavg_before": load_before, "loadavg_after": load_average(),
            **git_commit(), "machine": machine(),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
            "figures": {} if rec.reason else rec.figures, "missed": [] if rec.reason else rec.missed,
            "info": rec.infos,
        }
        if rec.reason:
            section["reason"] = rec.reason
        if error:
            section["error"] = f"{type(error).__name__}: {error}"[:500]
        write_section(bench, section, path or results_path())
        _print_summary(bench, section, path or results_path())


def _print_summary(bench: str, section: dict, path: Path) -> None:
    missed = ", ".join(section["missed"]) or "none"
    print(f"[record] {bench}: {section['status']}, {len(section['figures'])} figures, targets missed: "
          f"{missed}; load {section['loadavg_before']} -> {section['loadavg_after']}; "
          f"CPU {section['cpu_s']['self']} s + children {section['cpu_s']['children']} s -> {path}",
          file=sys.stderr)


def new_results(command: str = "") -> dict[str, Any]:
    return {"schema": SCHEMA, "started": utc_now(), "command": command, **git_commit(),
            "machine": machine(), "loadavg_start": load_average(), "benches": {}}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def read_results(path: Path | None = None) -> dict[str, Any]:
    path = path or results_path()
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_section(bench: str, section: dict, path: Path) -> None:
    """Put `section` under benches[bench] of the file at `path` (created if missing)."""
    with _locked(path):
        data = read_results(path) if path.is_file() else new_results("(benches run one by one)")
        data["benches"][bench] = section
        data["updated"] = utc_now()
        _write(path, data)


def figure_value(data: dict, key: str) -> dict[str, Any] | None:
    """The figure entry for `<bench>.<figure>`, or None."""
    bench, _, name = key.partition(".")
    return data.get("benches", {}).get(bench, {}).get("figures", {}).get(name)


def rows(data: dict) -> Iterator[tuple[str, str, dict]]:
    """(bench, figure name, entry) over the file in order."""
    for bench, section in data.get("benches", {}).items():
        for name, entry in section.get("figures", {}).items():
            yield bench, name, entry


def _num(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"


def markdown(data: dict) -> str:
    """Every bench of the file as a Markdown table (the block docs/performance.md shows)."""
    lines = [f"Results file: `docs/bench/results-latest.json` (run started {data.get('started')}, "
             f"commit {data.get('commit')}; {data['machine']['cpus']} × {data['machine']['cpu_model']}, "
             f"{data['machine']['memory_gb']} GB).", "",
             "| bench | ran (UTC) | commit | load before → after | CPU s (self + children) | status |",
             "|---|---|---|---|---|---|"]
    for bench, s in data.get("benches", {}).items():
        status = s["status"] + (f": {s['reason']}" if s.get("reason") else "") + (
            f": {s['error']}" if s.get("error") else "")
        lines.append(f"| {bench} | {s['started'][:16].replace('T', ' ')} | {s['commit'][:7]} | "
                     f"{' '.join(map(str, s['loadavg_before']))} → {' '.join(map(str, s['loadavg_after']))} | "
                     f"{s['cpu_s']['self']} + {s['cpu_s']['children']} | {status} |")
    lines += ["", "| figure | value | target | |", "|---|---|---|---|"]
    for bench, name, f in rows(data):
        target = "" if "target" not in f else ("≤ " if f["better"] == "lower" else "≥ ") + _num(f["target"])
        verdict = "" if "met" not in f else ("met" if f["met"] else "**missed**")
        lines.append(f"| `{bench}.{name}` | {_num(f['value'])} {f['unit']} | {target} {f['unit'] if target else ''} "
                     f"| {verdict} |".replace("  |", " |"))
    missed = [f"`{b}.{n}`" for b, n, f in rows(data) if f.get("met") is False]
    lines += ["", f"Targets missed in this run: {', '.join(missed) if missed else 'none'}."]
    return "\n".join(lines) + "\n"


DOC = REPO / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin (generated by `python tests/bench/record.py finish`) -->", "<!-- bench:end -->"


def render_doc(data: dict, doc: Path = DOC) -> bool:
    """Replace the generated block of docs/performance.md; False when the doc has no block."""
    text = doc.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return False
    head, rest = text.split(BEGIN, 1)
    doc.write_text(head + BEGIN + "\n" + markdown(data) + END + rest.split(END, 1)[1], encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/bench/record.py",
                                     description="Start, finish or show the bench results file.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("start", help="begin a new run: an empty results file (the latest one is replaced)")
    sub.add_parser("finish", help="keep a dated copy, refresh docs/performance.md, list missed targets")
    sub.add_parser("show", help="print the results as Markdown")
    args = parser.parse_args(argv)
    path = results_path()
    if args.cmd == "start":
        with _locked(path):
            _write(path, new_results("make bench"))
        print(f"[record] new results file {path}")
        return 0
    data = read_results(path)
    if args.cmd == "show":
        print(markdown(data), end="")
        return 0
    with _locked(path):
        data = read_results(path)
        data["finished"], data["loadavg_end"] = utc_now(), load_average()
        _write(path, data)
    stamp = data["started"].replace(":", "").replace("-", "")[:13] + "Z"
    copy = path.with_name(f"results-{stamp}.json")
    shutil.copyfile(path, copy)
    if path.resolve() == LATEST.resolve():
        render_doc(data)
    missed = [f"{b}.{n}" for b, n, f in rows(data) if f.get("met") is False]
    not_ok = [f"{b} ({s['status']})" for b, s in data["benches"].items() if s["status"] != "ok"]
    print(f"[record] {path} (copy: {copy.name}); targets missed: {', '.join(missed) or 'none'}; "
          f"benches not ok: {', '.join(not_ok) or 'none'}")
    return 1 if any(s["status"] == "failed" for s in data["benches"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
