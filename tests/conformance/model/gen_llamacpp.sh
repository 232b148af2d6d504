#!/usr/bin/env bash
# llama.cpp's answers for the Llama and Qwen2 conformance models: each is
# written as GGUF with llama.cpp's gguf-py (from the git bundle node-llama-cpp
# ships, cloned into the data directory) and run through node-llama-cpp's
# prebuilt libllama.  usage: gen_llamacpp.sh DATA_DIR/model
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$1
nm=$here/../node_modules
bundle=$nm/node-llama-cpp/llama/gitRelease.bundle
if [ ! -f "$bundle" ] || ! command -v node >/dev/null; then
  echo "model: node-llama-cpp is not installed; skipping llama.cpp references"
  exit 0
fi
models="llama_f32 llama_sharded llama_linear_f16 qwen2_f32 qwen2_f16"
stamp=$( (cat "$here/hf_to_gguf.py" "$here/llamacpp_ref.mjs" "$data/.stamp-torch"; \
          echo "$models"; sha256sum "$bundle") | sha256sum | cut -c1-16)
if [ "$(cat "$data/.stamp-llamacpp" 2>/dev/null)" = "$stamp" ]; then
  echo "model: llama.cpp references up to date"
  exit 0
fi
if [ ! -d "$data/llama.cpp/gguf-py" ]; then
  rm -rf "$data/llama.cpp"
  git clone -q "$bundle" "$data/llama.cpp" 2>/dev/null
fi
rm -rf "$data/llamacpp"
mkdir -p "$data/llamacpp"
for m in $models; do
  /usr/bin/python3 "$here/hf_to_gguf.py" "$data/llama.cpp/gguf-py" "$data/hf/$m" \
    "$data/llamacpp/$m.gguf"
  node "$here/llamacpp_ref.mjs" "$data/llamacpp/$m.gguf" "$data/hf/$m/ref.json" \
    "$data/llamacpp/$m.json"
  echo "model: llama.cpp reference for $m"
done
echo "$stamp" > "$data/.stamp-llamacpp"
