#!/usr/bin/env bash
# check-leaks.sh FILE...: fails (exit 1) when any FILE holds a secret of scripts/leak-canaries.txt
# (or of $PARTNERKIT_LEAK_CANARIES, a file of the same format) in any form: plain, JSON-escaped,
# URL-encoded, base64 at each of the 3 alignments (so Basic auth and base64 blobs too), hex, any
# letter case. Prints where, never the secret. Missing files are an error: a check that reads
# nothing proves nothing.
#   make test / make soak / make demo run it over their own output; .ci/run over `make test`'s.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
canaries=${PARTNERKIT_LEAK_CANARIES:-$here/leak-canaries.txt}
if [[ $# -eq 0 ]]; then
  echo "usage: check-leaks.sh FILE..." >&2
  exit 2
fi
exec python3 - "$canaries" "$@" <<'PY'
import base64, json, sys, urllib.parse

canary_file, files = sys.argv[1], sys.argv[2:]
secrets = [l.strip() for l in open(canary_file, encoding="utf-8") if l.strip() and not l.startswith("#")]
if not secrets:
    sys.exit(f"check-leaks: no canaries in {canary_file}")

def b64_cores(s):
    out = []
    raw = s.encode()
    for align in range(3):
        padded = b"\0" * align + raw
        enc = base64.b64encode(padded).decode().rstrip("=")
        full, rest = divmod(len(padded), 3)
        keep_end = full * 4 + (rest * 8) // 6
        skip = (8 * align + 5) // 6
        core = enc[skip:keep_end]
        out += [core, core.replace("+", "-").replace("/", "_")]
    return out

def forms(s):
    f = {"plain": s, "json": json.dumps(s)[1:-1], "url": urllib.parse.quote(s, safe=""),
         "form": urllib.parse.quote_plus(s), "hex": s.encode().hex()}
    for i, core in enumerate(b64_cores(s)):
        f[f"base64[{i}]"] = core
    return {k: v.lower() for k, v in f.items() if v}

all_forms = [(n, name, form) for n, s in enumerate(secrets, 1) for name, form in forms(s).items()]
leaks = 0
for path in files:
    try:
        text = open(path, "rb").read().decode("utf-8", "replace").lower()
    except OSError as e:
        print(f"check-leaks: cannot read {path}: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    for n, name, form in all_forms:
        at = text.find(form)
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            print(f"check-leaks: {path}:{line}: holds the {name} form of canary #{n} of {canary_file}")
            leaks += 1
if leaks:
    print(f"check-leaks: {leaks} leak(s) found", file=sys.stderr)
    sys.exit(1)
print(f"check-leaks: {len(files)} file(s) clean of {len(secrets)} canaries in {len(all_forms)} forms")
PY
