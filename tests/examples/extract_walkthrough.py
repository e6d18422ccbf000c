#!/usr/bin/env python3
"""Writes the code blocks of a walkthrough (a Markdown page) to files, so a test builds exactly what
the page shows. A ```cpp block whose first line is "// file: NAME" becomes OUTDIR/NAME (several blocks
naming one file are joined in order). Every NAME given on the command line must be on the page.

usage: extract_walkthrough.py PAGE OUTDIR NAME...
"""
import os
import re
import sys


def main():
    page, outdir, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
    text = open(page, encoding="utf-8").read()
    files = {}
    for block in re.findall(r"^```cpp\n(.*?)^```", text, flags=re.S | re.M):
        first, _, rest = block.partition("\n")
        m = re.fullmatch(r"// file: (\S+)", first.strip())
        if m:
            files.setdefault(m.group(1), []).append(block)
    missing = [w for w in wanted if w not in files]
    if missing:
        sys.exit(f"{page}: no code block for {', '.join(missing)} (a ```cpp block starting with // file: NAME)")
    os.makedirs(outdir, exist_ok=True)
    for name in wanted:
        content = "".join(files[name])
        path = os.path.join(outdir, name)
        # Written only when it changed, so an unrelated edit of the page rebuilds nothing.
        if not os.path.exists(path) or open(path, encoding="utf-8").read() != content:
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)


if __name__ == "__main__":
    main()
