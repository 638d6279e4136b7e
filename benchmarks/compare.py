"""Merge the JSON of bench.py runs into one table (JSON and Markdown).

    python benchmarks/compare.py OUT.json OUT.md ours1.json theirs1.json ...

Files are paired by the ``--label`` they were given (``ours``/``theirs``) through
their names (``ours-*.json`` / ``theirs-*.json``).  Per case it reports the
median over the rounds of the subject's figure, of its ratio to the baseline
measured in the same process, and our ratio over theirs.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

RATIO_KEYS = ("ratio",)
TIMER_KEYS = ("mean_late_ms", "max_late_ms", "drift_ms", "cpu_s", "ticks")


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _collect(runs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    cases: dict[str, dict[str, Any]] = {}
    for run in runs:
        for name, res in run["results"].items():
            entry = cases.setdefault(name, {"values": {}, "skipped": None})
            if "skipped" in res:
                entry["skipped"] = res["skipped"]
                continue
            for key, value in res.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    entry["values"].setdefault(key, []).append(float(value))
    return {
        name: {
            "skipped": e["skipped"] if not e["values"] else None,
            **{k: _median(v) for k, v in e["values"].items()},
        }
        for name, e in cases.items()
    }


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _pipeline_section(row: dict[str, Any] | None) -> list[str]:
    """The pipeline case in detail: throughput, latency and the item checks."""
    if row is None:
        return []
    lines = [
        "",
        "Pipeline (benchmarks/pipeline.py; bare = the same pipeline in bare "
        "asyncio, run alternately in the same process):",
        "",
        "| pipeline | items/s | x bare | p50 ms | p99 ms | p99 / bare's "
        "| bare p50 / p99 ms | lost / duplicated | restarts |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in (("ours", row["ours"]), ("original", row["theirs"])):
        if r.get("skipped") or r.get("subject") is None:
            lines.append(f"| {label} | skipped | | | | | | | |")
            continue

        def ms(key: str, r: dict[str, Any] = r) -> str:
            value = r.get(key)
            return _fmt(value / 1000) if value is not None else "—"

        lines.append(
            f"| {label} | {_fmt(r['subject'])} | {_fmt(r.get('ratio'))} "
            f"| {ms('p50_us')} | {ms('p99_us')} | {_fmt(r.get('p99_ratio'))} "
            f"| {ms('baseline_p50_us')} / {ms('baseline_p99_us')} "
            f"| {_fmt(r.get('lost'), 0)} / {_fmt(r.get('duplicated'), 0)} "
            f"| {_fmt(r.get('restarts'), 0)} |"
        )
    return lines


def main(argv: list[str]) -> int:
    out_json, out_md, *files = argv
    groups: dict[str, list[dict[str, Any]]] = {"ours": [], "theirs": []}
    meta: dict[str, Any] = {}
    for f in files:
        label = Path(f).name.split("-", 1)[0]
        data = json.loads(Path(f).read_text())
        groups.setdefault(label, []).append(data)
        meta[label] = {k: v for k, v in data.items() if k != "results"}
    ours, theirs = _collect(groups["ours"]), _collect(groups["theirs"])
    table: dict[str, Any] = {}
    for name in ours:
        o, t = ours[name], theirs.get(name, {"skipped": "not run"})
        row: dict[str, Any] = {"ours": o, "theirs": t}
        if o.get("ratio") and t.get("ratio"):
            row["ours_over_theirs"] = o["ratio"] / t["ratio"]
        table[name] = row
    rounds = len(groups["ours"])
    Path(out_json).write_text(
        json.dumps({"meta": meta, "rounds": rounds, "cases": table}, indent=2)
    )
    info = meta.get("ours", {})
    lines = [
        f"Python {info.get('python', '?')}, loop {info.get('loop', 'asyncio')}, "
        f"{rounds} round(s); original: mode-streaming "
        f"{meta.get('theirs', {}).get('implementation', '?')}, Python "
        f"{meta.get('theirs', {}).get('python', '?')}.",
        "",
        "| case | ours | ours / baseline | original | original / baseline "
        "| ours / original |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in table.items():
        o, t = row["ours"], row["theirs"]
        if "mean_late_ms" in o:

            def timer(r: dict[str, Any]) -> str:
                if r.get("skipped"):
                    return "skipped"
                return (
                    f"mean {_fmt(r.get('mean_late_ms'))} ms, "
                    f"max {_fmt(r.get('max_late_ms'))} ms, "
                    f"drift {_fmt(r.get('drift_ms'))} ms, "
                    f"{_fmt(r.get('ticks'), 0)} ticks, "
                    f"CPU {_fmt(r.get('cpu_s'), 3)} s"
                )

            lines.append(f"| {name} | {timer(o)} | | {timer(t)} | | |")
            continue

        def cell(r: dict[str, Any]) -> tuple[str, str]:
            if r.get("skipped"):
                return ("skipped", r["skipped"][:60])
            return (_fmt(r.get("subject")), _fmt(r.get("ratio")))

        (os_, or_), (ts, tr) = cell(o), cell(t)
        extra = ""
        if o.get("bytes_per_service") is not None:
            mine = _fmt(o["bytes_per_service"], 0)
            theirs_b = _fmt(t.get("bytes_per_service"), 0)
            extra = f" ({mine} B/service; original {theirs_b})"
        gain = _fmt(row.get("ours_over_theirs"))
        lines.append(f"| {name}{extra} | {os_} | {or_} | {ts} | {tr} | {gain} |")
    lines += _pipeline_section(table.get("pipeline"))
    Path(out_md).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
