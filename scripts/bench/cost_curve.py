#!/usr/bin/env python3
"""The cost curve: records per CPU-second and peak RSS against the key space and the stream
threads, Eddy beside Kafka Streams, from scripts/bench-cost-curve.sh's bench.sh sessions.

    cost_curve.py --sessions ID [ID ...] [--results build/bench/results.jsonl]
                  [--thread-keys 1000000] [--plot docs/benchmarks/cost-curve.png]
                  [--doc docs/benchmarks.md]

Each session is one point: W4 at its w4_keys with its threads. A point's figure is the median
over its runs of the OS's figures for the measured process (records per CPU-second of user +
sys, peak RSS from wait4; Eddy's sampled RSS max as well, against its 256 MiB budget).
Prints the table; with --plot draws a 2 x 2 PNG; with --doc replaces the text between the
"cost-curve:begin/end" markers of that file (appending the section when they are missing).
"""
import argparse
import json
import os
import statistics
import sys

RUNNERS = [("eddy", "Eddy", "#1f77b4"), ("kstreams", "Kafka Streams", "#ff7f0e")]
BUDGET_MIB = 256
BEGIN = "<!-- cost-curve:begin (scripts/bench-cost-curve.sh rewrites this section) -->"
END = "<!-- cost-curve:end -->"


def load(path, sessions):
    info, runs = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            sid = row.get("session")
            if sid not in sessions:
                continue
            if row.get("type") == "session":
                info[sid] = row
            elif row.get("type") == "result" and row.get("workload") == "W4" \
                    and row.get("status") == "ok":
                runs.setdefault((sid, row["runner"]), []).append(row)
    return info, runs


def points(info, runs, sessions):
    """One dict per (session, runner) with a result: keys, threads, medians."""
    out = []
    for sid in sessions:
        if sid not in info:
            sys.exit(f"cost_curve.py: session {sid} is not in the results file")
        params = info[sid]["params"]
        for runner, _, _ in RUNNERS:
            rs = runs.get((sid, runner), [])
            if not rs:
                continue
            sampled = [r.get("rss_sampled_max_kb") for r in rs if r.get("rss_sampled_max_kb")]
            out.append({
                "session": sid, "runner": runner,
                "keys": int(params.get("w4_keys", 0)), "threads": int(params.get("threads", 1)),
                "records": int(params.get("w4_records", 0)), "runs": len(rs),
                "rec_cpu": statistics.median(r["records_per_cpu_s"] for r in rs),
                "rss_mib": statistics.median(r["max_rss_kb"] for r in rs) / 1024,
                "sampled_mib": statistics.median(sampled) / 1024 if sampled else None,
                "load": info[sid].get("load_avg_at_start"),
            })
    return out


def fmt_keys(k):
    return f"{k // 1_000_000} M" if k >= 1_000_000 else f"{k // 1000} k"


def fmt_rate(v):
    return f"{v / 1e6:.2f} M" if v >= 1e6 else f"{v / 1e3:.0f} k"


def table(pts):
    lines = ["| keys | stream threads | runner | records / CPU-s | Eddy / KS | peak RSS MiB | "
             "session (runs) |",
             "|---:|---:|---|---:|---:|---:|---|"]
    by = {(p["keys"], p["threads"], p["runner"]): p for p in pts}
    for p in sorted(pts, key=lambda p: (p["threads"], p["keys"], p["runner"])):
        ratio = ""
        if p["runner"] == "eddy" and (p["keys"], p["threads"], "kstreams") in by:
            ratio = f"**{p['rec_cpu'] / by[(p['keys'], p['threads'], 'kstreams')]['rec_cpu']:.2f}×**"
        label = dict((r, l) for r, l, _ in RUNNERS)[p["runner"]]
        lines.append(f"| {fmt_keys(p['keys'])} | {p['threads']} | {label} | {fmt_rate(p['rec_cpu'])} "
                     f"| {ratio} | {p['rss_mib']:.0f} | {p['session']} ({p['runs']}) |")
    return lines


