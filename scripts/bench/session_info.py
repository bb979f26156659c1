#!/usr/bin/env python3
"""Print one JSON object describing this machine and a benchmark session.

    session_info.py --session ID [--param key=value ...]

Used by scripts/bench.sh to write the session header line of build/bench/results.jsonl.
"""
import argparse
import datetime
import json
import os
import platform
import re
import subprocess


def first_match(path, pattern):
    try:
        with open(path) as f:
            for line in f:
                m = re.match(pattern, line)
                if m:
                    return m.group(1).strip()
    except OSError:
        pass
    return None


def command_output(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (out.stdout + out.stderr).strip()
    except (OSError, subprocess.SubprocessError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--session", required=True)
    ap.add_argument("--param", action="append", default=[], help="key=value session parameter")
    args = ap.parse_args()
    params = {}
    for item in args.param:
        key, _, value = item.partition("=")
        params[key] = value

    mem_kb = first_match("/proc/meminfo", r"MemTotal:\s+(\d+)")
    java = command_output(["java", "-version"])
    info = {
        "type": "session",
        "session": args.session,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu_model": first_match("/proc/cpuinfo", r"model name\s*:\s*(.*)"),
        "mem_gib": round(int(mem_kb) / 1024 / 1024, 1) if mem_kb else None,
        "kernel": platform.release(),
        "os": first_match("/etc/os-release", r'PRETTY_NAME="?([^"]*)"?'),
        "librdkafka": command_output(["pkg-config", "--modversion", "rdkafka"]),
        "java": java.splitlines()[0] if java else None,
        "compiler": (command_output(["g++", "--version"]) or "").splitlines()[0:1],
        "load_avg_at_start": os.getloadavg()[0],
        "params": params,
    }
    info["compiler"] = info["compiler"][0] if info["compiler"] else None
    print(json.dumps(info, sort_keys=True))


if __name__ == "__main__":
    main()
