"""The README's performance tables, rendered from the latest bench results file.

    python tests/bench/readme_table.py           # print them
    python tests/bench/readme_table.py --write   # replace them in README.md (between the markers)

Each row names the figure keys it shows; tests/test_readme_figures.py checks every number of the
README's tables against docs/bench/results-latest.json, whether pasted by this script or by hand.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from record import LATEST, REPO, figure_value, read_results

README = REPO / "README.md"
BEGIN, END = "<!-- bench-table:begin (python tests/bench/readme_table.py --write) -->", "<!-- bench-table:end -->"

# (what was measured, figure keys shown, how they are joined)
ROWS = [
    ("ingest ÷ raw ONNX engine on the same chunks, per CPU-second, at ~5k / ~20k chunks",
     ["index.5k_ingest_vs_raw_cpu", "index.20k_ingest_vs_raw_cpu"]),
    ("warm hybrid search p50 / p95 at ~20k chunks", ["index.20k_search_p50_ms", "index.20k_search_p95_ms"]),
    ("cold `regbot search` at ~20k chunks (median of 3 processes)", ["index.20k_cold_search_s"]),
    ("peak RSS at ~20k chunks: ingest / serving",
     ["index.20k_ingest_peak_rss_mb", "index.20k_serving_peak_rss_mb"]),
    ("rulebook load (median) / one `evaluate` (median / p95)",
     ["rules.load_median_ms", "rules.evaluate_median_ms", "rules.evaluate_p95_ms"]),
    ("EAR tables: the full ECCN × destination matrix, CPU / wall; one determination p95",
     ["tables.matrix_cpu_s", "tables.matrix_wall_s", "tables.determine_p95_ms"]),
    ("the same matrix through the engine (every layer, reasons, trace), CPU / wall; one verdict "
     "p95; cold `regbot check` (median of 5 processes)",
     ["tables.engine_matrix_cpu_s", "tables.engine_matrix_wall_s", "tables.evaluate_p95_ms",
      "tables.cold_check_median_s"]),
    ("warm answer p50 / p95 (200 generated questions, no language model)",
     ["answer.warm_p50_ms", "answer.warm_p95_ms"]),
    ("cold `regbot ask`: median wall / median CPU (5 processes)",
     ["answer.cold_ask_median_s", "answer.cold_ask_cpu_median_s"]),
    ("screening: matcher build / extra RSS / one screen p95 / 1,000-name `screen --batch`",
     ["screening.build_s", "screening.extra_rss_mb", "screening.screen_p95_ms", "screening.batch_cli_s"]),
    ("Slack, 100 concurrent mentions + 20 retried deliveries: replies / duplicates; ack p95 / reply p95",
     ["slack.replies", "slack.duplicates", "slack.ack_p95_ms", "slack.reply_p95_ms"]),
    ("Slack, kill -9 of a worker in a 200-mention burst, 3 rounds (SQLite queue): answered / missing / "
     "answered twice; slowest round's ack p95",
     ["slack_crash.answered", "slack_crash.missing", "slack_crash.answered_twice", "slack_crash.ack_p95_ms_max"]),
    ("the same with 2 servers over one Redis",
     ["slack_crash_redis.answered", "slack_crash_redis.missing", "slack_crash_redis.answered_twice",
      "slack_crash_redis.ack_p95_ms_max"]),
    ("Slack, first request after start: acked in", ["slack_crash.first_ack_ms"]),
    ("`regbot sync` of 100 documents (fetch, store, ingest) / staleness check of every rule value",
     ["sync.sync_100_docs_s", "sync.staleness_check_s"]),
    ("best dense cosine: off-topic questions (max) / on-topic ones (min), around the relevance threshold",
     ["relevance.off_topic_max", "relevance.on_topic_undecided_min"]),
]
SIDE_BY_SIDE = [  # (measure, unit, regbot key, langchain key, langchain + ONNX key or None)
    ("search, warm, p50", "ms", "regbot_hybrid_search_warm_p50_ms", "langchain_search_warm_p50_ms",
     "langchain_onnx_search_warm_p50_ms"),
    ("search, warm, p95", "ms", "regbot_hybrid_search_warm_p95_ms", "langchain_search_warm_p95_ms",
     "langchain_onnx_search_warm_p95_ms"),
    ("search, cold (new process, one query), p50", "s", "regbot_search_cold_p50_s",
     "langchain_search_cold_p50_s", None),
    ("search, cold, p95", "s", "regbot_search_cold_p95_s", "langchain_search_cold_p95_s", None),
    ("build, warm (model loaded), p50", "s", "regbot_build_warm_p50_s", "langchain_build_warm_p50_s",
     "langchain_onnx_build_warm_p50_s"),
    ("build, warm, p95", "s", "regbot_build_warm_p95_s", "langchain_build_warm_p95_s",
     "langchain_onnx_build_warm_p95_s"),
    ("build, cold (new process), p50", "s", "regbot_build_cold_p50_s", "langchain_build_cold_p50_s", None),
    ("build, cold, p95", "s", "regbot_build_cold_p95_s", "langchain_build_cold_p95_s", None),
    ("hit@5 on the gold questions", "", "regbot_hybrid_hit_at_5", "langchain_hit_at_5",
     "langchain_onnx_hit_at_5"),
]


def fmt(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def _target(entry: dict) -> str:
    return ("≤ " if entry["better"] == "lower" else "≥ ") + fmt(entry["target"]) + (
        f" {entry['unit']}" if entry["unit"] not in ("count", "ratio", "cosine", "share", "") else "")


def _value(entry: dict) -> str:
    unit = entry["unit"]
    return fmt(entry["value"]) + (f" {unit}" if unit not in ("count", "ratio", "cosine", "share", "") else "")


def row(data: dict, what: str, keys: list[str]) -> str:
    entries = [figure_value(data, k) for k in keys]
    if any(e is None for e in entries):
        bench = keys[0].split(".")[0]
        section = data["benches"].get(bench, {})
        why = section.get("reason") or section.get("error") or "not in the results file"
        return f"| {what} | not run: {why} | | `{bench}` |"
    measured = " / ".join(_value(e) for e in entries)
    targets = " / ".join(_target(e) for e in entries if "target" in e) or "—"
    if any(e.get("met") is False for e in entries):
        targets += " — **missed**"
    return f"| {what} | {measured} | {targets} | {', '.join(f'`{k}`' for k in keys)} |"


def render(data: dict) -> str:
    s = data["benches"]
    loads = [x for sec in s.values() for x in (sec["loadavg_before"][0], sec["loadavg_after"][0])]
    lines = [f"Run started {data['started'][:16].replace('T', ' ')} UTC at commit {data['commit'][:7]} on "
             f"{data['machine']['cpus']} shared cores (1-min load average {fmt(min(loads))}–{fmt(max(loads))} "
             "during the benches: wall times include waiting for a core).", "",
             "| what | measured | target | results key (`docs/bench/results-latest.json`) |",
             "|---|---|---|---|"]
    lines += [row(data, what, keys) for what, keys in ROWS]
    side = s.get("langchain_side_by_side", {}).get("figures", {})
    if side:
        chunks = s["langchain_side_by_side"]["info"].get("chunks")
        lines += ["", f"regbot next to plain langchain + Chroma, same run, same {chunks:,} corpus chunks and "
                  "queries (method: [docs/performance.md](docs/performance.md#what-each-bench-measures)):", "",
                  "| measure | regbot (hybrid) | langchain + Chroma (HuggingFaceEmbeddings) | "
                  "langchain + Chroma with regbot's ONNX embedder | results key (`langchain_side_by_side.*`) |",
                  "|---|---|---|---|---|"]
        for what, unit, *keys in SIDE_BY_SIDE:
            cells = [fmt(side[k]["value"]) + (f" {unit}" if unit else "") if k else "—" for k in keys]
            lines.append(f"| {what} | {' | '.join(cells)} | "
                         f"{', '.join(f'`langchain_side_by_side.{k}`' for k in keys if k)} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the tables in README.md")
    args = parser.parse_args(argv)
    text = render(read_results(LATEST))
    if not args.write:
        print(text, end="")
        return 0
    readme = README.read_text(encoding="utf-8")
    head, rest = readme.split(BEGIN, 1)
    README.write_text(head + BEGIN + "\n" + text + END + rest.split(END, 1)[1], encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
