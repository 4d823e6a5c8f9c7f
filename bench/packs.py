"""What the head-to-head needs to know about a task pack, reproduced in Python for DSPy: how an
example becomes the user turn (the pack's `render`) and how a reply is scored (its `extract` +
`score`). The starting prompt is not copied here: tune_h2h.py reads it from a request rpt itself
sent, and checks these functions against rpt's own scores on real replies before any optimizer
runs, so a drift between this file and the Lua pack stops the bench instead of skewing it.
"""
import json
import os
import random
import re
import shutil
import string


def first_json_object(text):
    """The first JSON object in chatty text (code fences and all), as rpt.json.extract finds it."""
    decoder = json.JSONDecoder()
    for m in re.finditer(r"\{", text or ""):
        try:
            value, _ = decoder.raw_decode(text, m.start())
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


# banking77 ---------------------------------------------------------------------------------------
def canonical(s):
    return re.sub(r"[\s\-]+", "_", s.strip().lower())


def banking77_render(ex):
    return "Customer message: " + ex["text"]


def banking77_score(reply, ex):
    obj = first_json_object(reply)
    if obj is None:
        return 0.0, "format: no JSON object in the reply"
    intent = obj.get("intent", obj.get("label"))
    if not isinstance(intent, str):
        return 0.0, 'format: the JSON has no "intent" string'
    want = canonical(ex["label"])
    if canonical(intent) == want:
        return 1.0, "correct"
    return 0.0, f"wrong: answered {canonical(intent)}, the right intent is {want}"


# snips-slots -------------------------------------------------------------------------------------
def squad_normalize(s):
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def slot_pairs(slots):
    out = []
    for name, v in slots.items():
        for x in (v if isinstance(v, list) else [v]):
            out.append(name + "=" + squad_normalize(str(x)))
    return out


def snips_render(ex):
    return "Request: " + ex["text"]


def snips_score(reply, ex):
    obj = first_json_object(reply)
    if obj is None:
        return 0.0, "format: no JSON object in the reply"
    if isinstance(obj.get("slots"), dict):
        obj = obj["slots"]
    answer = {k: ([str(x) for x in v] if isinstance(v, list) else str(v)) for k, v in obj.items() if v is not None}
    got, want = slot_pairs(answer), slot_pairs(ex["slots"])
    if not got and not want:
        return 1.0, "correct"
    remaining, hit = {}, 0
    for p in want:
        remaining[p] = remaining.get(p, 0) + 1
    for p in got:
        if remaining.get(p, 0) > 0:
            remaining[p] -= 1
            hit += 1
    f1 = 0.0 if hit == 0 else 2 * (hit / len(got)) * (hit / len(want)) / (hit / len(got) + hit / len(want))
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    return f1, f"F1 {f1:.2f}; missing {missing or 'none'}; not expected {extra or 'none'}"


PACKS = {
    "banking77": (banking77_render, banking77_score),
    "snips-slots": (snips_render, snips_score),
}


def pack_functions(pack_dir):
    name = os.path.basename(os.path.normpath(pack_dir))
    if name not in PACKS:
        raise SystemExit(f"the head-to-head knows the packs {sorted(PACKS)}, not {name}: add its render and score to bench/packs.py")
    return PACKS[name]


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def make_subset(pack_dir, out_dir, sizes, seed):
    """A copy of the pack whose splits are seeded samples of the original's (train, dev, test
    sizes), so rpt and DSPy see exactly the same examples: the Lua files are copied as they are."""
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(os.path.join(out_dir, "data"))
    for name in os.listdir(pack_dir):
        if name.endswith(".lua"):
            shutil.copy(os.path.join(pack_dir, name), out_dir)
    rng = random.Random(seed)
    splits = {}
    for split, n in zip(("train", "dev", "test"), sizes):
        rows = read_jsonl(os.path.join(pack_dir, "data", split + ".jsonl"))
        rows = rng.sample(rows, min(n, len(rows)))
        with open(os.path.join(out_dir, "data", split + ".jsonl"), "w") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        splits[split] = rows
    return splits
