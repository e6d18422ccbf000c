#!/usr/bin/env python3
"""Soak: N items over Dub, Partnero and JourneyBee against a faulty, rate-limited sandbox, with the CLI
killed by SIGKILL at random points and resumed from its journal. Passes when every item ends
created/updated/existing or with a definite non-retryable error, and the sandbox holds exactly one
partner per (vendor, email): nothing missing, nothing twice. For the vendors with a lookup, every
`existing` carries the partner's id and the sandbox saw no create for a partner after a lookup had
found it (its per-partner `createsAfterFound` counter).

  scripts/soak.py --cli build/tools/partnerkit                 # the full soak: 10,000 items, 3 kills
  scripts/soak.py --cli build/tools/partnerkit --items 600 --kills 1   # the short one in `make test`
"""
import argparse, json, os, random, signal, ssl, subprocess, sys, tempfile, time, urllib.request

VENDORS = ["dub", "partnero", "journeybee"]
# Vendors with a lookup (find by external id / email): every `existing` result must carry the vendor's id.
LOOKUP_VENDORS = {"dub", "partnero"}
# The warning the client puts on an `existing` it settled by a lookup before re-sending the create.
FOUND_BEFORE_RESEND = "nothing was sent again"
# Partnero gets a password with every item; scripts/leak-canaries.txt lists it, and `make soak` checks
# that no output of the soak holds it.
SOAK_PASSWORD = "Soak-Passw0rd-Canary-1d4e"
DEFAULT_FAULTS = "5xx=0.1,reset=0.05,apply-then-drop=0.02,truncate=0.02,stall=0.01,early-hints=0.05,apply-then-5xx=0.02"


def write_items(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"email": f"p{i}@co{i}.example", "name": f"Partner {i}", "company": f"Company {i}",
                                "country": "DE", "referral_key": f"soak-{i}", "external_id": f"crm-{i}",
                                "password": SOAK_PASSWORD}) + "\n")


def start_sandbox(cli, workdir, rate, faults, seed):
    ca = os.path.join(workdir, "sandbox-ca.pem")
    cmd = [cli, "sandbox", "--port", "0", "--faults", faults, "--seed", str(seed), "--ca-out", ca, "--threads", "2"]
    if rate > 0:
        cmd += ["--rate-limit", str(rate)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(os.path.join(workdir, "sandbox.log"), "w"), text=True)
    line = proc.stdout.readline()
    if not line:
        raise SystemExit("the sandbox did not start: see " + os.path.join(workdir, "sandbox.log"))
    info = json.loads(line)
    return proc, info, ca


def sandbox_state(url, ca):
    ctx = ssl.create_default_context(cafile=ca)  # verification on, trusting the sandbox's CA
    with urllib.request.urlopen(url.rstrip("/") + "/__sandbox/state", context=ctx, timeout=30) as r:
        return json.load(r)


def partner_emails(record):
    if isinstance(record.get("email"), str):
        return [record["email"].lower()]
    emails = record.get("emails")
    if isinstance(emails, list) and emails:
        first = emails[0]
        return [(first.get("email") if isinstance(first, dict) else first).lower()]
    return []


