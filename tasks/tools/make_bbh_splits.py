#!/usr/bin/env python3
"""Makes tasks/bbh/data/<subtask>/{train,dev,test}.jsonl from ../shared/data/bbh.

BBH has one split per subtask; each is cut 40% train, 20% dev, 40% test by a seeded order of the
row ids (the same order shuffle_splits.py uses), so the files come out byte-identical on every
run and do not depend on upstream's row order. Rows are copied unchanged. Run from the
repository root:
    python3 tasks/tools/make_bbh_splits.py ../shared/data
"""
import json
import shutil
import sys
from pathlib import Path

from shuffle_splits import scrambled

ROOT = Path(__file__).resolve().parents[1]
SUBTASKS = [
    "causal_judgement", "date_understanding", "formal_fallacies", "logical_deduction_five_objects",
    "navigate", "object_counting", "tracking_shuffled_objects_three_objects", "web_of_lies",
]
SEED = 20261201


def main():
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data").resolve() / "bbh"
    out = ROOT / "bbh/data"
    for subtask in SUBTASKS:
        with open(src / f"{subtask}.jsonl", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        ordered = scrambled(rows, SEED)
        n_train, n_dev = round(len(rows) * 0.4), round(len(rows) * 0.2)
        splits = {"train": ordered[:n_train], "dev": ordered[n_train:n_train + n_dev], "test": ordered[n_train + n_dev:]}
        (out / subtask).mkdir(parents=True, exist_ok=True)
        for name, part in splits.items():
            with open(out / subtask / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for r in part:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(f"{subtask}: " + ", ".join(f"{k} {len(v)}" for k, v in splits.items()))
    for name in ["LICENSE", "SOURCE.md", "CANARY.txt"]:
        shutil.copyfile(src / name, out / name)


if __name__ == "__main__":
    main()
