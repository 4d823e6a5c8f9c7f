"""Writes the head-to-head's section of BENCHMARKS.md (between its two markers, replacing an
older one; make bench keeps everything below its own "recorded by hand" line)."""
import os
import platform

START, END = "<!-- bench-tune:start -->", "<!-- bench-tune:end -->"


def ci(x):
    mean, lo, hi = x
    return f"{mean:.3f} [{lo:.3f}, {hi:.3f}]"


def gain(x):
    mean, lo, hi = x
    return f"{mean:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def minutes(s):
    return f"{s / 60:.1f} min"


def section(r):
    train, dev, test = r["sizes"]
    cores = os.cpu_count()
    out = [START, "## Head-to-head: rpt tune, DSPy GEPA, DSPy MIPROv2 (written by `make bench-tune`)", ""]
    out.append(f"- date: {r['date']}; machine: {cores} cores, {platform.machine()}; command: `{r['command']}`")
    out.append(f"- pack `{r['pack']}`: seeded samples (seed {r['seed']}) of {train} train, {dev} dev and {test} test examples, "
               "the same for all three (bench/packs.py writes them as a pack of their own)")
    out.append(f"- target `{r['target']}`, reflection/optimizer `{r['optimizer']}`, each behind one llama.cpp server "
               f"(`rpt serve`) that all three use; target replies at temperature 0, at most {r['max_tokens']} tokens")
    out.append(f"- rpt tune: `{r['rpt_args']} --train-sample 0`; DSPy gets the target calls rpt used for optimizing "
               f"({r['budget']}): GEPA `max_metric_calls`, MIPROv2 (0 bootstrapped, 0 labeled demos, "
               "no minibatches) budget / dev - 2 trials, as it runs one more")
    out.append("- test scores: `rpt eval` of the initial and of each final prompt on the same test examples; "
               "95% intervals by bootstrap, the gain's paired (10,000 resamples)")
    out.append("")
    out.append("| method | test before | test after | gain (paired) | target calls | optimizer calls, tokens in/out | wall (optimizing) | prompt changed |")
    out.append("|---|---|---|---|---|---|---|---|")
    for label, m in r["methods"].items():
        o = m.get("optimizer") or {}
        out.append(f"| {label} | {ci(m['before'])} | {ci(m['after'])} | {gain(m['gain'])} | {m['target_calls']} | "
                   f"{o.get('calls', '-')}, {o.get('tokens_in', '-')}/{o.get('tokens_out', '-')} | {minutes(m['seconds'])} | "
                   f"{'yes' if m['changed'] else 'no'} |")
    out.append("")
    out.append(f"Whole `make bench-tune` wall time: {minutes(r['wall_seconds'])} (including the test evaluations and the prompt-cache probe).")
    if "rpt tune" in r["methods"]:
        f = r["methods"]["rpt tune"]["own_final"]
        out.append(f"rpt tune's own final test run said {f['initial_score']:.3f} -> {f['best_score']:.3f} "
                   f"(gain {f['gain']:+.3f}, 95% CI [{f['gain_ci95'][0]:+.3f}, {f['gain_ci95'][1]:+.3f}]).")
    out.append("")
    out.append("llama.cpp's prompt cache, from the server's own `timings` of requests sent one after another with the "
               "pack's system text and instruction and different examples (`prompt_n` tokens read, `cache_n` taken from the cache):")
    out.append("")
    out.append("| model | request | prompt_n | cache_n | prompt tokens/s | generation tokens/s |")
    out.append("|---|---|---|---|---|---|")
    for model, rows in r["prompt_cache"].items():
        for i, t in enumerate(rows, 1):
            pps, gps = t.get("prompt_per_second"), t.get("predicted_per_second")
            out.append(f"| {model} | {i} | {t.get('prompt_n')} | {t.get('cache_n')} | "
                       f"{pps and round(pps, 1)} | {gps and round(gps, 1)} |")
    out.append(END)
    return "\n".join(out) + "\n"


def write_section(path, report):
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    new = section(report)
    if START in text and END in text:
        text = text[: text.index(START)] + new + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + new
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":                 # rewrite the section from a saved OUT/h2h.json
    import json
    import sys
    write_section(sys.argv[2], json.load(open(sys.argv[1])))
