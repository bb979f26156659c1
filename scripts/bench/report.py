#!/usr/bin/env python3
"""Summarise one benchmark session of build/bench/results.jsonl.

    report.py [--results build/bench/results.jsonl] [--session ID] [--write docs/benchmarks.md]

Always prints a summary table. With --write it also writes the Markdown report and its PNG
plots (into a folder named like the report without .md, e.g. docs/benchmarks/).
The session defaults to the newest one in the results file.

Figures are medians over the runs with the spread (min-max). Ratios are computed per run
(both sides measured on the same input topic, back to back) and then summarised the same way.
For workloads the raw pipe cannot do (windowed counts), "Eddy / raw" uses the raw W0 pipe of
the same run: the cost of moving the records at all, the limit for any workload.
"""
import argparse
import json
import os
import statistics
import sys

RUNNER_ORDER = ["eddy", "kstreams", "raw"]
RUNNER_LABEL = {"eddy": "Eddy", "kstreams": "Kafka Streams", "raw": "raw librdkafka pipe"}
RUNNER_COLOR = {"eddy": "#1f77b4", "kstreams": "#ff7f0e", "raw": "#7f7f7f"}
WORKLOAD_ORDER = ["W0", "W1", "W2", "W2-nc", "W3", "W4", "W6", "W6-restart", "W7", "W8", "W9", "W9-nc"]
# Restore workloads: their own table (restore rate, time to processing), not in the throughput plots.
RESTORE_WORKLOADS = ["W6", "W6-restart"]
WORKLOAD_TEXT = {
    "W0": "pass-through pipe: consume, produce the same key, value and timestamp (at-least-once)",
    "W1": "stateless: filter (drop page_view of category \"books\", ~8.75% of the input) + "
          "mapValues (append `,\"w1\":true`) + to",
    "W2": "tumbling 1 s count per customer key, record cache on, at-least-once, default commit interval",
    "W2-nc": "W2 with caching off (statestore.cache.max.bytes=0) and commit.interval.ms=100",
    "W3": "hopping 1 s / 500 ms count per customer key",
    "W7": "latency (provisional definition): the W1 topology with its input fed live at a fixed rate, "
          "stamped with the wall clock; latency = now - record timestamp when the output is consumed, "
          "warm-up excluded. Wall rate = the input rate, so only records / CPU-s and the latency compare",
    "W8": "W2 under exactly_once_v2",
    "W4": "tumbling 60 s count per key over a large key space (its own input: see the session's w4_* "
          "parameters), record cache on; Eddy under a 256 MiB memory budget (eddy.memory.budget.bytes), "
          "its RSS sampled every second; Kafka Streams with its defaults",
    "W6": "restore from the broker: a count store's changelog (pre-loaded, 8-byte values) restored into "
          "the runner's RocksDB store, then a few input records processed and a clean close. Restore = "
          "first task's restore start -> last task's restore end, as the runtime reports it (Eddy: its "
          "log lines; Kafka Streams: a global StateRestoreListener); CPU over the same span",
    "W9": "session scoring: the topology of examples/session_scoring (session windows per customer, "
          "gap w9_gap_ms of event time, aggregate SessionFeatures, suppress until the session closes, "
          "closed sessions to the output topic; no Redis sinks) beside the same topology in Kafka Streams "
          "(EddyBench.java); its own input of session-shaped retail events (eddy-bench-load --shape "
          "retail), all of it processed by each runner; the record cache on in both (Kafka Streams' default "
          "10 MB; Eddy's SessionScoringOptions::cache_sessions)",
    "W9-nc": "W9 with the record cache off in both runners (Eddy: the example's default; Kafka Streams: "
             "statestore.cache.max.bytes=0): every update reaches the session store and the suppress buffer",
    "W6-restart": "W6's runner started again on the same state dir (a valid checkpoint): first record "
                  "= process start (Kafka Streams: main(), JVM start-up not counted) -> first input "
                  "record processed",
}


