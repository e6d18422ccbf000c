#!/usr/bin/env python3
"""find, get, update, deactivate from the command line against one `partnerkit sandbox`: partners
provisioned with external ids are found by external_id and by email, read by partner_id and
partner_id.<vendor> (CSV), updated (Partnero) and deactivated (Dub, by lookup); usage errors exit 2;
a provision journal is refused by update; exit 1 when a row is not found."""
import json, os, signal, subprocess, sys, tempfile

cli = sys.argv[1]
fails = []
work = tempfile.mkdtemp(prefix="partnerkit-lifecycle-cli-")
ca = os.path.join(work, "ca.pem")


def write(name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text)
    return path


sb = subprocess.Popen([cli, "sandbox", "--port", "0", "--ca-out", ca], stdout=subprocess.PIPE,
                      stderr=subprocess.DEVNULL, text=True)
try:
    info = json.loads(sb.stdout.readline())
    env = dict(os.environ)
    for v in ("dub", "partnero"):
        env[v.upper() + "_API_KEY"] = info["keys"][v]
    common = ["--vendor", "dub,partnero", "--base-url", info["url"], "--ca-file", ca, "--progress", "never"]

    def run(cmd, *args, stdin=None):
        r = subprocess.run([cli, cmd, *args], capture_output=True, text=True, env=env, timeout=120, input=stdin)
        lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
        return r.returncode, {(l["vendor"], l["index"]): l for l in lines}, r.stderr

    items = write("items.jsonl", "".join(json.dumps({"email": f"p{i}@co{i}.example", "name": f"Partner {i}",
                                                     "external_id": f"crm-{i}"}) + "\n" for i in range(3)))
    journal = os.path.join(work, "provision-journal.jsonl")
    rc, made, err = run("provision", "--input", items, "--journal", journal, *common)
    if rc != 0 or len(made) != 6:
        fails.append(f"provision: exit {rc}, {len(made)} results\n{err}")

    rc, found, err = run("find", "--input", items, *common)
    for key, line in made.items():
        f = found.get(key)
        if not f or f["outcome"] != "existing" or f["partner_id"] != line["partner_id"] or not f["partner_id"]:
            fails.append(f"find {key}: {f} (made {line['partner_id']})")
    if rc != 0:
        fails.append(f"find: exit {rc}\n{err}")

    # By email only: Dub has it, Partnero does not (unsupported, nothing sent) -> exit 1.
    by_email = write("by-email.jsonl", json.dumps({"email": "p1@co1.example"}) + "\n")
    rc, found, err = run("find", "--input", by_email, "--by", "email", *common)
    if rc != 1 or found[("dub", 0)]["partner_id"] != made[("dub", 1)]["partner_id"] \
            or found[("partnero", 0)]["error"]["code"] != "unsupported_operation":
        fails.append(f"find --by email: exit {rc}, {found}")

    # get by partner_id.<vendor> columns (CSV).
    csv = "email,partner_id.dub,partner_id.partnero\n" + "".join(
        f"p{i}@co{i}.example,{made[('dub', i)]['partner_id']},{made[('partnero', i)]['partner_id']}\n" for i in range(3))
    rc, got, err = run("get", "--input", "-", *common, stdin=csv)
    if rc != 0 or any(got[k]["partner_id"] != made[k]["partner_id"] for k in made):
        fails.append(f"get: exit {rc}, {got}\n{err}")

    # update on Partnero (by lookup: no partner_id in the rows); the email and external_id are not changed.
    changes = write("changes.jsonl", json.dumps({"email": "p0@co0.example", "external_id": "crm-0",
                                                 "name": "Renamed Zero"}) + "\n")
    up_journal = os.path.join(work, "update-journal.jsonl")
    rc, upd, err = run("update", "--input", changes, "--vendor", "partnero", "--journal", up_journal,
                       "--base-url", info["url"], "--ca-file", ca, "--progress", "never")
    u = upd.get(("partnero", 0))
    if rc != 0 or not u or u["outcome"] != "updated" or u["partner_id"] != made[("partnero", 0)]["partner_id"]:
        fails.append(f"update: exit {rc}, {upd}\n{err}")
    rc, upd, err = run("update", "--input", changes, "--vendor", "partnero", "--journal", up_journal,
                       "--base-url", info["url"], "--ca-file", ca, "--progress", "never")
    if rc != 0 or not upd[("partnero", 0)]["from_journal"]:
        fails.append(f"update resumed from its journal: exit {rc}, {upd}")
    rc, _, err = run("update", "--input", changes, "--vendor", "partnero", "--journal", journal,
                     "--base-url", info["url"], "--ca-file", ca, "--progress", "never")
    if rc != 2 or "journal" not in err:
        fails.append(f"update with a provision journal: exit {rc}, {err}")

    # deactivate on Dub by lookup; a row nobody has is not_found, exit 1.
    leavers = write("leavers.jsonl", json.dumps({"email": "p2@co2.example", "external_id": "crm-2"}) + "\n" +
                    json.dumps({"email": "nobody@nowhere.example"}) + "\n")
    rc, off, err = run("deactivate", "--input", leavers, "--vendor", "dub", "--base-url", info["url"],
                       "--ca-file", ca, "--progress", "never")
    d = off.get(("dub", 0))
    if rc != 1 or not d or d["outcome"] != "updated" or d["status"] != "deactivated" \
            or off.get(("dub", 1), {}).get("error", {}).get("code") != "not_found":
        fails.append(f"deactivate: exit {rc}, {off}\n{err}")

    for bad in (["find", "--input", items, "--by", "nonsense"], ["provision", "--input", items, "--reconcile", "x"],
                ["provision", "--input", items, "--id-namespace", "n"], ["get", "--input", items, "--journal", "j"]):
        r = subprocess.run([cli, bad[0], "--vendor", "dub", *bad[1:]], capture_output=True, text=True, env=env)
        if r.returncode != 2:
            fails.append(f"{' '.join(bad)}: exit {r.returncode}, expected 2")
finally:
    sb.send_signal(signal.SIGTERM)
    sb.wait(timeout=10)

for f in fails:
    print("FAIL: " + f)
print("lifecycle cli: " + ("ok" if not fails else f"{len(fails)} failure(s)"))
sys.exit(1 if fails else 0)
