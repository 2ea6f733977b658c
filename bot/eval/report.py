"""Evaluation reports: a rich terminal table, JSON, and a Markdown report folder with PNG plots.

When the gold set has splits, every table shows each configuration's dev and test side by side
(dev: what the settings were tuned on; test: held out).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.eval.metrics import FloorCheck
from bot.eval.runner import ConfigResult, ItemResult, Scores, facts_mismatches, shown_passages
from bot.records import STATUSES

# Summary rows, in display order: the dangerous error first.
SUMMARY_ROWS = (
    "false_no_license_required", "verdict_accuracy", "kind_accuracy", "fact_accuracy",
    "fact_accuracy_fact", "fact_accuracy_timeline", "fact_accuracy_document", "facts_accuracy",
    "recall@1", "recall@3",
    "recall@5", "recall@10", "mrr", "ndcg@5", "citation_precision", "citation_precision_sources", "citation_precision_all", "citation_recall", "citation_validity",
    "abstention_precision", "abstention_recall", "abstentions", "latency_p50_ms", "latency_p95_ms",
    "errors", "n",
)
PLOTS = ("confusion_matrix.png", "recall_at_k.png", "latency_histogram.png")


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(int(value)) if isinstance(value, (int, float)) else str(value)


def columns(configs: list[ConfigResult]) -> list[tuple[str, ConfigResult, Scores]]:
    """(header, config, scores) per column: each configuration's splits side by side, or its whole set."""
    return [(f"{cr.name} {split}", cr, scores) for cr in configs for split, scores in cr.splits.items()
            ] if all(cr.splits for cr in configs) else [(cr.name, cr, cr.overall) for cr in configs]


# --------------------------------------------------------------------------- JSON


def item_json(r: ItemResult, scores: dict[str, Any]) -> dict[str, Any]:
    a = r.answer
    return {
        "id": r.item.id, "split": r.item.split or None, "question": r.item.question,
        "as_of": r.item.as_of.isoformat() if r.item.as_of else None, "tags": list(r.item.tags),
        "expected_status": r.item.status or None, "status": r.status,
        "ok": r.status == r.item.status if r.item.asks_verdict else not r.wrong,
        "expected_kind": r.item.kind, "kind": r.kind,
        "facts_missing": r.facts_missing,
        "must_abstain": r.item.must_abstain, "abstained": r.abstained,
        "latency_ms": round(r.latency_ms, 3), "error": r.error,
        "facts": a.facts.contract_dict() if a else None,
        "passages": [f"{p.chunk.source} | {p.chunk.locator}" for p in a.passages] if a else [],
        "shown": [f"{p.chunk.source} | {p.chunk.locator}" for p in shown_passages(a)] if a else [],
        "citations": [f"{c.source} | {c.locator}" for c in a.citations] if a else [],
        "scores": {k: v for k, v in scores.items() if not k.startswith("recall@") or k in
                   ("recall@1", "recall@5", "recall@10")},
        "ranked": [f"{p.chunk.source} | {p.chunk.locator}" for p in r.ranked],
        "text": a.text if a else "",
        "known_failure": r.item.known_failure or None,
    }


def scores_json(scores: Scores) -> dict[str, Any]:
    return {
        "summary": scores.summary,
        "confusion": {"labels": list(STATUSES), "matrix": scores.confusion},
        "facts": {f: {"correct": c, "total": t, "accuracy": c / t} for f, (c, t) in scores.facts.items()},
        "recall_at_k": {str(k): v for k, v in scores.recall_curve.items()},
        "per_tag": scores.per_tag,
    }


def config_json(cr: ConfigResult) -> dict[str, Any]:
    """The whole set's scores (as before splits), each split's under "splits", then every item."""
    return {**scores_json(cr.overall), "splits": {s: scores_json(sc) for s, sc in cr.splits.items()},
            "items": [item_json(r, cr.item_scores[r.item.id]) for r in cr.results]}


