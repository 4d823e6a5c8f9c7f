#!/usr/bin/env python3
"""Stands in for llama.cpp's llama-server in tests: takes its flags, answers /health and
/v1/chat/completions on the given loopback port, and records the flags it was started with.
Like llama-server it works on at most `-np` requests at once and queues the others; a user
message "sleep S" makes a request take S seconds, and each reply says how long it waited in the
queue, so tests can see whether rpt overruns the slots. With FAKE_LLAMA_REQUEST_LOG set, it
appends a line to that file for each request it takes, so a test can wait for one to arrive."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
port = int(args[args.index("--port") + 1])
model = args[args.index("-m") + 1]
slots = threading.BoundedSemaphore(int(args[args.index("-np") + 1]) if "-np" in args else 1)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(200 if self.path == "/health" else 404, {"status": "ok"})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if os.environ.get("FAKE_LLAMA_REQUEST_LOG"):
            with open(os.environ["FAKE_LLAMA_REQUEST_LOG"], "a") as log:
                log.write(self.path + "\n")
        last = body["messages"][-1].get("content") or ""
        arrived = time.monotonic()
        with slots:
            queued = time.monotonic() - arrived
            if last.startswith("sleep "):
                time.sleep(float(last.split()[1]))
        text = (f"fake reply from {model} with {len(body['messages'])} messages; queued {queued:.2f} s; "
                f"flags: {' '.join(args)}")
        self.reply(200, {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                         "usage": {"prompt_tokens": 10, "completion_tokens": 5}})


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"fake llama-server for {model} on port {port}", flush=True)   # so tests can find the log
server.serve_forever()
