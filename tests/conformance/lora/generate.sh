#!/usr/bin/env bash
# Reference data for the LoRA conformance tests: random PEFT adapters for
# every option on small random models, and PyTorch logits computed on the
# effective weights PEFT's rules give (gen_adapters.py). Skips work whose
# inputs did not change.
#   tests/conformance/lora/generate.sh BUILD_DIR DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
model=$here/../model
data=$2/lora
mkdir -p "$data"
stamp=$(cat "$here"/gen_adapters.py "$model"/gen_models.py "$model"/hf_reference.py \
        "$model"/safetensors_io.py | sha256sum | cut -c1-16)
if [ "$(cat "$data/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$data/models" "$data/adapters" "$data/ref" "$data/cases.json"
  /usr/bin/python3 "$here/gen_adapters.py" "$data"
  echo "$stamp" > "$data/.stamp"
else
  echo "lora: PyTorch references up to date"
fi
