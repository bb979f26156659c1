#!/usr/bin/env python3
"""Compares Kafka Streams' and Eddy's outputs of differential cases and classifies each case.

    compare.py --ks DIR --eddy DIR CASE.txt...   [--quiet]

Each case is one of:
  identical     Eddy's output is Kafka Streams', record for record, and the drop counts agree;
  intended      it differs only as an intended difference allows (the rules below, each one
                listed in docs/time-and-windows.md with its reason);
  unexplained   anything else: the diff is printed and the exit status is 1.

With several input partitions each task's output is compared per key (records of one key come
from one task, in its order; records with a null key, from any task, as a multiset); with one
partition the whole sequence is compared.

Intended differences:
  emit-close-retention  (emit=close windows) Kafka Streams 4.4 reads the windows to emit after
      the current record's put, clamped to the store's retention, so a window still unemitted
      when stream time jumps past it is never emitted. Eddy emits it. Allowed: Eddy's output
      is Kafka Streams' with extra final results inserted, each for a window Kafka Streams
      never emitted, carrying that window's last update in Kafka Streams' own emit-on-update
      run of the same input (<case>.updates.out), and the drop counts agree.
"""
import argparse
import collections
import os
import sys


def read_case_header(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                return dict(kv.split("=", 1) for kv in line.split())
    return {}


def read_output(path):
    if not os.path.exists(path):
        return None, None, "missing output " + path
    records, dropped, error = [], None, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("error "):
                error = line
            elif line.startswith("dropped "):
                dropped = int(line.split()[1])
            elif line:
                records.append(line)
    return records, dropped, error


def per_key(records):
    """Stable order by the record's (base) key: each key's records keep their order. Records
    with a null key ("~") come from every task, so only their multiset can be compared."""
    keyed = [r for r in records if not r.startswith("~ ")]
    return sorted(keyed, key=lambda r: r.split(" ", 1)[0]) + sorted(
        r for r in records if r.startswith("~ "))


def window_of(record):
    # "<key> <start> <end> <value> <timestamp>" -> (key, start, end)
    parts = record.split(" ")
    return tuple(parts[:3])


def explain_emit_close(ks, eddy, updates):
    """True when eddy == ks plus final results for windows ks never emitted (see above)."""
    if updates is None:
        return False
    ks_windows = {window_of(r) for r in ks}
    last_update = {}
    for r in updates:
        last_update[window_of(r)] = r
    i = 0
    extra = 0
    for r in eddy:
        if i < len(ks) and r == ks[i]:
            i += 1
            continue
        w = window_of(r)
        if w in ks_windows or last_update.get(w) != r:
            return False
        extra += 1
    return i == len(ks) and extra > 0


def classify(case_path, ks_dir, eddy_dir):
    name = os.path.basename(case_path)[:-4]
    header = read_case_header(case_path)
    ks, ks_dropped, ks_err = read_output(os.path.join(ks_dir, name + ".out"))
    eddy, eddy_dropped, eddy_err = read_output(os.path.join(eddy_dir, name + ".out"))
    if ks_err or eddy_err:
        return name, header, "unexplained", f"Kafka Streams: {ks_err or 'ok'}; Eddy: {eddy_err or 'ok'}"
    if int(header.get("partitions", "1")) > 1:
        ks, eddy = per_key(ks), per_key(eddy)
    if ks == eddy and ks_dropped == eddy_dropped:
        return name, header, "identical", None
    if (header.get("kind") == "window" and header.get("emit") == "close"
            and ks_dropped == eddy_dropped):
        updates, _, err = read_output(os.path.join(ks_dir, name + ".updates.out"))
        if not err and int(header.get("partitions", "1")) > 1:
            updates = per_key(updates)
        if not err and explain_emit_close(ks, eddy, updates):
            return name, header, "intended", "emit-close-retention"
    diff = ["--- Kafka Streams", "+++ Eddy"]
    diff += unified(ks + [f"dropped {ks_dropped}"], eddy + [f"dropped {eddy_dropped}"])
    return name, header, "unexplained", "\n".join(diff)


def unified(a, b):
    import difflib
    return [l for l in difflib.unified_diff(a, b, lineterm="", n=2)][2:]


def group_of(header):
    kind = header.get("kind", "?")
    if kind == "window":
        w = header.get("window")
        if w == "time":
            w = "hopping" if "advance" in header else "tumbling"
        cached = " / cached" if "cache" in header else ""
        return f"{w} / {header.get('emit')} / {header.get('op')}{cached}"
    if kind == "stream-stream":
        extra = " / grace" if int(header.get("grace", "0")) > 0 else " / no grace"
        extra += " / self" if header.get("self") == "1" else ""
        extra += " / re-keyed" if header.get("rekey") == "1" else ""
        return f"{kind} / {header.get('join', '')}{extra}"
    if kind == "table-filter":
        return f"{kind} / {header.get('source')}"
    if kind == "table-groupby":
        return f"{kind} / {header.get('op')}"
    if kind == "versioned-table":
        join = header.get("join")
        return f"{kind} / {header.get('op')}" + (f" {join}" if join else "")
    if kind == "stream-versioned-table":
        grace = header.get("grace")
        return f"{kind} / {header.get('join')} / " + ("no grace" if grace == "none" else "grace")
    return f"{kind} / {header.get('join', '')}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ks", required=True)
    ap.add_argument("--eddy", required=True)
    ap.add_argument("--quiet", action="store_true", help="print the table and failures only")
    ap.add_argument("cases", nargs="+")
    args = ap.parse_args()

    table = collections.OrderedDict()
    failures = 0
    for path in sorted(args.cases):
        name, header, verdict, detail = classify(path, args.ks, args.eddy)
        row = table.setdefault(group_of(header), collections.Counter())
        row["cases"] += 1
        row[verdict] += 1
        if verdict == "unexplained":
            failures += 1
            print(f"UNEXPLAINED {name} ({path}):\n{detail}\n")
        elif verdict == "intended" and not args.quiet:
            print(f"intended    {name}: {detail}")

    width = max([len(g) for g in table] + [30])
    print(f"\n{'case group':<{width}} {'cases':>6} {'identical':>9} {'intended':>8} {'unexplained':>11}")
    total = collections.Counter()
    for group in sorted(table):
        row = table[group]
        total.update(row)
        print(f"{group:<{width}} {row['cases']:>6} {row['identical']:>9} {row['intended']:>8} "
              f"{row['unexplained']:>11}")
    print(f"{'all':<{width}} {total['cases']:>6} {total['identical']:>9} {total['intended']:>8} "
          f"{total['unexplained']:>11}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
