#!/usr/bin/env bash
# Reference data for the model conformance tests: random Hugging Face models
# and their PyTorch logits/generations (gen_models.py), plus the same weights
# as GGUF with llama.cpp's logits (gen_llamacpp.sh). Skips work whose inputs
# did not change.
#   tests/conformance/model/generate.sh BUILD_DIR DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$2/model
mkdir -p "$data"
stamp=$(cat "$here"/gen_models.py "$here"/hf_reference.py "$here"/safetensors_io.py \
        | sha256sum | cut -c1-16)
if [ "$(cat "$data/.stamp-torch" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$data/hf"
  /usr/bin/python3 "$here/gen_models.py" "$data/hf"
  echo "$stamp" > "$data/.stamp-torch"
else
  echo "model: PyTorch references up to date"
fi
if [ -x "$here/gen_llamacpp.sh" ]; then
  "$here/gen_llamacpp.sh" "$data"
fi