def report_json(configs: list[ConfigResult], floors: list[FloorCheck], gold_paths: list[str]) -> dict:
    return {
        "gold": gold_paths,
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "splits": list(configs[0].splits) if configs else [],
        "passed": all(f.passed for f in floors),
        "floors": [{"config": f.config, "split": f.split, "metric": f.metric, "bound": f.bound,
                    "value": f.value, "passed": f.passed} for f in floors],
        "configs": {cr.name: config_json(cr) for cr in configs},
    }


# --------------------------------------------------------------------------- terminal


def render_terminal(configs: list[ConfigResult], floors: list[FloorCheck], console=None) -> None:
    """Side-by-side summary, per-tag verdict accuracy, and the floors."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    cols = columns(configs)
    table = _table("regbot eval", "metric", cols)
    for row in SUMMARY_ROWS:
        style = "bold red" if row == "false_no_license_required" and any(
            (sc.summary.get(row) or 0) > 0 for _, _, sc in cols) else None
        table.add_row(row, *(fmt(sc.summary.get(row)) for _, _, sc in cols), style=style)
    console.print(table)
    tags = _table("verdict accuracy by tag (n)", "tag", cols)
    for tag in sorted({t for _, _, sc in cols for t in sc.per_tag}):
        tags.add_row(tag, *(f"{fmt(sc.per_tag[tag]['verdict_accuracy'])} ({sc.per_tag[tag]['n']})"
                            if tag in sc.per_tag else "-" for _, _, sc in cols))
    console.print(tags)
    facts = _table("facts extraction accuracy by field (correct/total)", "field", cols)
    for name in sorted({f for _, _, sc in cols for f in sc.facts}):
        facts.add_row(name, *("{}/{}".format(*sc.facts.get(name, (0, 0))) for _, _, sc in cols))
    console.print(facts)
    for header, _, sc in cols:
        console.print(confusion_table(header, sc.confusion))
    for f in floors:
        console.print(f.describe(), style="green" if f.passed else "bold red", markup=False)


def _table(title: str, first: str, cols: list[tuple[str, ConfigResult, Scores]]):
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    table.add_column(first)
    for header, _, _ in cols:
        table.add_column(header, justify="right")
    return table


def confusion_table(name: str, confusion: list[list[int]]):
    """The confusion matrix as a rich table: rows expected, columns answered; false NLR in red."""
    from rich.table import Table

    table = Table(title=f"confusion: {name} (rows expected, columns answered)")
    table.add_column("expected \\ answered")
    for label in STATUSES:
        table.add_column(label, justify="right")
    nlr = STATUSES.index("no_license_required")
    for i, row in enumerate(confusion):
        table.add_row(STATUSES[i], *(f"[bold red]{n}[/]" if j == nlr and i != nlr and n else str(n)
                                     for j, n in enumerate(row)))
    return table


# --------------------------------------------------------------------------- plots


def write_plots(configs: list[ConfigResult], out: Path) -> list[Path]:
    """Confusion matrices, recall@k curves and latency histograms as PNGs (Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = columns(configs)
    short = ["prohib.", "licence", "NLR", "depends", "cannot"]
    fig, axes = plt.subplots(1, len(cols), figsize=(4.6 * len(cols), 4.2), squeeze=False)
    for ax, (header, _, scores) in zip(axes[0], cols):
        ax.imshow(scores.confusion, cmap="Blues")
        dark = max(max(row) for row in scores.confusion) / 2
        for i, row in enumerate(scores.confusion):
            for j, count in enumerate(row):
                colour = "white" if count > dark else "black"
                ax.text(j, i, str(count), ha="center", va="center",
                        color="crimson" if j == 2 and i != 2 and count else colour)
        ax.set_xticks(range(len(short)), short, rotation=45)
        ax.set_yticks(range(len(short)), short)
        ax.set_xlabel("answered")
        ax.set_ylabel("expected")
        ax.set_title(header)
    fig.tight_layout()
    paths = [out / PLOTS[0]]
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for header, _, scores in cols:
        ks = sorted(k for k, v in scores.recall_curve.items() if v is not None)
        ax.plot(ks, [scores.recall_curve[k] for k in ks], marker="o", label=header,
                linestyle="--" if header.endswith(" dev") else "-")
    ax.set_xticks(sorted({k for _, _, sc in cols for k in sc.recall_curve}) or [1])
    shown = max([len(r.answer.passages) for cr in configs for r in cr.results if r.answer] + [0])
    if shown:
        ax.axvline(shown, linestyle=":", color="grey", label=f"answers show up to {shown}")
    ax.set_xlabel("k (passages shown)")
    ax.set_ylabel("recall@k of expected sources")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    paths.append(out / PLOTS[1])
    fig.savefig(paths[1], dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for cr in configs:
        ax.hist([r.latency_ms for r in cr.results if r.answer], bins=30, alpha=0.5, label=cr.name)
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.legend()
    fig.tight_layout()
    paths.append(out / PLOTS[2])
    fig.savefig(paths[2], dpi=110)
    plt.close(fig)
    return paths


# --------------------------------------------------------------------------- markdown


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(esc, header)) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(map(esc, row)) + " |" for row in rows]


