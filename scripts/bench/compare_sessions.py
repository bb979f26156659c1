#!/usr/bin/env python3
"""Compares two runners' closed-session outputs of W9 (session scoring).

Each input is a dump of an output topic (`eddy-bench-load dump`): one record a line,
"<customer_id>\t<JSON of the closed session>". The check: the same sessions (customer,
window_start, window_end), so the same number of closed sessions per customer, each exactly
once, and the same features: counts equal, money within --money-tol, score within --score-tol
(both are published rounded: cents and 4 decimals). Prints a summary (and the first
differences) and one JSON line last; exits 1 when the outputs differ.

  compare_sessions.py eddy.tsv kstreams.tsv [--names eddy,kstreams]
"""
import argparse
import collections
import json
import sys

COUNTS = ("views", "adds", "removes", "checkouts", "failures", "purchases")
MONEY = ("cart_value", "revenue")


def load(path):
    sessions = collections.Counter()
    features = {}
    bad = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            key, _, value = line.partition("\t")
            try:
                v = json.loads(value)
                sid = (key, int(v["window_start"]), int(v["window_end"]))
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            sessions[sid] += 1
            features[sid] = v
    return sessions, features, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--names", default="a,b")
    ap.add_argument("--money-tol", type=float, default=0.011)
    ap.add_argument("--score-tol", type=float, default=1.1e-4)
    ap.add_argument("--show", type=int, default=5, help="differences printed per kind")
    args = ap.parse_args()
    na, nb = args.names.split(",")
    sa, fa, bad_a = load(args.a)
    sb, fb, bad_b = load(args.b)

    per_customer_a = collections.Counter(k[0] for k in sa)
    per_customer_b = collections.Counter(k[0] for k in sb)
    customers = set(per_customer_a) | set(per_customer_b)
    count_diff = sorted(c for c in customers if per_customer_a[c] != per_customer_b[c])
    only_a = sorted(set(sa) - set(sb))
    only_b = sorted(set(sb) - set(sa))
    dup_a = sorted(k for k, n in sa.items() if n > 1)
    dup_b = sorted(k for k, n in sb.items() if n > 1)
    feature_diff = []
    max_money = 0.0
    max_score = 0.0
    for sid in sorted(set(sa) & set(sb)):
        x, y = fa[sid], fb[sid]
        wrong = [n for n in COUNTS if int(x[n]) != int(y[n])]
        for n in MONEY:
            d = abs(float(x[n]) - float(y[n]))
            max_money = max(max_money, d)
            if d > args.money_tol:
                wrong.append(n)
        d = abs(float(x["score"]) - float(y["score"]))
        max_score = max(max_score, d)
        if d > args.score_tol:
            wrong.append("score")
        if wrong:
            feature_diff.append((sid, wrong))

    ok = not (count_diff or only_a or only_b or dup_a or dup_b or feature_diff or bad_a or bad_b)
    print(f"{na}: {sum(sa.values())} closed-session records, {len(sa)} sessions, "
          f"{len(per_customer_a)} customers; {nb}: {sum(sb.values())} records, {len(sb)} "
          f"sessions, {len(per_customer_b)} customers")
    print(f"customers whose number of closed sessions differs: {len(count_diff)}; sessions only "
          f"in {na}: {len(only_a)}, only in {nb}: {len(only_b)}; emitted more than once: "
          f"{na} {len(dup_a)}, {nb} {len(dup_b)}; sessions whose features differ: "
          f"{len(feature_diff)}; unreadable records: {na} {bad_a}, {nb} {bad_b}")
    print(f"largest difference: money {max_money:.6g}, score {max_score:.6g}")
    for title, items in ((f"only in {na}", only_a), (f"only in {nb}", only_b),
                         ("features differ", feature_diff), (f"count differs", count_diff)):
        for item in items[: args.show]:
            print(f"  {title}: {item}")
    print(json.dumps({
        "check": "w9_closed_sessions", "ok": ok, "names": [na, nb],
        "records": [sum(sa.values()), sum(sb.values())], "sessions": [len(sa), len(sb)],
        "customers": [len(per_customer_a), len(per_customer_b)],
        "customers_count_differs": len(count_diff), "only": [len(only_a), len(only_b)],
        "duplicates": [len(dup_a), len(dup_b)], "features_differ": len(feature_diff),
        "max_money_diff": max_money, "max_score_diff": max_score,
    }, sort_keys=True))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
