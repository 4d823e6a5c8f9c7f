#!/usr/bin/env python3
"""`make bench-tune`: rpt tune against DSPy's GEPA and MIPROv2 (instructions only) on the same
pack data, target model, reflection/optimizer model, llama.cpp servers and budget of target
calls. Every before/after test score comes from `rpt eval` on the same test sample, so all three
are scored by the same code. Writes OUT/h2h.json and a section of BENCHMARKS.md.

    tune_h2h.py --pack tasks/banking77 --target local:qwen2.5-coder-0.5b --optimizer local:qwen2.5-coder-1.5b
"""
import argparse
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from packs import make_subset, pack_functions, read_jsonl  # noqa: E402
from servers import Servers, prompt_cache_probe  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RPT = os.path.join(ROOT, ".build/release/rpt")


def run(cmd, log=None, **kw):
    """Runs a command, echoing it; returns (stdout, seconds). Output also goes to LOG."""
    print("$ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    start = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    seconds = time.time() - start
    if log:
        with open(log, "w") as f:
            f.write(p.stdout + "\n--- stderr ---\n" + p.stderr)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
        raise SystemExit(f"failed ({p.returncode}): {cmd[0]} {cmd[1] if len(cmd) > 1 else ''}")
    return p.stdout, seconds


def rpt_eval(a, pack, prompt, name):
    out = os.path.join(a.out, "eval-" + name)
    cmd = [RPT, "eval", pack, "--target", a.target, "--split", "test", "--no-cache", "--json",
           "--max-tokens", str(a.max_tokens), "--out", out] + (["--prompt", prompt] if prompt else [])
    stdout, seconds = run(cmd, log=out + ".log")
    rows = read_jsonl(os.path.join(out, "results.jsonl"))
    return {r["id"]: r for r in rows}, json.loads(stdout.strip().splitlines()[-1]), seconds


def bootstrap(values, seed, n=10000):
    rng = random.Random(seed)
    k = len(values)
    means = sorted(sum(values[rng.randrange(k)] for _ in range(k)) / k for _ in range(n))
    return sum(values) / k, means[int(0.025 * n)], means[int(0.975 * n) - 1]


def starting_prompt(a, pack):
    """The pack's starting prompt as rpt sends it, read back from one recorded request."""
    cassette = os.path.join(a.out, "probe.jsonl")
    run([RPT, "eval", pack, "--target", a.target, "--split", "dev", "--limit", "1", "--no-cache", "--max-tokens",
         str(a.max_tokens), "--record", cassette, "--out", os.path.join(a.out, "eval-probe")])
    messages = json.loads(open(cassette).readline())["request"]["messages"]
    system = next((m["content"] for m in messages if m["role"] == "system"), "")
    user = messages[-1]["content"]
    render, _ = pack_functions(pack)
    for ex in read_jsonl(os.path.join(pack, "data", "dev.jsonl")):     # whichever example --limit 1 drew
        if user.endswith("\n\n" + render(ex)):
            return system, user[: -len("\n\n" + render(ex))]
    raise SystemExit("bench/packs.py renders this pack differently from the pack itself: fix it first")


def check_scoring(pack, results):
    """The Python metric DSPy optimizes must agree with the pack's score on rpt's own replies."""
    _, score = pack_functions(pack)
    test = {ex["id"]: ex for ex in read_jsonl(os.path.join(pack, "data", "test.jsonl"))}
    bad = [i for i, r in results.items() if "reply" in r and abs(score(r["reply"], test[i])[0] - r.get("score", 0)) > 1e-9]
    if bad:
        raise SystemExit(f"bench/packs.py scores {len(bad)} replies differently from the pack (e.g. {bad[0]}): fix it first")


def rpt_tune(a, pack):
    folder = os.path.join(a.out, "rpt-run")
    shutil.rmtree(folder, ignore_errors=True)          # a fresh run, never a resumed one
    cmd = [RPT, "tune", pack, "--target", a.target, "--optimizer", a.optimizer, "--train-sample", "0",
           "--max-tokens", str(a.max_tokens), "--seed", str(a.seed), "--run", folder] + shlex.split(a.rpt_args)
    stdout, seconds = run(cmd, log=os.path.join(a.out, "rpt-tune.log"))
    events = read_jsonl(os.path.join(folder, "events.jsonl"))
    stamp = {e["type"]: datetime.fromisoformat(e["time"].replace("Z", "+00:00")) for e in events}
    optimizing = (stamp["stopped"] - stamp["run_started"]).total_seconds()
    final = json.load(open(os.path.join(folder, "final.json")))
    best, initial = (json.load(open(os.path.join(d, f))) for d, f in ((folder, "best_prompt.json"), (a.out, "initial.json")))
    changed = (best["system"], best["instruction"]) != (initial["system"], initial["instruction"])
    # summary.json keeps the printed table's token counts, live and cached apart; tokens here are live ones.
    lines = {}
    for line in json.load(open(os.path.join(folder, "summary.json")))["tokens"]:
        live, cached = line["live"], line["cached"]
        lines[line["role"]] = {"calls": live["calls"] + cached["calls"], "cached": cached["calls"],
                               "tokens_in": live["input_tokens"], "tokens_out": live["output_tokens"]}
    test_calls = final["test_examples"] * (2 if changed else 1)
    target = lines["target"]
    return {"prompt": os.path.join(folder, "best_prompt.json"), "seconds": optimizing, "total_seconds": seconds,
            "target_calls": target["calls"] - target["cached"] - test_calls, "optimizer": lines["optimizer"],
            "own_final": final, "changed": changed, "stdout": stdout}


def dspy_tune(a, pack, which, system, instruction, budget, servers):
    out = os.path.join(a.out, which)
    settings = {"optimizer": which, "pack_dir": pack, "system": system, "instruction": instruction,
                "target_url": servers.url(a.target), "target_model": a.target.split(":", 1)[1],
                "reflection_url": servers.url(a.optimizer), "reflection_model": a.optimizer.split(":", 1)[1],
                "budget": budget, "max_tokens": a.max_tokens, "optimizer_max_tokens": 2048, "optimizer_temperature": 0.7,
                "threads": servers.slots, "seed": a.seed, "out": out}
    os.makedirs(out, exist_ok=True)
    json.dump(settings, open(os.path.join(out, "settings.json"), "w"), indent=1)
    env = dict(os.environ, LITELLM_LOCAL_MODEL_COST_MAP="True")
    run([a.python, os.path.join(ROOT, "bench/dspy_tune.py"), os.path.join(out, "settings.json")],
        log=os.path.join(a.out, which + ".log"), env=env)
    stats = json.load(open(os.path.join(out, "stats.json")))
    r = stats["reflection"]
    return {"prompt": os.path.join(out, "prompt.json"), "seconds": stats["seconds"], "target_calls": stats["target"]["calls"],
            "optimizer": {"calls": r["calls"], "tokens_in": r["tokens_in"], "tokens_out": r["tokens_out"]}, "changed": stats["changed"]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pack", default="tasks/banking77")
    p.add_argument("--target", default="local:qwen2.5-coder-0.5b")
    p.add_argument("--optimizer", default="local:qwen2.5-coder-1.5b")
    p.add_argument("--train", type=int, default=30)
    p.add_argument("--dev", type=int, default=40)
    p.add_argument("--test", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--rpt-args", default="--rounds 3 --candidates 2 --tool-calls 4 --patience 3")
    p.add_argument("--budget", type=int, help="target calls for DSPy (default: what rpt tune used)")
    p.add_argument("--only", default="rpt,gepa,mipro", help="methods to run; the others keep their saved results in OUT")
    p.add_argument("--python", default=os.path.join(ROOT, ".venv-bench/bin/python"))
    p.add_argument("--out", default=os.path.join(ROOT, "runs/bench-tune"))
    p.add_argument("--benchmarks", default=os.path.join(ROOT, "BENCHMARKS.md"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    name = os.path.basename(os.path.normpath(a.pack))
    pack = os.path.join(a.out, "pack", name)      # keeps the pack's name: bench/packs.py goes by it
    make_subset(a.pack, pack, (a.train, a.dev, a.test), a.seed)
    started = time.time()
    with Servers([a.target, a.optimizer], RPT) as servers:
        system, instruction = starting_prompt(a, pack)
        json.dump({"system": system, "instruction": instruction}, open(os.path.join(a.out, "initial.json"), "w"), indent=1)
        cache = {m: prompt_cache_probe(servers.url(m), m.split(":", 1)[1], system, instruction,
                                       [pack_functions(pack)[0](ex) for ex in read_jsonl(os.path.join(pack, "data", "dev.jsonl"))[:4]])
                 for m in dict.fromkeys([a.target, a.optimizer])}
        before, before_summary, before_seconds = rpt_eval(a, pack, None, "initial")
        check_scoring(pack, before)
        methods = {}

        def measured(key, label, work):
            """Runs a method (when --only names it) and saves its result; a method not run this
            time keeps the result an earlier run saved in OUT, so one can be run again alone."""
            path = os.path.join(a.out, "result-" + key + ".json")
            if key in a.only.split(","):
                m = work()
                m.pop("stdout", None)
                m["measured"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
                json.dump(m, open(path, "w"), indent=1)
            elif os.path.exists(path):
                m = json.load(open(path))
            else:
                return
            methods[label] = m

        measured("rpt", "rpt tune", lambda: rpt_tune(a, pack))
        # DSPy gets what rpt used, but at least 4 dev passes: GEPA and MIPROv2 spend one on the baseline.
        budget = a.budget or max(methods.get("rpt tune", {}).get("target_calls") or 0, 4 * a.dev)
        for which, label in (("gepa", "DSPy GEPA"), ("mipro", "DSPy MIPROv2")):
            measured(which, label, lambda: dspy_tune(a, pack, which, system, instruction, budget, servers))
        for label, m in methods.items():
            # An unchanged prompt is the initial one: its test replies are the ones already scored.
            after, summary = (before, before_summary) if not m["changed"] else rpt_eval(a, pack, m["prompt"], label.split()[-1].lower())[:2]
            ids = sorted(before)
            b = [before[i].get("score", 0.0) for i in ids]
            f = [after[i].get("score", 0.0) for i in ids]
            m["before"], m["after"] = bootstrap(b, a.seed), bootstrap(f, a.seed)
            m["gain"] = bootstrap([y - x for x, y in zip(b, f)], a.seed)
            m["after_format_errors"] = summary.get("format_error_rate")
    report = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "pack": name, "target": a.target,
              "optimizer": a.optimizer, "sizes": [a.train, a.dev, a.test], "seed": a.seed, "max_tokens": a.max_tokens,
              "rpt_args": a.rpt_args, "budget": budget, "prompt_cache": cache, "methods": methods,
              "initial_test_eval_seconds": before_seconds, "wall_seconds": time.time() - started,
              "command": "make bench-tune  (" + " ".join(shlex.quote(x) for x in sys.argv) + ")"}
    json.dump(report, open(os.path.join(a.out, "h2h.json"), "w"), indent=1)
    from h2h_report import write_section
    write_section(a.benchmarks, report)
    print(open(os.path.join(a.out, "h2h.json")).read())


if __name__ == "__main__":
    main()
