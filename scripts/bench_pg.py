#!/usr/bin/env python3
"""The PostgreSQL scale-out's speed, end to end: N items enqueued on a throwaway PostgreSQL, then worked
by 1, 2 and 4 `partnerkit worker` processes against the sandbox (a separate process, no rate limit, no
faults) on loopback, with PostgreSQL's fsync on and off; the same items through the single-process
`partnerkit provision` beside it. Reports items/s (from the first worker's start to the last item done),
database round trips per item (the workers' own count, and PostgreSQL's committed transactions) and
the enqueue time. A benchmark, not a test: nothing is asserted.

  scripts/bench_pg.py --cli build/tools/partnerkit [--items 5000] [--workers 1,2,4] [--fsync on,off]
"""
import argparse, json, os, re, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_cluster import Cluster  # noqa: E402


def write_items(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"email": f"b{i}@co{i}.example", "name": f"Bench Partner {i}",
                                "external_id": f"bench-{i}"}) + "\n")


def start_sandbox(cli, workdir, threads, rate=0):
    ca = os.path.join(workdir, f"ca-{time.monotonic_ns()}.pem")
    extra = ["--rate-limit", str(rate)] if rate else []
    proc = subprocess.Popen([cli, "sandbox", "--port", "0", "--ca-out", ca, "--threads", str(threads)] + extra,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return proc, json.loads(proc.stdout.readline()), ca


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def counts(cluster, db):
    return cluster.psql("SELECT count(*) FILTER (WHERE state = 'done') || ' ' || count(*) FROM partnerkit.items", db)


def commits(cluster, db):
    return int(cluster.psql(f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{db}'"))


def sandbox_counters(info, ca):
    import ssl, urllib.request
    ctx = ssl.create_default_context(cafile=ca)
    with urllib.request.urlopen(info["url"] + "/__sandbox/state?partners=false", context=ctx, timeout=30) as r:
        return list(json.load(r)["vendors"]["dub"]["counters"].values())[0]


def run_workers(args, cluster, db, n_workers, items_file, workdir, run_id, rate=0):
    url = cluster.url(db)
    cli = args.cli
    subprocess.run([cli, "db", "migrate", "--database", url], check=True, stderr=subprocess.DEVNULL)
    sb, info, ca = start_sandbox(cli, workdir, args.sandbox_threads, rate)
    env = dict(os.environ, DUB_API_KEY=info["keys"]["dub"])
    try:
        t = time.monotonic()
        subprocess.run([cli, "enqueue", "--database", url, "--tenant", "bench", "--vendor", "dub", "--input",
                        items_file], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        enqueue_s = time.monotonic() - t
        c0 = commits(cluster, db)
        errs, procs = [], []
        t0 = time.monotonic()
        for k in range(n_workers):
            err = os.path.join(workdir, f"{run_id}-w{k}.err")
            errs.append(err)
            procs.append(subprocess.Popen(
                [cli, "worker", "--database", url, "--vendor", "dub", "--base-url", info["url"], "--ca-file", ca,
                 "--rate", str(rate), "--concurrency", str(args.concurrency), "--batch", str(args.batch), "--poll", "0.05"],
                stdout=subprocess.DEVNULL, stderr=open(err, "w"), env=env))
        while True:
            done, total = map(int, counts(cluster, db).split())
            if done == total:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - t0
        c1 = commits(cluster, db)
        for p in procs:
            p.send_signal(signal.SIGTERM)
        calls = 0
        for p, err in zip(procs, errs):
            p.wait(timeout=60)
            m = re.search(r"(\d+) database calls", open(err).read())
            calls += int(m.group(1)) if m else 0
        out = {}
        if rate:
            c = sandbox_counters(info, ca)
            ideal = total / rate
            out = {"ideal_s": round(ideal, 2), "x_ideal": round(elapsed / ideal, 3), "requests": c["requests"],
                   "answered_429": c["rate_limited"],
                   "share_429": round(c["rate_limited"] / max(1, c["requests"]), 4)}
        return out | {"items_per_s": round(total / elapsed), "seconds": round(elapsed, 2),
                "worker_db_calls_per_item": round(calls / total, 3),
                "pg_commits_per_item": round((c1 - c0) / total, 3), "enqueue_s": round(enqueue_s, 2)}
    finally:
        stop(sb)


def run_cli(args, items_file, workdir):
    sb, info, ca = start_sandbox(args.cli, workdir, args.sandbox_threads)
    env = dict(os.environ, DUB_API_KEY=info["keys"]["dub"])
    try:
        t = time.monotonic()
        subprocess.run([args.cli, "provision", "--vendor", "dub", "--input", items_file, "--base-url", info["url"],
                        "--ca-file", ca, "--rate", "0", "--concurrency", "64", "--progress", "never"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
        elapsed = time.monotonic() - t
        return {"items_per_s": round(args.items / elapsed), "seconds": round(elapsed, 2)}
    finally:
        stop(sb)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--fsync", default="on,off")
    ap.add_argument("--concurrency", type=int, default=256)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--sandbox-threads", type=int, default=1)
    ap.add_argument("--rate", type=float, default=200, help="the shared-limit run: 4 workers, one key (0: skip)")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="partnerkit-bench-pg-")
    items_file = os.path.join(workdir, "items.jsonl")
    write_items(items_file, args.items)
    print(f"bench-pg: {args.items} items (dub), sandbox without limit or faults, {os.cpu_count()} cores", flush=True)
    print(f"  cli provision (one process, no database): {json.dumps(run_cli(args, items_file, workdir))}", flush=True)
    n = 0
    for fsync in args.fsync.split(","):
        cluster = Cluster(fsync=(fsync == "on"))
        try:
            for w in [int(x) for x in args.workers.split(",")]:
                n += 1
                db = f"bench{n}"
                cluster.psql(f"CREATE DATABASE {db}")
                r = run_workers(args, cluster, db, w, items_file, workdir, f"run{n}")
                print(f"  fsync {fsync:3}, {w} worker(s): {json.dumps(r)}", flush=True)
            if fsync == "on" and args.rate:
                n += 1
                db = f"bench{n}"
                cluster.psql(f"CREATE DATABASE {db}")
                rate_items = os.path.join(workdir, "rate-items.jsonl")
                write_items(rate_items, int(args.rate * 10))
                r = run_workers(args, cluster, db, 4, rate_items, workdir, f"run{n}", rate=args.rate)
                print(f"  fsync on, 4 workers, one key limited to {args.rate:g}/s by the sandbox and --rate: "
                      f"{json.dumps(r)}", flush=True)
        finally:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