def load(path, session):
    sessions, results, checks = {}, [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            rec = json.loads(line)
            if rec.get("type") == "session":
                sessions[rec["session"]] = rec
            elif rec.get("type") == "result":
                results.append(rec)
            elif rec.get("type") == "check":
                checks.append(rec)
    if not sessions:
        sys.exit(f"report.py: no session in {path}")
    if session is None:
        session = sorted(sessions)[-1]
    if session not in sessions:
        sys.exit(f"report.py: session {session} not in {path} (have: {', '.join(sorted(sessions))})")
    info = dict(sessions[session])
    info["checks"] = [c for c in checks if c.get("session") == session]
    return info, [r for r in results if r.get("session") == session]


def check_lines(info, w):
    """W9: whether Eddy's and Kafka Streams' closed sessions agreed, run by run (--w9-check)."""
    if w not in ("W9", "W9-nc"):
        return []
    checks = [c for c in info.get("checks", [])
              if c.get("check") == "w9_closed_sessions" and c.get("workload", "W9") == w]
    if not checks:
        return ["Correctness check: not run in this session (`scripts/bench.sh W9 --w9-check`)."]
    out = []
    for c in checks:
        verdict = "**agree**" if c["ok"] else "**differ**"
        out.append(
            f"- Run {c['run']}: closed sessions {verdict}: {c['sessions'][0]} / {c['sessions'][1]} "
            f"sessions, {c['customers'][0]} / {c['customers'][1]} customers (Eddy / Kafka Streams); "
            f"customers with a different number of sessions {c['customers_count_differs']}, sessions "
            f"only in one {c['only'][0]} / {c['only'][1]}, duplicates {c['duplicates'][0]} / "
            f"{c['duplicates'][1]}, features differing {c['features_differ']}; largest difference "
            f"money {c['max_money_diff']:.3g}, score {c['max_score_diff']:.3g}")
    return out


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values), len(values)


def fmt_num(x, digits=0):
    if x is None:
        return "–"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.2f} M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:.0f} k"
    if abs(x) >= 1e3:
        return f"{x / 1e3:.1f} k"
    return f"{x:.{digits}f}"


def fmt_spread(s, fn=fmt_num):
    if s is None:
        return "–"
    med, lo, hi, n = s
    if n == 1:
        return fn(med)
    return f"{fn(med)} ({fn(lo)}–{fn(hi)})"


def fmt_ratio(x):
    if x is None:
        return "–"
    return f"{x:.3f}×" if x < 0.1 else f"{x:.2f}×"


class Summary:
    """Per-workload, per-runner figures and per-run ratios of one session."""

    def __init__(self, results):
        self.ok = {}       # (workload, runner) -> [results]
        self.status = {}   # (workload, runner) -> "not built yet" / "failed" / ...
        for r in results:
            key = (r["workload"], r["runner"])
            if r.get("status") == "ok":
                self.ok.setdefault(key, []).append(r)
            else:
                self.status.setdefault(key, r.get("status", "failed"))
        self.workloads = [w for w in WORKLOAD_ORDER if any(k[0] == w for k in list(self.ok) + list(self.status))]

    def runs(self, workload, runner):
        return self.ok.get((workload, runner), [])

    def metric(self, workload, runner, fn):
        return spread([fn(r) for r in self.runs(workload, runner)])

    def cell_status(self, workload, runner):
        if self.runs(workload, runner):
            return None
        return self.status.get((workload, runner), "n/a")

    def ratio(self, workload, num, den, key="records_per_cpu_s"):
        """Per-run ratio num/den of `key`; den falls back to raw W0 for raw n/a workloads."""
        by_run_num = {r["run"]: r.get(key) for r in self.runs(workload, num)}
        den_runs = self.runs(workload, den)
        fallback = False
        if not den_runs and den == "raw" and workload != "W0":
            den_runs, fallback = self.runs("W0", "raw"), True
        by_run_den = {r["run"]: r.get(key) for r in den_runs}
        values = [by_run_num[k] / by_run_den[k] for k in by_run_num
                  if k in by_run_den and by_run_num[k] and by_run_den[k]]
        return spread(values), fallback


def rss_mib(r):
    return r["max_rss_kb"] / 1024 if r.get("max_rss_kb") else None


def proc_rate(r):
    app = r.get("app") or {}
    return app.get("proc_records_per_cpu_s")


