# rpt: the two set-up commands are `make demo` and `make test`; each installs what is missing.
SWIFT ?= swift
APT_PACKAGES := liblua5.4-dev libcurl4-openssl-dev pkg-config

.PHONY: deps build release test bench demo check-packs clean

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

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

# The peer for the transport benchmark: DSPy from PyPI, in a venv the project owns (gitignored).
.venv-bench/bin/python:
	@python3 -m venv --help >/dev/null 2>&1 || $(MAKE) deps APT_PACKAGES=python3-venv
	python3 -m venv .venv-bench
	.venv-bench/bin/pip install -q dspy==3.4.1 || echo "could not install DSPy: the peer comparison will be skipped"

bench: release .venv-bench/bin/python
	LITELLM_LOCAL_MODEL_COST_MAP=True .build/release/RptBench --out BENCHMARKS.md

check-packs: release
	@for p in tasks/*/; do if [ -f $$p/task.lua ]; then .build/release/rpt check $${p%/} || exit 1; fi; done

# The offline tuning demo needs the embedded local model (issue 6), which is not built yet. Until
# then the demo checks the shipped task packs (no model needed) and says how to tune with a server.
demo: check-packs
	@echo
	@echo "==> The embedded local model is not built yet, so this demo only checked the shipped task packs."
	@echo "    To tune with a model server you have (any OpenAI-compatible one, or OpenAI/Anthropic):"
	@echo "      export OPENAI_API_KEY=...        # or OPENAI_BASE_URL=http://127.0.0.1:8080/v1 for a local server"
	@echo "      .build/release/rpt tune tasks/banking77 --target openai:gpt-4.1-mini --optimizer openai:gpt-4.1 --dry-run"

clean:
	rm -rf .build
