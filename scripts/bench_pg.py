#!/usr/bin/env python3
"""The PostgreSQL scale-out's speed, end to end: N items enqueued on a throwaway PostgreSQL, then worked
by 1, 2 and 4 `partnerkit worker` processes against the sandbox (a separate process, no rate limit, no
faults) on loopback, with PostgreSQL's fsync on and off; the same items through the single-process
`partnerkit provision` beside it. Reports items/s (from the first worker's start to the last item done),
database round trips per item (the workers' own count, and PostgreSQL's committed transactions), the
enqueue time, and where the time goes: CPU milliseconds per item of the workers, of PostgreSQL (every
backend and the WAL writer) and of the sandbox, from /proc (load-independent, unlike items/s), plus the
load average when the run started. A benchmark, not a test: nothing is asserted.

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


class Poller:
    """One psql session for the progress polls (a psql process and a backend per poll would cost the
    machine more CPU than the poll measures)."""

    def __init__(self, cluster, db):
        self.p = subprocess.Popen([cluster.bindir + "/psql", "-X", "-q", "-A", "-t",
                                   f"host={cluster.dir} user=partnerkit dbname={db}"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def ask(self, sql):
        self.p.stdin.write(sql + ";\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().strip()

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=10)


TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid, children=False):
    """User + system CPU seconds of a process (and of its reaped children)."""
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    t = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if children else 0)
    return t / TICK


def pg_cpu_s(cluster):
    """PostgreSQL's CPU so far: the postmaster, its reaped children (backends that exited) and the
    children still running (backends, WAL writer, checkpointer)."""
    pm = int(open(os.path.join(cluster.data, "postmaster.pid")).readline())
    total = cpu_s(pm, children=True)
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(f[1]) == pm:
                total += (int(f[11]) + int(f[12])) / TICK
    return total


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
        time.sleep(0.3)  # the enqueue's backend exits and is reaped
        if args.statements:
            cluster.psql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()", db)
        poll = Poller(cluster, db)
        c0 = commits(cluster, db)
        pg0, sb0, load = pg_cpu_s(cluster), cpu_s(sb.pid), os.getloadavg()[0]
        errs, procs = [], []
        t0, wall0 = time.monotonic(), time.time()
        for k in range(n_workers):
            err = os.path.join(workdir, f"{run_id}-w{k}.err")
            errs.append(err)
            procs.append(subprocess.Popen(
                [cli, "worker", "--database", url, "--vendor", "dub", "--base-url", info["url"], "--ca-file", ca,
                 "--rate", str(rate), "--concurrency", str(args.concurrency), "--batch", str(args.batch), "--poll", "0.05"]
                + args.worker_arg, stdout=subprocess.DEVNULL, stderr=open(err, "w"), env=env))
        total = int(poll.ask("SELECT count(*) FROM partnerkit.items"))
        # Whether any item is unfinished (the first row of a partial index): counting the whole table
        # ten times a second cost PostgreSQL a tenth of its CPU per item.
        while poll.ask("SELECT EXISTS (SELECT FROM partnerkit.items WHERE state IN ('pending', 'running', 'reconcile'))"
                       ) == "t":
            time.sleep(0.1)
        # From the workers' start to the last item's completion on the database's clock (not the poll's).
        elapsed = float(poll.ask("SELECT extract(epoch FROM max(finished_at)) FROM partnerkit.items")) - wall0
        failed = int(poll.ask("SELECT count(*) FROM partnerkit.items WHERE state = 'failed'"))
        poll.close()
        c1 = commits(cluster, db)
        sb1 = cpu_s(sb.pid)
        for p in procs:
            p.send_signal(signal.SIGTERM)
        calls, worker_cpu = 0, 0.0
        for p, err in zip(procs, errs):
            _, _, ru = os.wait4(p.pid, 0)
            p.returncode = 0
            worker_cpu += ru.ru_utime + ru.ru_stime
            m = re.search(r"(\d+) database calls", open(err).read())
            calls += int(m.group(1)) if m else 0
        time.sleep(0.3)  # the workers' backends exit and are reaped
        pg1 = pg_cpu_s(cluster)
        out = {}
        if rate:
            c = sandbox_counters(info, ca)
            ideal = total / rate
            out = {"ideal_s": round(ideal, 2), "x_ideal": round(elapsed / ideal, 3), "requests": c["requests"],
                   "answered_429": c["rate_limited"],
                   "share_429": round(c["rate_limited"] / max(1, c["requests"]), 4)}
        if args.statements:
            print(cluster.psql(
                "SELECT string_agg(format('    %8s ms/item %8s calls/item %7s rows/call  %s',"
                " round((total_exec_time / " + str(total) + ")::numeric, 4), round(calls::numeric / " + str(total) +
                ", 3), round(rows::numeric / greatest(calls, 1), 1), left(regexp_replace(query, '\\s+', ' ', 'g'),"
                " 110)), E'\\n') FROM (SELECT * FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT " +
                str(args.statements) + ") s", db), flush=True)
        ms = lambda cpu: round(1000 * cpu / total, 3)  # noqa: E731
        return out | {"items_per_s": round(total / elapsed), "seconds": round(elapsed, 2), "failed": failed,
                      "load": round(load, 2), "worker_db_calls_per_item": round(calls / total, 3),
                      "pg_commits_per_item": round((c1 - c0) / total, 3),
                      "cpu_ms_per_item": {"workers": ms(worker_cpu), "postgres": ms(pg1 - pg0),
                                          "sandbox": ms(sb1 - sb0)},
                      "enqueue_s": round(enqueue_s, 2)}
    finally:
        stop(sb)


def run_cli(args, items_file, workdir):
    sb, info, ca = start_sandbox(args.cli, workdir, args.sandbox_threads)
    env = dict(os.environ, DUB_API_KEY=info["keys"]["dub"])
    try:
        load, sb0 = os.getloadavg()[0], cpu_s(sb.pid)
        t = time.monotonic()
        p = subprocess.Popen([args.cli, "provision", "--vendor", "dub", "--input", items_file, "--base-url",
                              info["url"], "--ca-file", ca, "--rate", "0", "--concurrency", "64", "--progress",
                              "never"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        elapsed = time.monotonic() - t
        p.returncode = 0
        if status != 0:
            raise SystemExit(f"provision failed: status {status}")
        ms = lambda cpu: round(1000 * cpu / args.items, 3)  # noqa: E731
        return {"items_per_s": round(args.items / elapsed), "seconds": round(elapsed, 2), "load": round(load, 2),
                "cpu_ms_per_item": {"cli": ms(ru.ru_utime + ru.ru_stime), "sandbox": ms(cpu_s(sb.pid) - sb0)}}
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
    ap.add_argument("--statements", type=int, default=0, metavar="N",
                    help="after each run, PostgreSQL's N costliest statements (pg_stat_statements, nested too)")
    ap.add_argument("--no-cli", action="store_true", help="skip the single-process CLI's run")
    ap.add_argument("--worker-arg", action="append", default=[], help="one more argument for every worker")
    args = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="partnerkit-bench-pg-")
    items_file = os.path.join(workdir, "items.jsonl")
    write_items(items_file, args.items)
    print(f"bench-pg: {args.items} items (dub), sandbox without limit or faults, {os.cpu_count()} cores", flush=True)
    if not args.no_cli:
        print(f"  cli provision (one process, no database): {json.dumps(run_cli(args, items_file, workdir))}",
              flush=True)
    n = 0
    for fsync in args.fsync.split(","):
        options = ("-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
                   if args.statements else "")
        cluster = Cluster(fsync=(fsync == "on"), options=options)
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