def plot(pts, thread_keys, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    by_keys = [p for p in pts if p["threads"] == 1]
    by_threads = [p for p in pts if p["keys"] == thread_keys]
    for runner, label, color in RUNNERS:
        ks = sorted((p for p in by_keys if p["runner"] == runner), key=lambda p: p["keys"])
        ts = sorted((p for p in by_threads if p["runner"] == runner), key=lambda p: p["threads"])
        for ax, xs, ys in [(axes[0][0], [p["keys"] for p in ks], [p["rec_cpu"] / 1e3 for p in ks]),
                           (axes[1][0], [p["keys"] for p in ks], [p["rss_mib"] for p in ks]),
                           (axes[0][1], [p["threads"] for p in ts], [p["rec_cpu"] / 1e3 for p in ts]),
                           (axes[1][1], [p["threads"] for p in ts], [p["rss_mib"] for p in ts])]:
            if xs:
                ax.plot(xs, ys, marker="o", color=color, label=label)
    for ax in (axes[0][0], axes[1][0]):
        ax.set_xscale("log")
        ax.set_xlabel("distinct keys (1 stream thread)")
    for ax in (axes[0][1], axes[1][1]):
        ax.set_xlabel(f"stream threads ({fmt_keys(thread_keys)} keys)")
        ax.set_xticks(sorted({p["threads"] for p in pts}) or [1])
    for ax in (axes[0][0], axes[0][1]):
        ax.set_ylabel("thousand records per CPU-second")
        ax.set_ylim(bottom=0)
    for ax in (axes[1][0], axes[1][1]):
        ax.set_ylabel("peak RSS (MiB)")
        ax.axhline(BUDGET_MIB * 1.1, color="#1f77b4", ls=":", lw=1,
                   label="Eddy's memory budget + 10 %")
        ax.set_ylim(bottom=0)
    axes[1][0].legend(fontsize=8)
    axes[0][0].legend(fontsize=8)
    records = sorted({p["records"] for p in pts})
    fig.suptitle("Cost curve: W4 (tumbling 60 s count per key, record cache on), "
                 f"{', '.join(fmt_rate(r) for r in records)} records per point", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)


def section(pts, plot_path, doc_path, sessions):
    rel = os.path.relpath(os.path.abspath(plot_path), os.path.dirname(os.path.abspath(doc_path)))
    loads = [p["load"] for p in pts if p["load"] is not None]
    lines = [BEGIN, "## Cost curve (issue 21)", "",
             "```", "scripts/kafka.sh start",
             "scripts/bench-cost-curve.sh --bootstrap localhost:<port>", "```", "",
             "W4's topology (tumbling 60 s count per key, record cache on; Eddy under its 256 MiB "
             "memory budget, Kafka Streams with its defaults and `-Xmx1g`) over the same input per "
             "point, drawn from a key space of the given size; one `scripts/bench.sh` session per "
             "point (sessions " + ", ".join(sessions) + "), medians of each point's runs, the OS's "
             "figures for the measured process. Load average at the sessions' starts: "
             + (f"{min(loads):.1f}–{max(loads):.1f}." if loads else "not recorded."), "",
             f"![records per CPU-second and peak RSS against keys and threads]({rel})", ""]
    lines += table(pts)
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_doc(doc_path, text):
    with open(doc_path, encoding="utf-8") as f:
        doc = f.read()
    begin, end = doc.find(BEGIN), doc.find(END)
    if begin >= 0 and end > begin:
        doc = doc[:begin] + text + doc[end + len(END) + 1:]
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    with open(doc_path, "w", encoding="utf-8") as f:
        f.write(doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", default="build/bench/results.jsonl")
    ap.add_argument("--sessions", nargs="+", required=True)
    ap.add_argument("--thread-keys", type=int, default=1_000_000)
    ap.add_argument("--plot")
    ap.add_argument("--doc")
    args = ap.parse_args()
    info, runs = load(args.results, set(args.sessions))
    pts = points(info, runs, args.sessions)
    if not pts:
        sys.exit("cost_curve.py: no W4 results in those sessions")
    print("\n".join(table(pts)))
    over = [p for p in pts if p["runner"] == "eddy" and p["rss_mib"] > BUDGET_MIB * 1.1]
    for p in over:
        print(f"Eddy at {fmt_keys(p['keys'])} keys, {p['threads']} thread(s): peak RSS "
              f"{p['rss_mib']:.0f} MiB, over the budget + 10 % ({BUDGET_MIB * 1.1:.0f} MiB)")
    if args.plot:
        plot(pts, args.thread_keys, args.plot)
        print(f"wrote {args.plot}")
    if args.doc:
        write_doc(args.doc, section(pts, args.plot or "cost-curve.png", args.doc, args.sessions))
        print(f"rewrote the cost-curve section of {args.doc}")


if __name__ == "__main__":
    main()
