#!/usr/bin/env python3
"""Checks eddy-session-scoring's closed sessions against an independent computation.

    check_sessions.py --events events.tsv --sessions sessions.tsv --gap-ms 10000 [--grace-ms 0]
                      [--redis-port 36379 --redis-db 9] [--ignore-prefix soak-flush-]

events.tsv and sessions.tsv are `SoakTool dump` output ("partition offset timestamp key value"
lines): the input topic (read_uncommitted) and the output topic (read_committed).

The expected sessions are computed from the input alone, with Kafka Streams' session-window
rules (KStreamSessionWindowAggregate over a segmented session store): per partition in offset
order, stream time is the largest event time seen; an event joins every session of its key
within `gap` of it (they merge into one) that the store still shows - the store hides sessions
that ended before its own stream time (the latest session end it stored) - retention + 1,
retention being gap + grace; the event is dropped as late when the merged session ends before
stream time - gap - grace. A session is final once its partition's stream time passed its
end + gap + grace; the soak ends by sending every partition one event an hour ahead (keys
starting with --ignore-prefix), so every other session must have closed.

Exact means: every expected session is in the output once, with its bounds, counts, cart value,
revenue (both to the cent) and score; nothing else is. With --redis-port the hash
session:<customer> must hold each customer's last closed session. Exit status 0 when exact.
"""
import argparse
import collections
import json
import math
import subprocess
import sys

COUNTS = ["views", "adds", "removes", "checkouts", "failures", "purchases"]
COUNT_OF_TYPE = {"page_view": "views", "add_to_cart": "adds", "remove_from_cart": "removes",
                 "checkout_started": "checkouts", "checkout_failed": "failures",
                 "purchase": "purchases"}


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            partition, offset, timestamp, key, value = line.rstrip("\n").split("\t", 4)
            yield int(partition), int(offset), int(timestamp), key, value


def zero():
    return dict({c: 0 for c in COUNTS}, cart_value=0.0, revenue=0.0)


def merge(a, b):  # SessionFeatures::merge
    out = {c: a[c] + b[c] for c in COUNTS}
    out["cart_value"] = a["cart_value"] + b["cart_value"]
    out["revenue"] = a["revenue"] + b["revenue"]
    return out


def add(f, event):  # SessionFeatures::add
    f = dict(f)
    kind = event["type"]
    amount = float(event.get("price", 0.0)) * int(event.get("quantity", 1))
    if kind in COUNT_OF_TYPE:
        f[COUNT_OF_TYPE[kind]] += 1
    if kind == "add_to_cart":
        f["cart_value"] += amount
    elif kind == "remove_from_cart":
        f["cart_value"] -= amount
    elif kind == "purchase":
        f["revenue"] += amount
    return f


def score(f):
    z = (0.05 * f["views"] + 0.40 * f["adds"] - 0.20 * f["removes"] + 1.00 * f["checkouts"]
         - 0.50 * f["failures"] - 2.0)
    return math.floor(1.0 / (1.0 + math.exp(-z)) * 1e4 + 0.5) / 1e4


