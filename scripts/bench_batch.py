#!/usr/bin/env python3
"""Batch speed, end to end: the partnerkit CLI against the sandbox (a separate process) on loopback.

  a. throughput: no faults, no limit, 64 in flight          -> items/s, peak RSS of the CLI
  b. 2,000 items under a 200 req/s limit (sandbox and client) -> wall time vs the ideal 10 s, share of 429s
  c. 100,000 items streamed (and 10,000 for comparison)       -> peak RSS, which must not grow with the count
  d. the journal's cost: a's run without a journal, with one synced (fdatasync per group of started
     records, the default) and with one flushed to the OS only (--no-journal-sync); --journal-dir
     picks the file system (a tmpfs makes syncs free: measure on a disk)

  scripts/bench_batch.py --cli build/tools/partnerkit [--only a,b,c,d] [--journal-dir DIR]
"""
import argparse, json, os, signal, ssl, subprocess, sys, tempfile, time, urllib.request


def write_items(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"email": f"b{i}@co{i}.example", "name": f"Bench Partner {i}", "country": "US"}) + "\n")


class Sandbox:
    def __init__(self, cli, workdir, rate=0, threads=1):
        self.ca = os.path.join(workdir, "ca.pem")
        cmd = [cli, "sandbox", "--port", "0", "--ca-out", self.ca, "--threads", str(threads)]
        if rate:
            cmd += ["--rate-limit", str(rate)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.info = json.loads(self.proc.stdout.readline())

    def state(self):
        ctx = ssl.create_default_context(cafile=self.ca)
        with urllib.request.urlopen(self.info["url"] + "/__sandbox/state", context=ctx, timeout=30) as r:
            return json.load(r)

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


def run_cli(cli, sb, items, extra):
    env = dict(os.environ, DUB_API_KEY=sb.info["keys"]["dub"])
    cmd = [cli, "provision", "--vendor", "dub", "--input", items, "--base-url", sb.info["url"], "--ca-file", sb.ca,
           "--progress", "never"] + extra
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"provision exited {code}:\n{err}")
    return wall, usage.ru_maxrss / 1024.0  # MiB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--only", default="a,b,c")
    ap.add_argument("--items-a", type=int, default=20000)
    ap.add_argument("--items-d", type=int, default=10000)
    ap.add_argument("--journal-dir", default=None)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="partnerkit-bench-")
    only = set(args.only.split(","))
    results = {}

    if "a" in only:
        items = os.path.join(work, "a.jsonl")
        write_items(items, args.items_a)
        sb = Sandbox(args.cli, work, threads=1)
        try:
            wall, rss = run_cli(args.cli, sb, items, ["--concurrency", "64", "--rate", "0"])
        finally:
            sb.close()
        results["a"] = {"items": args.items_a, "seconds": round(wall, 2), "items_per_s": round(args.items_a / wall),
                        "peak_rss_mib": round(rss, 1)}
        print(f"a. throughput: {args.items_a} items, 64 in flight: {wall:.2f} s = {args.items_a / wall:.0f} items/s, "
              f"peak RSS {rss:.1f} MiB", flush=True)

    if "b" in only:
        items = os.path.join(work, "b.jsonl")
        write_items(items, 2000)
        sb = Sandbox(args.cli, work, rate=200)
        try:
            wall, rss = run_cli(args.cli, sb, items, ["--concurrency", "64", "--rate", "200"])
            c = sb.state()["vendors"]["dub"]["counters"][sb.info["keys"]["dub"]]
        finally:
            sb.close()
        share = c["rate_limited"] / max(1, c["requests"])
        results["b"] = {"seconds": round(wall, 2), "vs_ideal": round(wall / 10.0, 3), "requests": c["requests"],
                        "rate_limited": c["rate_limited"], "share_429": round(share, 4)}
        print(f"b. 2,000 items at 200 req/s: {wall:.2f} s = {wall / 10.0:.3f} x the ideal 10 s; "
              f"{c['rate_limited']} of {c['requests']} requests answered 429 ({100 * share:.2f} %)", flush=True)

    if "c" in only:
        out = {}
        for n in (10000, 100000):
            items = os.path.join(work, f"c{n}.jsonl")
            write_items(items, n)
            sb = Sandbox(args.cli, work, threads=1)
            try:
                wall, rss = run_cli(args.cli, sb, items, ["--concurrency", "64", "--rate", "0"])
            finally:
                sb.close()
            out[n] = rss
            print(f"c. {n} items streamed: {wall:.1f} s, peak RSS {rss:.1f} MiB", flush=True)
        results["c"] = {"peak_rss_mib_10k": round(out[10000], 1), "peak_rss_mib_100k": round(out[100000], 1)}
    if "d" in only:
        items = os.path.join(work, "d.jsonl")
        write_items(items, args.items_d)
        jdir = tempfile.mkdtemp(prefix="partnerkit-bench-journal-", dir=args.journal_dir)
        out = {}
        for name, extra in (("none", []), ("synced", ["--journal"]), ("os_only", ["--journal", "--no-journal-sync"])):
            args_d = ["--concurrency", "64", "--rate", "0"]
            if extra:
                journal = os.path.join(jdir, f"{name}.jsonl")
                args_d += ["--journal", journal] + extra[1:]
            sb = Sandbox(args.cli, work, threads=1)
            try:
                wall, rss = run_cli(args.cli, sb, items, args_d)
            finally:
                sb.close()
            out[name] = round(args.items_d / wall)
            print(f"d. journal {name}: {args.items_d} items in {wall:.2f} s = {args.items_d / wall:.0f} items/s",
                  flush=True)
        results["d"] = {"items_per_s": out, "journal_dir": jdir}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
