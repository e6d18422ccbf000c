#!/usr/bin/env python3
"""The CLI with --plugin: the Tolt plugin's vendor is listed, provisioned in one batch beside the
built-ins against the sandbox (which serves the plugin's simulator), and a bad plugin exits 2."""
import json, os, signal, subprocess, sys, tempfile

cli, tolt, no_entry = sys.argv[1], sys.argv[2], sys.argv[3]
fails = []

r = subprocess.run([cli, "--plugin", tolt, "vendors"], capture_output=True, text=True)
names = [json.loads(l)["name"] for l in r.stdout.splitlines() if l.strip()]
if r.returncode != 0 or names != ["dub", "journeybee", "partnero", "tolt"]:
    fails.append(f"vendors with the plugin: exit {r.returncode}, {names}")

# --help lists the plugin's vendor and its variables, with --plugin before or after the command.
for args in ([cli, "--plugin", tolt, "--help"], [cli, "render", "--help", "--plugin", tolt]):
    r = subprocess.run(args, capture_output=True, text=True)
    tolt_line = [l for l in r.stdout.splitlines() if l.strip().startswith("tolt ")]
    if r.returncode != 0 or not tolt_line or "TOLT_API_KEY" not in tolt_line[0] \
            or "PARTNERKIT_TOLT_BASE_URL" not in tolt_line[0] or "DUB_API_KEY" not in r.stdout:
        fails.append(f"{args[1:]}: exit {r.returncode}, no tolt line with its variables:\n{r.stdout}")
r = subprocess.run([cli, "vendors", "--plugin", tolt], capture_output=True, text=True)
if r.returncode != 0 or '"name":"tolt"' not in r.stdout:
    fails.append(f"--plugin after the command: exit {r.returncode}, {r.stderr!r}")

r = subprocess.run([cli, "--plugin", no_entry, "vendors"], capture_output=True, text=True)
if r.returncode != 2 or "plugin" not in r.stderr:
    fails.append(f"a library without the entry point: exit {r.returncode}, {r.stderr!r}")

r = subprocess.run([cli, "--plugin"], capture_output=True, text=True)
if r.returncode != 2:
    fails.append(f"--plugin without a path: exit {r.returncode}")

items = os.path.join(tempfile.mkdtemp(prefix="partnerkit-plugin-cli-"), "items.jsonl")
with open(items, "w") as f:
    for i in range(3):
        f.write(json.dumps({"email": f"p{i}@plugin{i}.example", "name": f"Plugin Partner {i}", "company": f"Co {i}"}) + "\n")
cmd = [cli, "--plugin", tolt, "provision", "--sandbox", "--vendor", "dub,partnero,journeybee,tolt", "--input", items,
       "--progress", "never"]
r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
lines = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
got = sorted((l["vendor"], l["index"], l["outcome"]) for l in lines)
want = sorted((v, i, "created") for v in ["dub", "partnero", "journeybee", "tolt"] for i in range(3))
if r.returncode != 0 or got != want:
    fails.append(f"provision with the plugin vendor: exit {r.returncode}, {got}\n{r.stderr}")

sb = subprocess.Popen([cli, "--plugin", tolt, "sandbox"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    info = json.loads(sb.stdout.readline())
    if "tolt" not in info.get("keys", {}):
        fails.append(f"the sandbox does not announce the plugin's vendor: {info}")
finally:
    sb.send_signal(signal.SIGTERM)
    sb.wait(timeout=10)

for f in fails:
    print("FAIL: " + f)
print(f"{0 if fails else 1} passed, {1 if fails else 0} failed")
sys.exit(1 if fails else 0)