def provision_cmd(cli, items, url, ca, journal, args):
    return [cli, "provision", "--vendor", ",".join(VENDORS), "--input", items, "--base-url", url, "--ca-file", ca,
            "--journal", journal, "--concurrency", str(args.concurrency), "--rate", str(args.rate),
            "--timeout", "120", "--request-timeout", "2", "--max-attempts", "12", "--progress", "never"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--items", type=int, default=10000)
    ap.add_argument("--kills", type=int, default=3)
    ap.add_argument("--rate", type=float, default=500)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--faults", default=DEFAULT_FAULTS)
    ap.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    ap.add_argument("--workdir")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    workdir = args.workdir or tempfile.mkdtemp(prefix="partnerkit-soak-")
    os.makedirs(workdir, exist_ok=True)
    items = os.path.join(workdir, "items.jsonl")
    journal = os.path.join(workdir, "journal.jsonl")
    write_items(items, args.items)
    print(f"soak: {args.items} items x {len(VENDORS)} vendors, faults {args.faults}, {args.rate:g} req/s per key, "
          f"{args.kills} kill(s), seed {args.seed}, workdir {workdir}", flush=True)

    sandbox, info, ca = start_sandbox(args.cli, workdir, args.rate, args.faults, args.seed)
    env = dict(os.environ)
    for v in VENDORS:
        env[v.upper() + "_API_KEY"] = info["keys"][v]
    failures = []
    try:
        cmd = provision_cmd(args.cli, items, info["url"], ca, journal, args)
        expected = max(2.0, args.items / max(args.rate, 1.0))  # each vendor key at `rate`
        t0 = time.monotonic()
        for k in range(args.kills):
            with open(os.path.join(workdir, f"run{k}.out"), "w") as out:
                p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
                delay = rng.uniform(0.15, 0.6) * expected
                try:
                    p.wait(timeout=delay)
                    print(f"  run {k}: finished before the kill at {delay:.1f} s", flush=True)
                except subprocess.TimeoutExpired:
                    p.send_signal(signal.SIGKILL)
                    p.wait()
                    print(f"  run {k}: killed (SIGKILL) after {delay:.1f} s", flush=True)
        final_out = os.path.join(workdir, "final.out")
        with open(final_out, "w") as out:
            rc = subprocess.call(cmd, stdout=out, stderr=open(os.path.join(workdir, "final.err"), "w"), env=env)
        elapsed = time.monotonic() - t0
        if rc not in (0, 1):
            failures.append(f"the final run exited {rc} (see {workdir}/final.err)")

        # Every (item, vendor) has exactly one final result, and each is definite.
        seen, outcomes, errors = set(), {}, {}
        existing_without_id = {}
        with open(final_out) as f:
            for line in f:
                r = json.loads(line)
                key = (r["index"], r["vendor"])
                if key in seen:
                    failures.append(f"two results for {key}")
                seen.add(key)
                if r["error"] is None:
                    outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
                    if r["outcome"] not in ("created", "updated", "existing"):
                        failures.append(f"{key}: outcome {r['outcome']}")
                    if r["outcome"] == "existing" and r["vendor"] in LOOKUP_VENDORS and not r["partner_id"]:
                        existing_without_id[r["vendor"]] = existing_without_id.get(r["vendor"], 0) + 1
                else:
                    errors[r["error"]["code"]] = errors.get(r["error"]["code"], 0) + 1
                    if r["error"]["retryable"]:
                        failures.append(f"{key}: ended with a retryable error {r['error']['code']}")
        # Every `existing` of a vendor with a lookup, in every run (killed ones included), was settled by the
        # lookup before the create was sent again: a create re-sent for a partner that was there would come
        # back as Partnero's "already exists" or Dub's upsert answer, without that warning.
        resent = {}
        for k in range(args.kills + 1):
            path = os.path.join(workdir, "final.out" if k == args.kills else f"run{k}.out")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                for line in f:
                    try:
                        r = json.loads(line)
                    except ValueError:
                        continue  # a line torn by the kill
                    if r.get("error") is None and r.get("outcome") == "existing" and not r.get("from_journal") \
                            and r["vendor"] in LOOKUP_VENDORS \
                            and not any(FOUND_BEFORE_RESEND in w for w in r.get("warnings", [])):
                        resent[r["vendor"]] = resent.get(r["vendor"], 0) + 1
        for v, n in resent.items():
            failures.append(f"{v}: {n} `existing` results not settled by a lookup before the create was re-sent")
        for v, n in existing_without_id.items():
            failures.append(f"{v}: {n} `existing` results without the partner's id (the lookup should give it)")
        if len(seen) != args.items * len(VENDORS):
            failures.append(f"{len(seen)} results, expected {args.items * len(VENDORS)}")

        # The sandbox holds exactly one partner per (vendor, email).
        state = sandbox_state(info["url"], ca)
        wanted = {f"p{i}@co{i}.example" for i in range(args.items)}
        counters, resends = {}, {}
        for v in VENDORS:
            vs = state["vendors"][v]
            partners = vs["partners"]
            records = partners.values() if isinstance(partners, dict) else partners
            emails = [e for rec in records for e in partner_emails(rec)]
            dupes = len(emails) - len(set(emails))
            missing = wanted - set(emails)
            extra = set(emails) - wanted
            if dupes:
                failures.append(f"{v}: {dupes} partners stored twice")
            if missing:
                failures.append(f"{v}: {len(missing)} partners missing, e.g. {sorted(missing)[:3]}")
            if extra:
                failures.append(f"{v}: {len(extra)} unexpected partners")
            counters[v] = vs.get("counters")
            # The sandbox counts, per partner, the creates that named it and those sent after a lookup had
            # answered with it. With reconciliation by lookup there must be none of the latter.
            if v in LOOKUP_VENDORS:
                creates = sum(rec["creates"] for rec in records)  # KeyError: the sandbox lacks the counter
                after_found = sum(rec["createsAfterFound"] for rec in records)
                resends[v] = (creates - len(records), after_found)
                if after_found:
                    failures.append(f"{v}: {after_found} creates re-sent for partners a lookup had found")

        print(f"  final run: exit {rc}, {elapsed:.1f} s in all; outcomes {outcomes}, errors {errors}", flush=True)
        print(f"  sandbox counters: {json.dumps(counters)}", flush=True)
        for v, (again, after_found) in resends.items():
            print(f"  {v}: {again} creates sent again for a partner already stored (answers lost or runs killed); "
                  f"{after_found} of them after a lookup had found the partner", flush=True)
    finally:
        sandbox.send_signal(signal.SIGTERM)
        try:
            sandbox.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sandbox.kill()
    for f in failures[:20]:
        print("FAIL: " + f)
    print(f"soak: {'1 passed, 0 failed' if not failures else '0 passed, 1 failed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
