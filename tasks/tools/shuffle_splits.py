#!/usr/bin/env python3
"""Puts the dev and test files of the shipped packs in a seeded order, so the first rows are not
all one label (the upstream files are sorted by label, and carving kept that order).

The order is by a hash of each row's id and a fixed seed: it does not depend on the order the
rows come in, so running this again changes nothing. Rows are moved byte for byte, never
rewritten. make_splits.py orders the files it writes the same way. Run from the repository root:
    python3 tasks/tools/shuffle_splits.py
"""
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKS = ["banking77", "snips-slots", "gsm8k"]
SPLITS = ["dev", "test"]
SEED = 20261130


def order_key(row_id, seed=SEED):
    return hashlib.sha256(f"{seed}:{row_id}".encode("utf-8")).hexdigest()


def scrambled(rows, seed=SEED):
    """Rows (dicts with an "id") in the seeded order."""
    return sorted(rows, key=lambda r: order_key(r["id"], seed))


def shuffle_file(path):
    lines = [l for l in path.read_text(encoding="utf-8").splitlines(keepends=True) if l.strip()]
    lines = [l if l.endswith("\n") else l + "\n" for l in lines]
    ordered = sorted(lines, key=lambda l: order_key(json.loads(l)["id"]))
    assert sorted(ordered) == sorted(lines)
    path.write_text("".join(ordered), encoding="utf-8")
    return len(ordered)


def main():
    for pack in PACKS:
        for split in SPLITS:
            path = ROOT / pack / "data" / f"{split}.jsonl"
            print(f"{pack}/{split}: {shuffle_file(path)} rows")


if __name__ == "__main__":
    main()
