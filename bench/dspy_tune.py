#!/usr/bin/env python3
"""One DSPy optimizer (GEPA or MIPROv2, instructions only) on a task pack's examples, against the
same llama.cpp servers rpt uses; run by tune_h2h.py with .venv-bench's python (DSPy pinned there).

    dspy_tune.py SETTINGS.json

SETTINGS: optimizer ("gepa" | "mipro"), pack_dir (the subset pack), system, instruction (the
pack's starting prompt), target_url, target_model, reflection_url, reflection_model, budget (target
calls), max_tokens, optimizer_max_tokens, optimizer_temperature, threads, seed, out (a folder).
Writes OUT/prompt.json ({"system", "instruction"}, for `rpt eval --prompt`) and OUT/stats.json.
"""
import json
import os
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download at import
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dspy  # noqa: E402
from packs import pack_functions, read_jsonl  # noqa: E402


class PackTurn(dspy.Signature):
    """(replaced by the pack's instruction)"""
    message: str = dspy.InputField()
    reply: str = dspy.OutputField()


class PackAdapter(dspy.ChatAdapter):
    """Sends the task program exactly as rpt does (system text; instruction + blank line + the
    rendered example) and hands back the raw reply, so DSPy tunes the same prompt that rpt eval
    later scores. Every other signature (the optimizers' own proposers) gets DSPy's ChatAdapter."""

    def __init__(self, system):
        super().__init__()
        self.system = system

    @staticmethod
    def mine(signature):
        return list(signature.input_fields) == ["message"] and list(signature.output_fields) == ["reply"]

    def format(self, signature, demos, inputs):
        if not self.mine(signature):
            return super().format(signature, demos, inputs)
        instruction = signature.instructions.strip()
        user = instruction + "\n\n" + inputs["message"] if instruction else inputs["message"]
        return ([{"role": "system", "content": self.system}] if self.system else []) + [{"role": "user", "content": user}]

    def parse(self, signature, completion):
        return {"reply": completion} if self.mine(signature) else super().parse(signature, completion)


def usage(lm):
    """Calls and tokens of one model, from DSPy's global history: optimizers call copies of an
    LM (MIPROv2's proposer does), whose calls its own history misses."""
    from dspy.clients.base_lm import GLOBAL_HISTORY
    mine = [h for h in GLOBAL_HISTORY if h.get("model") == lm.model]
    tin = sum((h.get("usage") or {}).get("prompt_tokens", 0) or 0 for h in mine)
    tout = sum((h.get("usage") or {}).get("completion_tokens", 0) or 0 for h in mine)
    return {"calls": len(mine), "tokens_in": tin, "tokens_out": tout}


def main():
    s = json.load(open(sys.argv[1]))
    render, score = pack_functions(s["pack_dir"])
    target = dspy.LM("openai/" + s["target_model"], api_base=s["target_url"], api_key="local", cache=False,
                     temperature=0.0, max_tokens=s["max_tokens"], num_retries=3)
    reflection = dspy.LM("openai/" + s["reflection_model"], api_base=s["reflection_url"], api_key="local", cache=False,
                         temperature=s["optimizer_temperature"], max_tokens=s["optimizer_max_tokens"], num_retries=3)
    dspy.configure(lm=target, adapter=PackAdapter(s["system"]))

    def examples(split):
        return [dspy.Example(message=render(ex), example=ex).with_inputs("message")
                for ex in read_jsonl(os.path.join(s["pack_dir"], "data", split + ".jsonl"))]

    train, dev = examples("train"), examples("dev")
    program = dspy.Predict(PackTurn.with_instructions(s["instruction"]))

    def gepa_metric(gold, pred, trace=None, pred_name=None, pred_trace=None):
        value, why = score(pred.reply, gold.example)
        return dspy.Prediction(score=value, feedback=why)

    def plain_metric(gold, pred, trace=None):
        return score(pred.reply, gold.example)[0]

    start = time.time()
    if s["optimizer"] == "gepa":
        optimizer = dspy.GEPA(metric=gepa_metric, reflection_lm=reflection, max_metric_calls=s["budget"],
                              num_threads=s["threads"], seed=s["seed"], track_stats=False)
        tuned = optimizer.compile(program, trainset=train, valset=dev)
    else:
        # Instructions only: no bootstrapped or labeled demos. Each trial scores one candidate on
        # the whole dev set, plus the baseline, and MIPROv2 runs num_trials + 1.
        trials = max(1, s["budget"] // len(dev) - 2)     # it runs one trial more than asked
        optimizer = dspy.MIPROv2(metric=plain_metric, prompt_model=reflection, task_model=target, auto=None,
                                 num_candidates=s.get("mipro_candidates", 4), max_bootstrapped_demos=0, max_labeled_demos=0,
                                 num_threads=s["threads"], seed=s["seed"], init_temperature=s["optimizer_temperature"],
                                 verbose=False, track_stats=False)
        tuned = optimizer.compile(program, trainset=train, valset=dev, num_trials=trials, minibatch=False,
                                  max_bootstrapped_demos=0, max_labeled_demos=0)
    seconds = time.time() - start
    instruction = tuned.predictors()[0].signature.instructions
    os.makedirs(s["out"], exist_ok=True)
    json.dump({"system": s["system"], "instruction": instruction}, open(os.path.join(s["out"], "prompt.json"), "w"), indent=1)
    stats = {"optimizer": s["optimizer"], "dspy": dspy.__version__, "seconds": seconds,
             "target": usage(target), "reflection": usage(reflection), "changed": instruction.strip() != s["instruction"].strip()}
    json.dump(stats, open(os.path.join(s["out"], "stats.json"), "w"), indent=1)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
