#!/usr/bin/env python3
"""Soak of the PostgreSQL scale-out: N items x Dub, Partnero and JourneyBee enqueued on a throwaway
PostgreSQL, worked by 4 `partnerkit worker` processes against the sandbox with the faults of `make soak`
and its rate limit, while 3 random workers are killed with SIGKILL (each replaced) and PostgreSQL is
restarted once with `pg_ctl -m immediate`. Passes when every item is done (no item lost, none failed:
every input is valid, so any failure is a wrong one) and the sandbox holds exactly one partner per
(vendor, email) (nothing missing, nothing twice).

  scripts/soak_pg.py --cli build/tools/partnerkit                  # 10,000 items, 4 workers, 3 kills
  scripts/soak_pg.py --cli build/tools/partnerkit --items 500 --kills 1
"""
import argparse, json, os, random, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soak  # noqa: E402  (start_sandbox, sandbox_state, partner_emails, the fault spec)
from pg_cluster import Cluster  # noqa: E402

VENDORS = soak.VENDORS


def write_items(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"email": f"p{i}@co{i}.example", "name": f"Partner {i}", "company": f"Company {i}",
                                "country": "DE", "referral_key": f"soak-{i}", "external_id": f"crm-{i}"}) + "\n")


def status(cli, url):
    r = subprocess.run([cli, "status", "--database", url, "--json"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    if r.returncode != 0:
        return None
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--restarts", type=int, default=1)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--faults", default=soak.DEFAULT_FAULTS)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    workdir = args.workdir or tempfile.mkdtemp(prefix="partnerkit-soak-pg-")
    os.makedirs(workdir, exist_ok=True)
    items = os.path.join(workdir, "items.jsonl")
    write_items(items, args.items)
    print(f"soak-pg: {args.items} items x {len(VENDORS)} vendors, {args.workers} workers, faults {args.faults}, "
          f"{args.rate:g} req/s per key, {args.kills} kill(s), {args.restarts} PostgreSQL restart(s), seed {args.seed}, "
          f"workdir {workdir}", flush=True)

    cluster = Cluster(fsync=True)
    sandbox, info, ca = soak.start_sandbox(args.cli, workdir, args.rate, args.faults, args.seed)
    env = dict(os.environ)
    for v in VENDORS:
        env[v.upper() + "_API_KEY"] = info["keys"][v]
    url = cluster.url()
    failures = []
    workers = {}
    serial = [0]

    def start_worker():
        serial[0] += 1
        n = serial[0]
        cmd = [args.cli, "worker", "--database", url, "--vendor", ",".join(VENDORS), "--base-url", info["url"],
               "--ca-file", ca, "--rate", str(args.rate), "--lease", "3", "--request-timeout", "2",
               "--poll", "0.2", "--owner", f"soak-worker-{n}"]
        err = open(os.path.join(workdir, f"worker{n}.err"), "w")
        workers[n] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)

    try:
        subprocess.run([args.cli, "db", "migrate", "--database", url], check=True, env=env)
        t0 = time.monotonic()
        with open(os.path.join(workdir, "enqueue.out"), "w") as out:
            subprocess.run([args.cli, "enqueue", "--database", url, "--tenant", "soak", "--vendor", ",".join(VENDORS),
                            "--input", items], check=True, stdout=out, env=env)
        print(f"  enqueued in {time.monotonic() - t0:.1f} s", flush=True)
        t0 = time.monotonic()
        for _ in range(args.workers):
            start_worker()
        expected = max(4.0, args.items / max(args.rate, 1.0))
        events = sorted([(rng.uniform(0.1, 0.8) * expected, "kill") for _ in range(args.kills)] +
                        [(rng.uniform(0.2, 0.7) * expected, "restart") for _ in range(args.restarts)])
        deadline = t0 + args.timeout
        last = None
        while time.monotonic() < deadline:
            now = time.monotonic() - t0
            while events and events[0][0] <= now:
                _, what = events.pop(0)
                if what == "kill":
                    n = rng.choice(sorted(k for k, p in workers.items() if p.poll() is None))
                    workers[n].send_signal(signal.SIGKILL)
                    workers[n].wait()
                    print(f"  {now:6.1f} s: worker {n} killed (SIGKILL); starting another", flush=True)
                    start_worker()
                else:
                    cluster.restart_immediate()
                    print(f"  {now:6.1f} s: PostgreSQL restarted (-m immediate)", flush=True)
            s = status(args.cli, url)
            if s is not None:
                last = s
                if not events and s["pending"] + s["running"] + s["reconcile"] == 0:
                    break
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
        for n, p in workers.items():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for n, p in workers.items():
            try:
                rc = p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = "hung"
            if rc not in (0, -signal.SIGKILL):
                failures.append(f"worker {n} exited {rc} (see {workdir}/worker{n}.err)")
        print(f"  drained in {elapsed:.1f} s; queue {json.dumps({k: last[k] for k in ('pending', 'running', 'reconcile', 'done', 'failed')} if last else None)}",
              flush=True)
        total = args.items * len(VENDORS)
        if not last or last["done"] != total:
            failures.append(f"{last['done'] if last else '?'} of {total} items done (lost or unfinished)")
        if last and last["failed"]:
            failures.append(f"{last['failed']} items failed: {json.dumps(last['failures_by_code'])}")
            # Each failed item's whole event log, for the post-mortem (no secrets: the log holds none).
            log = os.path.join(workdir, "failed-items.txt")
            with open(log, "w") as f:
                f.write(cluster.psql("SELECT string_agg(format('%s %s #%s a%s %s %s %s', e.at, i.vendor, i.id, e.attempt, "
                                     "e.kind, coalesce(e.worker, '-'), coalesce(e.detail::text, '')), E'\\n' "
                                     "ORDER BY i.id, e.id) FROM partnerkit.items i JOIN partnerkit.events e "
                                     "ON e.item_id = i.id WHERE i.state = 'failed'") + "\n")
            failures.append(f"failed items' event logs in {log}")
        outcomes = cluster.psql("SELECT coalesce(json_object_agg(o, n), '{}') FROM (SELECT result->>'outcome' AS o, "
                                "count(*) AS n FROM partnerkit.items WHERE state = 'done' GROUP BY 1) x")
        attempts = cluster.psql("SELECT json_build_object('max', max(attempt), 'mean', round(avg(attempt), 3), "
                                "'rescued', (SELECT count(*) FROM partnerkit.events WHERE kind = 'rescued'), "
                                "'refused', (SELECT count(*) FROM partnerkit.events WHERE kind = 'refused')) "
                                "FROM partnerkit.items")
        print(f"  outcomes {outcomes}; attempts {attempts}", flush=True)

        state = soak.sandbox_state(info["url"], ca)
        wanted = {f"p{i}@co{i}.example" for i in range(args.items)}
        counters = {}
        for v in VENDORS:
            vs = state["vendors"][v]
            partners = vs["partners"]
            records = partners.values() if isinstance(partners, dict) else partners
            emails = [e for rec in records for e in soak.partner_emails(rec)]
            dupes = len(emails) - len(set(emails))
            missing = wanted - set(emails)
            if dupes:
                failures.append(f"{v}: {dupes} partners stored twice")
            if missing:
                failures.append(f"{v}: {len(missing)} partners missing, e.g. {sorted(missing)[:3]}")
            if set(emails) - wanted:
                failures.append(f"{v}: {len(set(emails) - wanted)} unexpected partners")
            counters[v] = vs.get("counters")
        print(f"  sandbox counters: {json.dumps(counters)}", flush=True)
        print(f"  throughput: {total / elapsed:.0f} items/s end to end (rate limit {args.rate:g}/s per key)", flush=True)
    finally:
        for p in workers.values():
            if p.poll() is None:
                p.kill()
        sandbox.send_signal(signal.SIGTERM)
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
        cluster.close()
    for f in failures[:20]:
        print("FAIL: " + f)
    print(f"soak-pg: {'1 passed, 0 failed' if not failures else '0 passed, 1 failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
