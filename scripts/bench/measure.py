#!/usr/bin/env python3
"""Run one measured benchmark process and append its result to a JSON-lines file.

    measure.py --results FILE --log FILE [--timeout S] [--meta key=value ...] -- CMD [ARGS...]

CPU and memory come from the OS, not from the process: the command is started as a direct
child (runners `exec` the real binary, so the child *is* the measured process) and reaped with
os.wait4(), whose rusage gives user and system CPU seconds and the peak RSS (KiB) of that
process (plus any children it waited for). Wall time is measured here, from spawn to exit.
The process must print one JSON object as its last stdout line (at least "records"); it is
kept under "app". stdout+stderr of the process go to --log. The process's resident set
(VmRSS) is also sampled every --rss-every seconds: "rss_samples_kb" (the timeline) and
"rss_sampled_max_kb" (its maximum) in the result, beside the OS's peak ("max_rss_kb").

Prints one human-readable summary line; exits with the process's exit code (124 on timeout).
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time


def parse_meta(items):
    meta = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"measure.py: --meta wants key=value, got {item!r}")
        try:
            meta[key] = int(value)
        except ValueError:
            meta[key] = value
    return meta


def last_json_line(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    return None


def rss_kb(pid):
    """VmRSS of a live process in KiB, or None."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", required=True, help="JSON-lines file to append the result to")
    ap.add_argument("--log", required=True, help="file for the process's stdout and stderr")
    ap.add_argument("--timeout", type=float, default=900, help="kill the process after S seconds")
    ap.add_argument("--meta", action="append", default=[], help="key=value added to the result")
    ap.add_argument("--rss-every", type=float, default=1.0, help="RSS sampling interval, seconds")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd and args.cmd[0] == "--" else args.cmd
    if not cmd:
        ap.error("no command given")
    meta = parse_meta(args.meta)

    out_path = args.log + ".stdout"
    with open(out_path, "wb") as out, open(args.log, "ab") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        timed_out = False
        rss_samples, next_rss = [], t0
        while True:
            if time.monotonic() >= next_rss:
                kb = rss_kb(proc.pid)
                if kb is not None:
                    rss_samples.append(kb)
                next_rss += args.rss_every
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.monotonic() - t0 > args.timeout:
                timed_out = True
                os.kill(proc.pid, signal.SIGKILL)  # only the process we started, by pid
                pid, status, ru = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen quiet

    with open(out_path, "rb") as f:
        stdout = f.read().decode("utf-8", "replace")
    with open(args.log, "ab") as err:
        err.write(b"--- stdout ---\n" + stdout.encode())
    os.unlink(out_path)
    app = last_json_line(stdout)

    rc = 124 if timed_out else proc.returncode
    cpu = ru.ru_utime + ru.ru_stime
    records = int(app.get("records", 0)) if app else 0
    result = dict(meta)
    result.update({
        "type": "result",
        "status": "ok" if rc == 0 and app is not None else ("timeout" if timed_out else "failed"),
        "exit_code": rc,
        "records": records,
        "wall_s": round(wall, 3),
        "cpu_user_s": round(ru.ru_utime, 3),
        "cpu_sys_s": round(ru.ru_stime, 3),
        "cpu_s": round(cpu, 3),
        "max_rss_kb": ru.ru_maxrss,
        "rss_samples_kb": rss_samples,
        "rss_sampled_max_kb": max(rss_samples) if rss_samples else None,
        "records_per_cpu_s": round(records / cpu, 1) if cpu > 0 and records else None,
        "wall_records_per_s": round(records / wall, 1) if wall > 0 and records else None,
        "measured_by": "wait4 rusage of the process",
        "app": app,
        "log": args.log,
    })
    with open(args.results, "a") as f:
        f.write(json.dumps(result, sort_keys=True) + "\n")

    label = " ".join(f"{meta[k]}" for k in ("workload", "runner", "run") if k in meta)
    if result["status"] == "ok":
        print(f"  {label}: {records} records, {wall:.1f} s wall, cpu {ru.ru_utime:.2f} user + "
              f"{ru.ru_stime:.2f} sys, {result['records_per_cpu_s']:,.0f} rec/CPU-s, "
              f"{result['wall_records_per_s']:,.0f} rec/s wall, RSS {ru.ru_maxrss / 1024:.0f} MiB")
    else:
        print(f"  {label}: {result['status'].upper()} (exit {rc}); see {args.log}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
