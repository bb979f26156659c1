#!/usr/bin/env python3
"""Writes seeded random differential cases (tests/differential/README.md has the format).

    generate.py --seed 7 --count 300 --out DIR [--kinds window,stream-table,...]

The same seed and count always give the same cases (Python's random.Random is stable for a
given seed), so a failing case can be regenerated from its name: <seed>-<index>-<kind>.
Each case is one topology (a windowed aggregation or a join) and an input script shaped to
reach its edges: out-of-order, late and duplicate timestamps, timestamps near 0, large jumps
of stream time, several keys, null keys and values, tombstones of keys never written, and
several input partitions.
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from murmur2 import partition_for_key  # noqa: E402

KEYS = ["a", "b", "c", "d", "e", "f"]
GLOBAL_KEYS = ["k0", "k1", "k2", "k3"]


class Script:
    """An input script: rows of (topic, key|None, value|None, timestamp[, partition])."""

    def __init__(self, rng, partitions):
        self.rng = rng
        self.partitions = partitions
        self.rows = []
        self.rr = 0  # round robin for null keys, as Kafka's producer spreads them

    def add(self, topic, key, value, ts, broadcast=False):
        assert ts >= 0
        if broadcast or self.partitions == 1:
            part = None
        elif key is None:
            part = self.rr % self.partitions
            self.rr += 1
        else:
            part = partition_for_key(key.encode(), self.partitions)
        self.rows.append((topic, key, value, ts, part))


class Clock:
    """Timestamps that mostly advance, with disorder, duplicates, lateness and jumps."""

    def __init__(self, rng, scale):
        self.rng = rng
        self.scale = max(1, scale)
        self.max = 0 if rng.random() < 0.35 else rng.randrange(0, 5000)
        self.out_of_order = rng.choice([0.0, 0.1, 0.25, 0.4])
        self.jumps = rng.choice([0.0, 0.0, 0.03, 0.08])

    def next(self):
        r = self.rng.random()
        if r < self.jumps:
            self.max += self.rng.choice([5, 20, 100]) * self.scale + self.rng.randrange(0, 50)
            return self.max
        r = self.rng.random()
        if r < 0.1:
            return self.max  # duplicate of the newest timestamp
        if r < 0.1 + self.out_of_order:
            back = self.rng.randrange(0, 3 * self.scale + 2)
            return max(0, self.max - back)
        self.max += self.rng.randrange(0, self.scale + 1)
        return self.max


def pick_key(rng, keys, null_rate):
    return None if rng.random() < null_rate else rng.choice(keys)


def window_case(rng):
    kind = rng.choice(["tumbling", "hopping", "sliding", "session"])
    h = {"kind": "window"}
    grace = 0 if rng.random() < 0.4 else rng.choice([rng.randrange(1, 10), rng.randrange(10, 101)])
    if kind in ("tumbling", "hopping"):
        h["window"] = "time"
        size = rng.choice([rng.randrange(1, 10), rng.randrange(10, 101)])
        h["size"] = size
        if kind == "hopping":
            h["advance"] = rng.randrange(1, size + 1)
        scale = size
    elif kind == "sliding":
        h["window"] = "sliding"
        diff = rng.choice([rng.randrange(1, 10), rng.randrange(10, 61)])
        h["diff"] = diff
        scale = diff
    else:
        h["window"] = "session"
        gap = rng.choice([rng.randrange(1, 10), rng.randrange(10, 61)])
        h["gap"] = gap
        scale = gap
    h["grace"] = grace
    h["emit"] = rng.choice(["update", "final", "close"])
    h["op"] = rng.choice(["count", "reduce", "aggregate"])
    h["partitions"] = rng.choice([1, 1, 1, 2, 3])
    if rng.random() < 0.3:
        h["cache"] = 1  # both run with a record cache, flushed after every input record
    script = Script(rng, h["partitions"])
    clock = Clock(rng, scale + grace // 2)
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    null_keys = rng.choice([0.0, 0.0, 0.05])
    # Cached sliding and session cases leave out records at or before stream time - grace:
    # only those can read a window or session past retention, which Kafka Streams' caching
    # stores still serve from the cache (intended difference D2, docs/time-and-windows.md).
    skip_too_late = "cache" in h and kind in ("sliding", "session")
    newest = -1  # over all partitions: at least each partition's stream time
    for _ in range(rng.randrange(3, 61)):
        key, value, ts = pick_key(rng, keys, null_keys), rng.randrange(1, 10), clock.next()
        if skip_too_late and newest >= 0 and ts <= newest - grace:
            continue
        newest = max(newest, ts)
        script.add("in", key, value, ts)
    name = kind if kind != "tumbling" else "tumbling"
    cached = "-cached" if "cache" in h else ""
    return f"window-{name}-{h['emit']}-{h['op']}{cached}", h, script


def join_value(rng, null_rate):
    return None if rng.random() < null_rate else rng.randrange(1, 100)


def stream_table_case(rng):
    h = {"kind": "stream-table", "join": rng.choice(["inner", "left"])}
    h["partitions"] = rng.choice([1, 1, 2, 3])
    script = Script(rng, h["partitions"])
    clock = Clock(rng, rng.choice([5, 50]))
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    for _ in range(rng.randrange(3, 61)):
        if rng.random() < 0.45:
            # Table updates, tombstones (also of keys the table never held).
            script.add("t", pick_key(rng, keys, 0.03), join_value(rng, 0.15), clock.next())
        else:
            script.add("s", pick_key(rng, keys, 0.1), join_value(rng, 0.05), clock.next())
    return f"stream-table-{h['join']}", h, script


def table_table_case(rng):
    h = {"kind": "table-table", "join": rng.choice(["inner", "left", "outer"])}
    h["partitions"] = rng.choice([1, 1, 2, 3])
    script = Script(rng, h["partitions"])
    clock = Clock(rng, rng.choice([5, 50]))
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    for _ in range(rng.randrange(3, 61)):
        topic = "t1" if rng.random() < 0.5 else "t2"
        script.add(topic, pick_key(rng, keys, 0.03), join_value(rng, 0.2), clock.next())
    return f"table-table-{h['join']}", h, script


def stream_global_case(rng):
    # The stream value picks the global key (GLOBAL_KEYS[v % 4]) or none (v % 7 == 0).
    h = {"kind": "stream-global", "join": rng.choice(["inner", "left"])}
    h["partitions"] = rng.choice([1, 1, 2, 3])
    script = Script(rng, h["partitions"])
    clock = Clock(rng, rng.choice([5, 50]))
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    for _ in range(rng.randrange(3, 61)):
        if rng.random() < 0.4:
            script.add("g", rng.choice(GLOBAL_KEYS), join_value(rng, 0.15), clock.next(),
                       broadcast=True)
        else:
            script.add("s", pick_key(rng, keys, 0.1), join_value(rng, 0.05), clock.next())
    return f"stream-global-{h['join']}", h, script


def stream_stream_case(rng):
    # JoinWindows: a left record at t joins right records in [t - before, t + after]; either
    # bound may be negative (before + after >= 0). self=1 joins the stream "l" with itself;
    # rekey=1 re-keys both sides (to the same key) so they go through repartition topics.
    h = {"kind": "stream-stream", "join": rng.choice(["inner", "left", "outer"])}
    before = rng.choice([0, 1, 5, 10, 30, 100])
    after = rng.choice([0, 1, 5, 10, 30, 100])
    if rng.random() < 0.15:
        after = -rng.randrange(0, before + 1)
    elif rng.random() < 0.1:
        before = -rng.randrange(0, after + 1)
    h["before"], h["after"] = before, after
    h["grace"] = 0 if rng.random() < 0.45 else rng.choice([rng.randrange(1, 10), rng.randrange(10, 101)])
    h["self"] = 1 if rng.random() < 0.2 else 0
    # A key selector returns a key, never null, in Eddy (KS can return null): no null keys then.
    h["rekey"] = 1 if rng.random() < 0.2 else 0
    h["partitions"] = rng.choice([1, 1, 1, 2, 3])
    script = Script(rng, h["partitions"])
    clock = Clock(rng, max(1, before + after) + h["grace"] // 2)
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    null_keys = 0.0 if h["rekey"] else rng.choice([0.0, 0.05, 0.1])
    for _ in range(rng.randrange(3, 81)):
        topic = "l" if h["self"] or rng.random() < 0.5 else "r"
        script.add(topic, pick_key(rng, keys, null_keys), join_value(rng, 0.03), clock.next())
    label = h["join"] + ("-self" if h["self"] else "") + ("-rekey" if h["rekey"] else "")
    return f"stream-stream-{label}", h, script


def table_filter_case(rng):
    # A filter whose deletes depend on Kafka Streams' old-value flags: over a plain table,
    # a named (materialized) one, one a join read before the filter was written, a
    # map_values of a plain table, or a count.
    source = rng.choice(["plain", "named", "join-first", "map", "count"])
    h = {"kind": "table-filter", "source": source}
    h["partitions"] = rng.choice([1, 1, 2, 3])
    script = Script(rng, h["partitions"])
    clock = Clock(rng, rng.choice([5, 50]))
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    for _ in range(rng.randrange(3, 61)):
        if source == "count":
            script.add("in", pick_key(rng, keys, 0.03), rng.randrange(1, 10), clock.next())
        elif source == "join-first" and rng.random() < 0.2:
            script.add("s", pick_key(rng, keys, 0.0), join_value(rng, 0.0), clock.next())
        else:
            script.add("t", pick_key(rng, keys, 0.03), join_value(rng, 0.2), clock.next())
    return f"table-filter-{source}", h, script


def table_groupby_case(rng):
    # Rows re-grouped by value (group "g<v % groups>"; none when v % 7 == 0) and moved
    # between groups by later updates, tombstones, tombstones of rows never held. One
    # partition: Kafka Streams' driver cannot repartition across several.
    h = {"kind": "table-groupby", "op": rng.choice(["count", "reduce", "aggregate"]),
         "groups": rng.choice([1, 2, 3, 5])}
    script = Script(rng, 1)
    clock = Clock(rng, rng.choice([5, 50]))
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    for _ in range(rng.randrange(3, 61)):
        script.add("t", pick_key(rng, keys, 0.03), join_value(rng, 0.2), clock.next())
    return f"table-groupby-{h['op']}", h, script


def fk_join_case(rng):
    # Primary table "l" names foreign row "k<v % 4>" of table "r" (none when v % 7 == 0);
    # updates move rows between foreign keys, both sides delete. One partition (the join
    # repartitions by foreign key).
    h = {"kind": "fk-join", "join": rng.choice(["inner", "left"])}
    script = Script(rng, 1)
    clock = Clock(rng, rng.choice([5, 50]))
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    for _ in range(rng.randrange(3, 61)):
        if rng.random() < 0.45:
            script.add("r", pick_key(rng, GLOBAL_KEYS, 0.03), join_value(rng, 0.2), clock.next())
        else:
            script.add("l", pick_key(rng, keys, 0.03), join_value(rng, 0.15), clock.next())
    return f"fk-join-{h['join']}", h, script


def versioned_table_case(rng):
    # A table in a versioned store (history retention `retention`) with out-of-order and
    # expired updates, read by: to_stream, a filter, a table-table join, a group_by count.
    op = rng.choice(["stream", "filter", "join", "groupby"])
    h = {"kind": "versioned-table", "op": op, "retention": rng.choice([0, 5, 30, 200])}
    if op == "join":
        h["join"] = rng.choice(["inner", "left", "outer"])
    h["partitions"] = 1 if op == "groupby" else rng.choice([1, 1, 2])
    script = Script(rng, h["partitions"])
    clock = Clock(rng, rng.choice([5, 50]))
    clock.out_of_order = rng.choice([0.25, 0.4, 0.6])
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    for _ in range(rng.randrange(3, 61)):
        topic = "t2" if op == "join" and rng.random() < 0.4 else "t"
        script.add(topic, pick_key(rng, keys, 0.03), join_value(rng, 0.15), clock.next())
    return f"versioned-table-{op}", h, script


def stream_versioned_table_case(rng):
    # A stream joined to a versioned table as of each record's timestamp, with a grace
    # period (records wait for late table updates) or none.
    # Kafka Streams refuses a grace period longer than the table's history retention.
    retention = rng.choice([10, 50, 500])
    h = {"kind": "stream-versioned-table", "join": rng.choice(["inner", "left"]),
         "retention": retention,
         "grace": rng.choice(["none", "none"] + [g for g in ["0", "3", "20", "100"]
                                                 if int(g) <= retention])}
    h["partitions"] = rng.choice([1, 1, 2, 3])
    script = Script(rng, h["partitions"])
    clock = Clock(rng, rng.choice([5, 50]))
    clock.out_of_order = rng.choice([0.1, 0.25, 0.4])
    keys = KEYS[: rng.randrange(1, len(KEYS) + 1)]
    # Kafka Streams 4.4 cannot buffer a null-key record (a left join with a grace period
    # fails on it), so those cases have none.
    null_keys = 0.0 if h["grace"] != "none" and h["join"] == "left" else 0.08
    for _ in range(rng.randrange(3, 61)):
        if rng.random() < 0.45:
            script.add("t", pick_key(rng, keys, 0.03), join_value(rng, 0.15), clock.next())
        else:
            script.add("s", pick_key(rng, keys, null_keys), join_value(rng, 0.0), clock.next())
    return f"stream-versioned-table-{h['join']}", h, script


# The table kinds (issue 18: old values, group_by, foreign-key joins, versioned tables).
TABLE_GENERATORS = {
    "table-filter": table_filter_case,
    "table-groupby": table_groupby_case,
    "fk-join": fk_join_case,
    "versioned-table": versioned_table_case,
    "stream-versioned-table": stream_versioned_table_case,
}

GENERATORS = {
    "window": window_case,
    "stream-table": stream_table_case,
    "table-table": table_table_case,
    "stream-global": stream_global_case,
    "stream-stream": stream_stream_case,
}
GENERATORS.update(TABLE_GENERATORS)
# How often each kind is drawn: windows have the most rules, so the most cases.
WEIGHTS = {"window": 6, "stream-table": 1, "table-table": 1, "stream-global": 1,
           "stream-stream": 2}
WEIGHTS.update({kind: 1 for kind in TABLE_GENERATORS})


def render(h, script):
    lines = [" ".join(f"{k}={v}" for k, v in h.items())]
    for topic, key, value, ts, part in script.rows:
        row = [topic, "~" if key is None else key, "~" if value is None else str(value), str(ts)]
        if part is not None:
            row.append(str(part))
        lines.append(" ".join(row))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--kinds", default=",".join(GENERATORS),
                    help="comma-separated subset of: " + ", ".join(GENERATORS))
    args = ap.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    for k in kinds:
        if k not in GENERATORS:
            sys.exit(f"generate.py: unknown kind '{k}' (known: {', '.join(GENERATORS)})")
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    population = [k for k in kinds for _ in range(WEIGHTS[k])]
    for i in range(args.count):
        kind = rng.choice(population)
        label, h, script = GENERATORS[kind](rng)
        name = f"{args.seed}-{i:05d}-{label}"
        with open(os.path.join(args.out, name + ".txt"), "w") as f:
            f.write(f"# seed {args.seed} case {i}\n")
            f.write(render(h, script))


if __name__ == "__main__":
    main()