def latency(r, q):
    app = r.get("app") or {}
    return r.get(f"latency_{q}_ms", app.get(f"latency_{q}_ms"))


def has_latency(s, w):
    return any(latency(r, "p50") is not None for runner in RUNNER_ORDER for r in s.runs(w, runner))


def workload_table(s, w):
    """Markdown lines of one workload's table."""
    lat = has_latency(s, w)
    lines = [
        "| runner | records / CPU-s | wall records / s | records / CPU-s, processing window | CPU-s (user+sys) | peak RSS MiB | output records | runs |"
        + (" latency p50 ms | p99 ms | p99.9 ms |" if lat else ""),
        "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|---:|" if lat else ""),
    ]
    for runner in RUNNER_ORDER:
        st = s.cell_status(w, runner)
        label = RUNNER_LABEL[runner]
        if st is not None:
            if st == "n/a" and runner == "raw" and s.runs("W0", "raw"):
                st = "n/a (see W0 for the limit)"
            lines.append(f"| {label} | {st} | | | | | | 0 |" + (" | | |" if lat else ""))
            continue
        runs = s.runs(w, runner)
        outs = sorted({r.get("output_records") for r in runs if r.get("output_records") is not None})
        lines.append(
            f"| {label} | {fmt_spread(s.metric(w, runner, lambda r: r['records_per_cpu_s']))}"
            f" | {fmt_spread(s.metric(w, runner, lambda r: r['wall_records_per_s']))}"
            f" | {fmt_spread(s.metric(w, runner, proc_rate))}"
            f" | {fmt_spread(s.metric(w, runner, lambda r: r['cpu_s']), lambda x: f'{x:.2f}')}"
            f" | {fmt_spread(s.metric(w, runner, rss_mib), lambda x: f'{x:.0f}')}"
            f" | {', '.join(str(o) for o in outs) or '–'}"
            f" | {len(runs)} |"
            + ("".join(f" {fmt_spread(s.metric(w, runner, lambda r, q=q: latency(r, q)), lambda x: f'{x:.0f}')} |"
                       for q in ("p50", "p99", "p999")) if lat else ""))
    return lines


def app_field(key):
    return lambda r: (r.get("app") or {}).get(key)