def expected_sessions(events_path, gap, grace):
    by_partition = collections.defaultdict(list)
    for partition, offset, _, key, value in read_tsv(events_path):
        by_partition[partition].append((offset, key, value))
    sessions = {}  # key -> list of [start, end, features]
    stream_time = {}
    late = 0
    malformed = 0
    events = 0
    for partition, records in by_partition.items():
        records.sort()
        st = -(1 << 62)
        store_st = -(1 << 62)  # the session store's stream time: the latest end it stored
        for _, key, value in records:
            try:
                event = json.loads(value)
                ts = int(event["ts"])
            except (ValueError, KeyError, TypeError):
                malformed += 1
                continue
            events += 1
            st = max(st, ts)
            close = st - grace - gap
            mine = sessions.setdefault(key, [])
            visible_from = store_st - (gap + grace) + 1
            found = [s for s in mine
                     if s[1] >= ts - gap and s[0] <= ts + gap and s[1] >= visible_from]
            found.sort(key=lambda s: (s[1], s[0]))  # the store's order: by end, then start
            start = min([ts] + [s[0] for s in found])
            end = max([ts] + [s[1] for s in found])
            if end < close:
                late += 1
                continue
            agg = zero()
            for s in found:
                agg = merge(agg, s[2])
                mine.remove(s)
            mine.append([start, end, add(agg, event)])
            store_st = max(store_st, end)
        stream_time[partition] = st
    return sessions, stream_time, {"events": events, "late": late, "malformed": malformed}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", required=True)
    ap.add_argument("--sessions", required=True)
    ap.add_argument("--gap-ms", type=int, required=True)
    ap.add_argument("--grace-ms", type=int, default=0)
    ap.add_argument("--ignore-prefix", default="soak-flush-")
    ap.add_argument("--redis-port", type=int)
    ap.add_argument("--redis-db", type=int, default=0)
    ap.add_argument("--json", help="write the figures here too")
    args = ap.parse_args()

    sessions, stream_time, stats = expected_sessions(args.events, args.gap_ms, args.grace_ms)
    problems = []
    expected = {}
    key_partition = {}
    for partition, _, _, key, _ in read_tsv(args.events):
        key_partition[key] = partition
    for key, mine in sessions.items():
        if key.startswith(args.ignore_prefix):
            continue
        for start, end, f in mine:
            if stream_time[key_partition[key]] <= end + args.gap_ms + args.grace_ms:
                problems.append(f"session {key} [{start}, {end}] cannot have closed: its partition "
                                f"{key_partition[key]} never got a flush event")
                continue
            expected[(key, start, end)] = f

    seen = collections.Counter()
    wrong = 0
    for _, _, _, key, value in read_tsv(args.sessions):
        out = json.loads(value)
        k = (key, out["window_start"], out["window_end"])
        seen[k] += 1
        if k not in expected:
            problems.append(f"unexpected session {k}: {value}")
            continue
        f = expected[k]
        diffs = [c for c in COUNTS if out[c] != f[c]]
        diffs += [m for m in ("cart_value", "revenue") if abs(out[m] - f[m]) > 0.0051]
        if abs(out["score"] - score(f)) > 1.01e-4:
            diffs.append("score")
        if diffs:
            wrong += 1
            if wrong <= 20:
                problems.append(f"session {k}: {', '.join(diffs)} differ: got {value}, expected {f}")
    duplicated = [k for k, n in seen.items() if n > 1]
    missing = [k for k in expected if k not in seen]
    for k in duplicated[:20]:
        problems.append(f"session {k} published {seen[k]} times")
    for k in missing[:20]:
        problems.append(f"session {k} missing from the output")

    redis_checked = 0
    redis_wrong = 0
    if args.redis_port:
        last = {}
        for (key, start, end) in expected:
            if key not in last or end > last[key][1]:
                last[key] = (start, end)
        keys = sorted(last)
        commands = "".join(f"HMGET session:{k} window_start window_end\n" for k in keys)
        out = subprocess.run(["redis-cli", "-p", str(args.redis_port), "-n", str(args.redis_db)],
                             input=commands, capture_output=True, text=True, check=True).stdout
        lines = out.splitlines()
        for i, key in enumerate(keys):
            got = tuple(lines[2 * i:2 * i + 2])
            redis_checked += 1
            if got != (str(last[key][0]), str(last[key][1])):
                redis_wrong += 1
                if redis_wrong <= 20:
                    problems.append(f"redis session:{key} holds {got}, expected {last[key]}")

    figures = dict(stats, expected_sessions=len(expected), published=sum(seen.values()),
                   missing=len(missing), duplicated=len(duplicated), wrong=wrong,
                   redis_checked=redis_checked, redis_wrong=redis_wrong, exact=not problems)
    print("check_sessions: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    for p in problems[:60]:
        print("  " + p)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figures, f, indent=1)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
