#!/usr/bin/env python3
"""The peer side of `make bench`: DSPy's Evaluate over N examples with T threads, against the
same loopback mock server rpt's client is measured against. Prints one JSON line.

    dspy_eval.py BASE_URL N THREADS
"""
import json
import os
import resource
import sys
import time

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download at import
import dspy  # noqa: E402


class QA(dspy.Signature):
    """Answer the question."""
    question: str = dspy.InputField()
    answer: str = dspy.OutputField()


def main():
    base_url, n, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    lm = dspy.LM("openai/mock", api_base=base_url, api_key="bench", cache=False, num_retries=0, max_tokens=16)
    dspy.configure(lm=lm)
    program = dspy.Predict(QA)
    devset = [dspy.Example(question=f"question {i}", answer="42").with_inputs("question") for i in range(n)]
    evaluate = dspy.Evaluate(devset=devset, metric=lambda ex, pred, trace=None: ex.answer == pred.answer,
                             num_threads=threads, display_progress=False, provide_traceback=False)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = evaluate(program)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    score = getattr(result, "score", result)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_rss_kb": after.ru_maxrss, "score": float(score),
                      "dspy": dspy.__version__}))


if __name__ == "__main__":
    main()
