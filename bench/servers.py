"""The llama.cpp servers of a head-to-head: one `rpt serve local:NAME` per model, so rpt tune,
rpt eval and DSPy all talk to the very same server (rpt finds it through
.rpt-local/serve-NAME.json; DSPy gets its URL). Also a probe of llama.cpp's prompt cache."""
import json
import os
import signal
import subprocess
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def local_dir():
    return os.environ.get("RPT_LOCAL_DIR") or os.path.join(ROOT, ".rpt-local")


def healthy(url):
    try:
        with urllib.request.urlopen(url.removesuffix("/v1") + "/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Servers:
    """Starts `rpt serve` for each local model that has no healthy server yet; stops only those."""

    def __init__(self, models, rpt):
        self.models = [m for m in dict.fromkeys(models)]
        for m in self.models:
            if not m.startswith("local:"):
                raise SystemExit(f"the head-to-head runs local models (local:NAME), not {m}")
        self.rpt = rpt
        self.started = []
        manifest = json.load(open(os.path.join(local_dir(), "manifest.json")))
        cores = os.cpu_count() or 2
        # As LocalServer does: the manifest's slots, else one per core, 2 to 8.
        self.slots = int(manifest.get("parallel") or min(8, max(2, cores)))

    def served(self, model):
        path = os.path.join(local_dir(), "serve-" + model.split(":", 1)[1] + ".json")
        try:
            url = json.load(open(path))["url"]
        except (OSError, ValueError, KeyError):
            return None
        return url if healthy(url) else None

    def url(self, model):
        return self.served(model)

    def __enter__(self):
        for m in self.models:
            if self.served(m):
                print(f"==> reusing the running server of {m}: {self.served(m)}", flush=True)
                continue
            print(f"==> rpt serve {m}", flush=True)
            log = open(os.path.join(local_dir(), "serve-" + m.split(":", 1)[1] + ".out"), "w")
            self.started.append(subprocess.Popen([self.rpt, "serve", m], stdout=log, stderr=subprocess.STDOUT))
            deadline = time.time() + 240
            while not self.served(m):
                if self.started[-1].poll() is not None or time.time() > deadline:
                    raise SystemExit(f"rpt serve {m} did not come up: see {log.name}")
                time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        for p in self.started:        # only the servers this harness started, by their own process
            p.send_signal(signal.SIGTERM)
        for p in self.started:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def chat(url, model, system, user, max_tokens=32):
    body = {"model": model, "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": 0, "max_tokens": max_tokens}
    req = urllib.request.Request(url + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)


def prompt_cache_probe(url, model, system, instruction, rendered):
    """Sends a few examples with the same system text and instruction one after another and keeps
    llama.cpp's own timings: `prompt_n` (prompt tokens read) against `cache_n` (taken from the
    prompt cache), and its prompt and generation speeds."""
    rows = []
    for r in rendered:
        t = chat(url, model, system, instruction + "\n\n" + r).get("timings", {})
        rows.append({k: t.get(k) for k in ("cache_n", "prompt_n", "prompt_per_second", "predicted_n", "predicted_per_second")})
    return rows
