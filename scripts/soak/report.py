#!/usr/bin/env python3
"""Summarises one scripts/soak.sh run: RSS growth after warm-up, lag, exactness, and a plot.

    report.py --run build/soak/<run> [--warmup 120] [--plot docs/benchmarks/soak.png] [--load TEXT]

RSS is followed per process (a SIGKILLed instance comes back as a new process, which first
restores its stores from the changelogs). A process's growth after warm-up = the median of its
RSS over its last minute / the median over the minute after its warm-up (--warmup seconds from
its start) - 1, for every process that lived at least warm-up + 3 minutes; the longest-lived
process's growth is the figure held against the 10 % limit (the one that shows a leak, if any).
The RSS of each restarted process one minute after its restart is listed too: it follows what
the restore brought in, not the time the instance has run.
Exit status 0 when that growth is below 10 % and check_sessions.py found every session exact.
"""
import argparse
import csv
import json
import os
import statistics
import sys

LIMIT = 0.10


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--warmup", type=int, default=120)
    ap.add_argument("--plot")
    ap.add_argument("--load", default="")
    args = ap.parse_args()

    samples = read_csv(os.path.join(args.run, "samples.csv"))
    kills = read_csv(os.path.join(args.run, "kills.csv"))
    check = {}
    check_path = os.path.join(args.run, "check.json")
    if os.path.exists(check_path):
        with open(check_path, encoding="utf-8") as f:
            check = json.load(f)

    # Per process (pid): its samples (t, rss).
    procs = {}
    for row in samples:
        t = int(row["t_s"])
        for i in range(3):
            rss, pid = row[f"rss{i}_mib"], row[f"pid{i}"]
            if rss:
                procs.setdefault(pid, {"instance": i, "points": []})["points"].append((t, float(rss)))
    for p in procs.values():
        p["start"] = p["points"][0][0]

    end_t = int(samples[-1]["t_s"]) if samples else 0

    def median_between(points, lo, hi):
        values = [v for t, v in points if lo <= t <= hi]
        return statistics.median(values) if values else None

    growth_of = {}  # pid -> (base MiB, end MiB, growth)
    for pid, p in procs.items():
        first, last = p["start"], p["points"][-1][0]
        if last - first < args.warmup + 180:
            continue
        base = median_between(p["points"], first + args.warmup, first + args.warmup + 60)
        end = median_between(p["points"], last - 60, last)
        if base and end:
            growth_of[pid] = (base, end, end / base - 1)
    longest = max(procs.items(), key=lambda kv: kv[1]["points"][-1][0] - kv[1]["start"])
    growth = growth_of.get(longest[0], (None, None, None))[2]
    after_restart = []  # (restart time, RSS a minute later)
    for pid, p in procs.items():
        if p["start"] > 10:
            rss = median_between(p["points"], p["start"] + 50, p["start"] + 70)
            if rss:
                after_restart.append((p["start"], rss))
    after_restart.sort()
    lags = [int(r["lag"]) for r in samples if r["lag"]]
    load_lags = [int(r["lag"]) for r in samples if r["lag"] and int(r["t_s"]) >= args.warmup]

    lines = [f"soak run {os.path.basename(args.run)}: {end_t} s, {len(kills)} SIGKILLs, "
             f"{len(procs)} processes",
             f"  machine load at the end: {args.load}"]
    lp = longest[1]
    if growth is not None:
        base, end, _ = growth_of[longest[0]]
        lines.append(f"  RSS growth after warm-up, longest-lived process (instance {lp['instance']}, "
                     f"pid {longest[0]}, up {lp['points'][-1][0] - lp['start']} s): {base:.1f} -> "
                     f"{end:.1f} MiB, {100 * growth:+.1f} % (limit {100 * LIMIT:.0f} %)")
    for pid, (base, end, g) in sorted(growth_of.items(), key=lambda kv: procs[kv[0]]["start"]):
        if pid != longest[0]:
            lines.append(f"    other process (instance {procs[pid]['instance']}, pid {pid}, from "
                         f"{procs[pid]['start']} s): {base:.1f} -> {end:.1f} MiB, {100 * g:+.1f} %")
    if after_restart:
        lines.append("  RSS a minute after each restart: " +
                     ", ".join(f"{v:.0f} MiB at {t // 60} min" for t, v in after_restart))
    budget = [float(r[f"budget{i}_mib"]) for r in samples for i in range(3)
              if r.get(f"budget{i}_mib")]
    if budget:
        lines.append(f"  memory budget in use (eddy_memory_used_bytes): max {max(budget):.1f} MiB")
    all_rss = [v for p in procs.values() for _, v in p["points"]]
    if all_rss:
        lines.append(f"  RSS of any instance: max {max(all_rss):.1f} MiB")
    if lags:
        lines.append(f"  group lag: max {max(lags)} records, after warm-up max {max(load_lags or [0])}"
                     f" / median {int(statistics.median(load_lags or [0]))}, at the end {lags[-1]}")
    if check:
        lines.append("  sessions: " + ", ".join(f"{k} {v}" for k, v in check.items()))
    ok = growth is not None and growth < LIMIT and check.get("exact", False)
    lines.append("  result: " + ("PASS" if ok else "FAIL"))
    print("\n".join(lines))

    if args.plot:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, (ax, lag_ax) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True,
                                         gridspec_kw={"height_ratios": [3, 1.4]})
        colors = ["#1f77b4", "#ff7f0e", "#2ca02c"]
        labelled = set()
        for pid, p in procs.items():
            i = p["instance"]
            xs = [t / 60 for t, _ in p["points"]]
            ys = [v for _, v in p["points"]]
            ax.plot(xs, ys, color=colors[i], lw=1.2,
                    label=None if i in labelled else f"instance {i}")
            labelled.add(i)
        for k in kills:
            x = int(k["t_s"]) / 60
            ax.axvline(x, color=colors[int(k["instance"])], ls=":", lw=0.9)
            lag_ax.axvline(x, color=colors[int(k["instance"])], ls=":", lw=0.9)
        for i in range(3):  # the memory budget's use, when the run sampled it (metrics endpoint)
            pts = [(int(r["t_s"]) / 60, float(r[f"budget{i}_mib"])) for r in samples
                   if r.get(f"budget{i}_mib")]
            if pts:
                ax.plot([x for x, _ in pts], [y for _, y in pts], color=colors[i], lw=0.8, ls="--",
                        label="memory budget used (RocksDB cache + memtables, caches, buffers)"
                        if i == 0 else None)
        ax.set_ylabel("RSS (MiB)")
        ax.set_ylim(bottom=0)
        title = "eddy-session-scoring soak: 3 instances, exactly-once, 3-node Kafka, Redis"
        if growth is not None:
            title += f"\nRSS growth after warm-up {100 * growth:+.1f} %; dotted: SIGKILL + restart"
        ax.set_title(title, fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
        lag_ax.plot([int(r["t_s"]) / 60 for r in samples if r["lag"]], lags, color="#d62728", lw=1)
        lag_ax.set_ylabel("group lag (records)")
        lag_ax.set_xlabel("minutes")
        lag_ax.set_ylim(bottom=0)
        fig.tight_layout()
        os.makedirs(os.path.dirname(os.path.abspath(args.plot)), exist_ok=True)
        fig.savefig(args.plot, dpi=110)
        print(f"  plot: {args.plot}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
