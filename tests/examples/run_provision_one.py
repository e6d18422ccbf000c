#!/usr/bin/env python3
"""Runs examples/provision_one against `partnerkit sandbox` (a separate process on 127.0.0.1) with TLS
verification on, trusting only the sandbox's CA: the example must provision, and a second run must
find the partner already there (Dub upserts by email)."""
import json, os, signal, subprocess, sys, tempfile

cli, example = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="partnerkit-example-")
ca = os.path.join(work, "ca.pem")
sb = subprocess.Popen([cli, "sandbox", "--port", "0", "--ca-out", ca], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    info = json.loads(sb.stdout.readline())
    env = dict(os.environ, DUB_API_KEY=info["keys"]["dub"], PARTNERKIT_DUB_BASE_URL=info["url"], PARTNERKIT_CA_FILE=ca)
    outs = []
    for _ in range(2):
        r = subprocess.run([example], env=env, capture_output=True, text=True, timeout=60)
        print(r.stdout + r.stderr, end="")
        if r.returncode != 0:
            sys.exit(f"provision_one exited {r.returncode}")
        outs.append(r.stdout)
    if "provisioned ada@example.com" not in outs[0] or "pn_" not in outs[0]:
        sys.exit("unexpected output of the first run")
    if info["keys"]["dub"] in outs[0] + outs[1]:
        sys.exit("the API key was printed")
    # Without the sandbox CA, verification fails: nothing is provisioned.
    env.pop("PARTNERKIT_CA_FILE")
    r = subprocess.run([example], env=env, capture_output=True, text=True, timeout=60)
    if r.returncode == 0 or "tls" not in r.stderr:
        sys.exit("an untrusted certificate was accepted: " + r.stdout + r.stderr)
    print("1 passed, 0 failed")
finally:
    sb.send_signal(signal.SIGTERM)
    sb.wait(timeout=10)