def _failure_md(r: ItemResult, scores: dict[str, Any]) -> list[str]:
    reasons = []
    if r.item.asks_verdict and r.status != r.item.status:
        reasons.append(f"verdict `{r.status}`, expected `{r.item.status}`")
    if r.kind != r.item.kind:
        reasons.append(f"answered as a {r.kind} question, expected {r.item.kind}")
    reasons += [f"does not state {fact!r}" for fact in r.facts_missing]
    if r.item.must_abstain and not r.abstained:
        reasons.append("should have abstained")
    if scores.get("n_citations", 0) > scores.get("valid_quotes", 0):
        reasons.append("a quote is not verbatim in its source")
    if r.answer:
        reasons += [f"fact {m}" for m in facts_mismatches(r)]
    if r.error:
        reasons.append(f"error: {r.error}")
    as_of = f" (as of {r.item.as_of})" if r.item.as_of else ""
    split = f" ({r.item.split})" if r.item.split else ""
    lines = [f"### `{r.item.id}`{split} — {'; '.join(reasons)}", "", f"**Q:** {r.item.question}{as_of}", ""]
    if r.answer:
        f = r.answer.facts.contract_dict()
        lines.append("**Facts:** " + ", ".join(f"{k}={v}" for k, v in f.items() if v))
        lines.append("")
        lines.append("**Answer given:**")
        lines.append("")
        lines += ["> " + line for line in (r.answer.text or "(no text)").splitlines()]
        lines.append("")
        cited = ", ".join(c.locator if c.locator.startswith(c.source) else f"{c.source} {c.locator}"
                          for c in r.answer.citations) or "none"
        lines += [f"**Cited:** {cited}", ""]
    if r.item.sources:
        lines += ["**Expected sources:** " + "; ".join(s.label() for s in r.item.sources), ""]
    if r.item.notes:
        lines += [f"*Gold note:* {r.item.notes}", ""]
    if r.item.known_failure:
        lines += [f"*Known engine failure:* {r.item.known_failure}", ""]
    return lines


def is_failure(r: ItemResult, scores: dict[str, Any]) -> bool:
    return (r.wrong or r.error is not None
            or scores.get("n_citations", 0) > scores.get("valid_quotes", 0)
            or (r.answer is not None and bool(facts_mismatches(r))))


def _misses_md(cr: ConfigResult) -> list[str]:
    """Items whose expected sources are not all among the passages shown: what was expected, what came."""
    if not any(r.answer and r.answer.passages for r in cr.results):
        return ["", f"## Retrieval misses: {cr.name}: it retrieves nothing"]
    rows = []
    for r in cr.results:
        s = cr.item_scores[r.item.id]
        if "recall@5" in s and s["recall@5"] < 1 and r.answer:
            got = "; ".join(f"{p.chunk.source} {p.chunk.locator}" for p in shown_passages(r.answer)) or "none"
            rows.append([f"`{r.item.id}`", r.item.split or "-", fmt(s["recall@5"]), fmt(s.get("recall@10")),
                         "; ".join(ref.label() for ref in r.item.sources), got])
    if not rows:
        return []
    return ["", f"## Retrieval misses: {cr.name} ({len(rows)} items with an expected source not shown)",
            ""] + _md_table(["item", "split", "recall@5", "recall@10", "expected", "passages shown"], rows)