def restore_table(s, w):
    """Markdown lines of W6 / W6-restart: restore rate and time to processing."""
    lines = [
        "| runner | restored records | restore s | restore records / s | restore CPU-s | restore records / CPU-s "
        "| first record processed, s after start | peak RSS MiB | runs |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for runner in RUNNER_ORDER:
        if runner == "raw":
            continue
        st = s.cell_status(w, runner)
        if st is not None:
            lines.append(f"| {RUNNER_LABEL[runner]} | {st} | | | | | | | 0 |")
            continue
        f2 = lambda x: f"{x:.2f}"  # noqa: E731
        lines.append(
            f"| {RUNNER_LABEL[runner]}"
            f" | {fmt_spread(s.metric(w, runner, app_field('restore_records')))}"
            f" | {fmt_spread(s.metric(w, runner, app_field('restore_wall_s')), f2)}"
            f" | {fmt_spread(s.metric(w, runner, app_field('restore_records_per_s')))}"
            f" | {fmt_spread(s.metric(w, runner, app_field('restore_cpu_s')), f2)}"
            f" | {fmt_spread(s.metric(w, runner, app_field('restore_records_per_cpu_s')))}"
            f" | {fmt_spread(s.metric(w, runner, app_field('first_record_s')), f2)}"
            f" | {fmt_spread(s.metric(w, runner, rss_mib), lambda x: f'{x:.0f}')}"
            f" | {len(s.runs(w, runner))} |")
    return lines


def restore_ratio_lines(s, w):
    if w != "W6":
        return []
    out = []
    for key, label in [("restore_records_per_s", "restore records/s"),
                       ("restore_records_per_cpu_s", "restore records/CPU-s")]:
        by_run = {r["run"]: app_field(key)(r) for r in s.runs(w, "kstreams")}
        vals = [app_field(key)(r) / by_run[r["run"]] for r in s.runs(w, "eddy")
                if by_run.get(r["run"]) and app_field(key)(r)]
        if vals:
            out.append(f"- Eddy / Kafka Streams, {label}: **{fmt_spread(spread(vals), fmt_ratio)}**")
    return out


W4_BUDGET_MIB = 256


def budget_lines(s, w):
    """W4: Eddy's sampled RSS against its memory budget + 10 %."""
    if w != "W4" or not s.runs(w, "eddy"):
        return []
    limit = W4_BUDGET_MIB * 1.1
    peaks = [r.get("rss_sampled_max_kb") or r.get("max_rss_kb") for r in s.runs(w, "eddy")]
    peaks = [p / 1024 for p in peaks if p]
    if not peaks:
        return []
    verdict = "within" if max(peaks) <= limit else "OVER"
    return [f"- Eddy RSS (sampled every second, max per run): "
            f"{', '.join(f'{p:.0f}' for p in peaks)} MiB against a budget of {W4_BUDGET_MIB} MiB + 10 % = "
            f"{limit:.0f} MiB: **{verdict}**"]


def ratio_lines(s, w):
    out = []
    pairs = [("eddy", "kstreams", "Eddy / Kafka Streams"), ("eddy", "raw", "Eddy / raw"),
             ("kstreams", "raw", "Kafka Streams / raw")]
    for num, den, label in pairs:
        rs, fallback = s.ratio(w, num, den)
        wall, _ = s.ratio(w, num, den, "wall_records_per_s")
        if rs is None:
            why = s.cell_status(w, num) or s.cell_status(w, den) or "no paired runs"
            if num == "eddy" and s.cell_status(w, "eddy"):
                why = s.cell_status(w, "eddy")
            out.append(f"- {label}: {why}")
            continue
        note = " (against the raw W0 pipe of the same run)" if fallback else ""
        out.append(f"- {label}{note}: **{fmt_spread(rs, fmt_ratio)}** records/CPU-s; "
                   f"{fmt_spread(wall, fmt_ratio)} wall records/s")
    return out


def plot(s, folder, md_dir):
    """Writes the PNGs; returns [(title, relative path)]."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker  # noqa: F401  (used as matplotlib.ticker)

    os.makedirs(folder, exist_ok=True)
    written = []
    for key, title, fname in [
        ("records_per_cpu_s", "records per CPU-second of the process (higher is better)", "throughput-cpu.png"),
        ("wall_records_per_s", "wall-clock records per second (higher is better)", "throughput-wall.png"),
    ]:
        workloads = [w for w in s.workloads if w not in RESTORE_WORKLOADS]
        if not workloads:
            break
        fig, ax = plt.subplots(figsize=(max(6, 1.8 * len(workloads) + 2), 4.2))
        width = 0.8 / len(RUNNER_ORDER)
        for i, runner in enumerate(RUNNER_ORDER):
            xs, meds, los, his = [], [], [], []
            for j, w in enumerate(workloads):
                sp = s.metric(w, runner, lambda r, k=key: r.get(k))
                if sp is None:
                    continue
                xs.append(j + (i - 1) * width)
                meds.append(sp[0])
                los.append(sp[0] - sp[1])
                his.append(sp[2] - sp[0])
            if xs:
                ax.bar(xs, meds, width, yerr=[los, his], capsize=3, label=RUNNER_LABEL[runner],
                       color=RUNNER_COLOR[runner])
                for x, m, h in zip(xs, meds, his):
                    ax.text(x, (m + h) * 1.08, fmt_num(m), ha="center", va="bottom", fontsize=7)
        # Log scale: the runners differ by more than an order of magnitude.
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt_num(v)))
        lo_y, hi_y = ax.get_ylim()
        ax.set_ylim(lo_y, hi_y * 2.5)
        for j, w in enumerate(workloads):
            if s.cell_status(w, "eddy") == "not built yet":
                ax.text(j - width, lo_y * 1.3, "Eddy:\nnot built\nyet", ha="center", va="bottom",
                        fontsize=7, color=RUNNER_COLOR["eddy"])
        ax.set_xticks(range(len(workloads)))
        ax.set_xticklabels(workloads)
        ax.set_xlim(-0.6, len(workloads) - 0.4)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(axis="y", alpha=0.3, which="both")
        ax.set_ylabel("records / CPU-s" if key == "records_per_cpu_s" else "records / s")
        fig.tight_layout()
        path = os.path.join(folder, fname)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append((title, os.path.relpath(path, md_dir)))

    # Latency percentiles, when any result carries them (fixed-rate workloads, e.g. W7).
    lat = [(w, runner) for w in s.workloads for runner in RUNNER_ORDER
           if any(latency(r, "p50") is not None for r in s.runs(w, runner))]
    if lat:
        fig, ax = plt.subplots(figsize=(max(6, 1.5 * len(lat) + 2), 4.2))
        labels = []
        for j, (w, runner) in enumerate(lat):
            for k, q in enumerate(["p50", "p99"]):
                sp = spread([latency(r, q) for r in s.runs(w, runner)])
                if sp:
                    ax.bar(j + (k - 0.5) * 0.35, sp[0], 0.35, color=RUNNER_COLOR[runner],
                           alpha=1.0 if q == "p50" else 0.55)
                    ax.text(j + (k - 0.5) * 0.35, sp[0], f"{q}\n{sp[0]:.0f}", ha="center",
                            va="bottom", fontsize=7)
            labels.append(f"{w}\n{RUNNER_LABEL[runner]}")
        ax.set_xticks(range(len(lat)))
        ax.set_xticklabels(labels, fontsize=8)
        ax.set_ylabel("ms (event time -> output visible)")
        ax.set_title("end-to-end latency percentiles (lower is better)", fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        path = os.path.join(folder, "latency.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(("end-to-end latency", os.path.relpath(path, md_dir)))
    return written


def machine_lines(info):
    p = info.get("params", {})
    return [
        f"- Date: {info.get('date')} (session `{info.get('session')}`)",
        f"- Machine: {info.get('nproc')} cores, {info.get('cpu_model')}, {info.get('mem_gib')} GiB RAM, "
        f"kernel {info.get('kernel')}, {info.get('os')}",
        f"- Load average when the session started: {info.get('load_avg_at_start'):.2f} "
        "(other engineers compile on the same cores: absolute figures are noisy, ratios within a run less so)",
        f"- Kafka {p.get('kafka')} broker (single node, KRaft, from Maven Central jars) on the same machine, "
        f"at {p.get('bootstrap')}; its CPU is not counted in any figure",
        f"- librdkafka {info.get('librdkafka')}; {info.get('java')}; Kafka Streams {p.get('kafka')} with "
        f"JVM flags `{p.get('java_opts')}`; {info.get('compiler')}, Release build",
        f"- Input: {p.get('records')} retail JSON events (~150 B values) per run, {p.get('partitions')} partitions, "
        f"{p.get('keys')} customer keys, {p.get('rate')} events per event-time second, seed {p.get('seed')}; "
        f"{p.get('runs')} run(s) per workload and runner",
    ]


def markdown(info, s, plots):
    out = [
        "# Benchmarks",
        "",
        "Generated by `scripts/bench.sh` (through `scripts/bench/report.py`) from a real run, down to the "
        "line that says where hand-written sections start; do not edit it by hand.",
        "The harness, the workloads and how to plug in a runner are described in "
        "[benchmarks/e2e/README.md](../benchmarks/e2e/README.md).",
        "",
        "## Setup",
        "",
        *machine_lines(info),
        "",
        "## How to read this",
        "",
        "- **records / CPU-s**: input records divided by the user+system CPU seconds of the measured process, "
        "as the OS reports them (`wait4` rusage of the process, from spawn to exit: JVM start-up, group join, "
        "final flush and commit included). This is the headline figure: cost per core, not affected much by "
        "other processes competing for the cores.",
        "- **wall records / s**: input records divided by the process's wall time, spawn to exit. Noisy here "
        "(2 shared cores, broker on the same machine).",
        "- **processing window**: the process's own figure from its first consumed record to its last flush and "
        "commit (no start-up, no group join).",
        "- Figures are medians over the runs, with the spread (min–max) in brackets. Ratios are computed per "
        "run (both sides read the same input topic, back to back) and summarised the same way.",
        "- **output records**: what the output topic held afterwards (a sanity check: W0 = input; W1 is the "
        "same for every runner).",
        "",
        "## Results",
        "",
    ]
    for w in s.workloads:
        out += [f"### {w}", "", WORKLOAD_TEXT.get(w, ""), ""]
        if w in RESTORE_WORKLOADS:
            out += restore_table(s, w)
            out += [""]
            out += restore_ratio_lines(s, w)
            out += [""]
            continue
        out += workload_table(s, w)
        out += [""]
        out += ratio_lines(s, w)
        out += budget_lines(s, w)
        out += check_lines(info, w)
        out += [""]
    if plots:
        out += ["## Plots", ""]
        for title, rel in plots:
            out += [f"![{title}]({rel})", ""]
    if not any(latency(r, "p50") is not None for rs in s.ok.values() for r in rs):
        out += ["## Latency", "",
                "No workload of this session measured end-to-end latency: the workloads run here are "
                "throughput runs over a pre-loaded topic, where latency is meaningless. Run W7 "
                "(`scripts/bench.sh W7`) for latency at a fixed rate.", ""]
    return "\n".join(out)


def print_summary(info, s):
    print()
    print(f"=== benchmark session {info['session']} ({info.get('date')}; "
          f"{info.get('params', {}).get('records')} records x {info.get('params', {}).get('runs')} runs) ===")
    for w in s.workloads:
        print(f"\n{w}: {WORKLOAD_TEXT.get(w, '')}")
        if w in RESTORE_WORKLOADS:
            for line in restore_table(s, w) + restore_ratio_lines(s, w):
                print("  " + line.replace("**", ""))
            continue
        print(f"  {'runner':<22} {'records/CPU-s':>26} {'wall rec/s':>26} {'RSS MiB':>10}")
        for runner in RUNNER_ORDER:
            st = s.cell_status(w, runner)
            if st is not None:
                print(f"  {RUNNER_LABEL[runner]:<22} {st:>26}")
                continue
            print(f"  {RUNNER_LABEL[runner]:<22} "
                  f"{fmt_spread(s.metric(w, runner, lambda r: r['records_per_cpu_s'])):>26} "
                  f"{fmt_spread(s.metric(w, runner, lambda r: r['wall_records_per_s'])):>26} "
                  f"{fmt_spread(s.metric(w, runner, rss_mib), lambda x: f'{x:.0f}'):>10}"
                  + (f"   latency p50 {fmt_spread(s.metric(w, runner, lambda r: latency(r, 'p50')), lambda x: f'{x:.0f}')} ms,"
                     f" p99 {fmt_spread(s.metric(w, runner, lambda r: latency(r, 'p99')), lambda x: f'{x:.0f}')} ms"
                     if has_latency(s, w) else ""))
        for line in ratio_lines(s, w) + budget_lines(s, w) + check_lines(info, w):
            print("  " + line.replace("**", ""))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", default="build/bench/results.jsonl")
    ap.add_argument("--session", help="session id (default: the newest)")
    ap.add_argument("--write", metavar="MD", help="write the Markdown report (and PNGs beside it)")
    args = ap.parse_args()
    info, results = load(args.results, args.session)
    s = Summary(results)
    if not s.workloads:
        sys.exit(f"report.py: session {info['session']} has no results")
    print_summary(info, s)
    if args.write:
        md_dir = os.path.dirname(os.path.abspath(args.write))
        folder = os.path.splitext(os.path.abspath(args.write))[0]
        plots = plot(s, folder, md_dir)
        kept = hand_written_sections(args.write)
        with open(args.write, "w") as f:
            f.write(markdown(info, s, plots) + "\n")
            if kept:
                f.write("\n" + kept)
        print(f"\nwrote {args.write} and {len(plots)} plot(s) in {folder}/")


# Sections other tools or people wrote below this line (freshness, micro-benchmarks) survive
# a new report: everything from the marker on is copied over.
HAND_WRITTEN_MARKER = "<!-- Hand-written sections below: report.py keeps them when it rewrites this file. -->"


def hand_written_sections(path):
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return ""
    at = text.find(HAND_WRITTEN_MARKER)
    return text[at:] if at >= 0 else HAND_WRITTEN_MARKER + "\n"


if __name__ == "__main__":
    main()