def _known_failures_md(cr: ConfigResult) -> list[str]:
    """Each item marked known_failure: does the engine still get it wrong?"""
    rows = [[f"`{r.item.id}`", r.item.split or "-", f"`{r.item.status}`", f"`{r.status}`",
             "still fails" if r.wrong else "now passes: drop known_failure",
             r.item.known_failure] for r in cr.results if r.item.known_failure]
    if not rows:
        return []
    return ["", f"## Known engine failures: {cr.name} ({len(rows)})", ""] + _md_table(
        ["item", "split", "law", "answered", "today", "why"], rows)


def render_markdown(configs: list[ConfigResult], floors: list[FloorCheck], gold_paths: list[str]) -> str:
    cols = columns(configs)
    heads = [h for h, _, _ in cols]
    splits = ", ".join(f"{s}: {fmt(sc.summary['n'])}" for s, sc in configs[0].splits.items())
    lines = ["# regbot evaluation report", "",
             f"Gold: {', '.join(gold_paths)} — {len(configs[0].results)} items"
             f"{f' ({splits}; every setting was tuned on dev, test is held out)' if splits else ''}. "
             f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.", "", "## Summary", ""]
    lines += _md_table(["metric", *heads], [[row, *(fmt(sc.summary.get(row)) for _, _, sc in cols)]
                                            for row in SUMMARY_ROWS])
    if floors:
        lines += ["", "## Floors", ""] + [f"- {f.describe()}" for f in floors]
    for header, _, sc in cols:
        lines += ["", f"## Confusion matrix: {header} (rows expected, columns answered)", ""]
        lines += _md_table(["expected \\ answered", *STATUSES],
                           [[STATUSES[i], *map(str, row)] for i, row in enumerate(sc.confusion)])
    lines += ["", "## Plots", "", "![confusion matrix](confusion_matrix.png)", "",
              "![recall@k](recall_at_k.png)", "", "![latency](latency_histogram.png)", "",
              "## Facts extraction accuracy", ""]
    fields = sorted({f for _, _, sc in cols for f in sc.facts})
    lines += _md_table(["field", *heads], [[f, *("{}/{}".format(*sc.facts.get(f, (0, 0)))
                                                for _, _, sc in cols)] for f in fields])
    lines += ["", "## By tag (n, verdict accuracy, recall@5)", ""]
    tags = sorted({t for _, _, sc in cols for t in sc.per_tag})
    lines += _md_table(["tag", *heads], [[t, *(_tag_cell(sc, t) for _, _, sc in cols)] for t in tags])
    for cr in configs:
        failed = [r for r in cr.results if is_failure(r, cr.item_scores[r.item.id])]
        lines += ["", f"## Failed items: {cr.name} ({len(failed)})", ""]
        for r in failed:
            lines += _failure_md(r, cr.item_scores[r.item.id])
    for cr in configs:
        lines += _known_failures_md(cr)
    for cr in configs:
        lines += _misses_md(cr)
    return "\n".join(lines) + "\n"


def _tag_cell(scores: Scores, tag: str) -> str:
    if tag not in scores.per_tag:
        return "-"
    t = scores.per_tag[tag]
    return f"{t['n']}: {fmt(t['verdict_accuracy'])}, {fmt(t['recall@5'])}"


def write_report(configs: list[ConfigResult], floors: list[FloorCheck], gold_paths: list[str],
                 out: Path) -> Path:
    """Write report.md, results.json and the PNGs into `out`; returns the report path."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    write_plots(configs, out)
    (out / "results.json").write_text(json.dumps(report_json(configs, floors, gold_paths), indent=2,
                                                 default=str), encoding="utf-8")
    report = out / "report.md"
    report.write_text(render_markdown(configs, floors, gold_paths), encoding="utf-8")
    return report
