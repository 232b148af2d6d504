#!/usr/bin/env bash
# Tokenizer speed beside the references, in one run on the same corpus:
# libtabllm (bench_tokenizer), Hugging Face tokenizers (Rust, batch call, one
# thread), @huggingface/tokenizers (pure JS) and tiktoken (cl100k, o200k).
# usage: tests/bench/bench.sh [BUILD_DIR] [CORPUS_MB]
# Needs the conformance data (tests/conformance/generate.sh BUILD_DIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
mb=${2:-20}
data=$here/../conformance/data/tokenizer/tokenizers
corpus=${TMPDIR:-/tmp}/tabllm-bench-$mb.txt
[ -f "$corpus" ] || python3 "$here/make_bench_corpus.py" "$corpus" "$mb"
out=$(mktemp)
for n in llama3 qwen3 llama2 gemma3; do
  echo "$n tabllm $("$build/tests/bench/bench_tokenizer" "$data/$n/tokenizer.json" "$corpus")" | tee -a "$out"
done
RAYON_NUM_THREADS=1 node "$here/bench_references.js" "$corpus" "$data"/{llama3,qwen3,llama2,gemma3} | tee -a "$out"
python3 - "$out" <<'PY'
import sys, re
rows = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) < 3: continue
    kv = dict(x.split('=', 1) for x in p[2:] if '=' in x)
    rows[(p[0], p[1])] = kv
refs = [k for k in rows if k[1] != 'tabllm']
for kind, key in (('wall clock', 'mb_per_s'), ('CPU time (robust on a shared machine)', 'cpu_mb_per_s')):
    fastest = max(float(rows[k].get(key, 0)) for k in refs)
    print(f'\n{kind}: fastest reference {fastest:.2f} MB/s')
    print(f'{"tokenizer":10} {"tabllm MB/s":>12} {"HF rust":>9} {"HF js":>7} {"vs HF rust":>10} {"vs fastest":>10} {"load ms":>8} {"HF load":>8}')
    for n in ['llama3', 'qwen3', 'llama2', 'gemma3']:
        t = rows.get((n, 'tabllm')); r = rows.get((n, 'hf-tokenizers-rust')); j = rows.get((n, 'hf-tokenizers-js'))
        if not t or not r: continue
        tm, rm = float(t[key]), float(r[key])
        print(f'{n:10} {tm:12.2f} {rm:9.2f} {float(j[key]) if j else 0:7.2f} {tm / rm:9.1f}x {tm / fastest:9.1f}x {float(t["load_ms"]):8.1f} {float(r["load_ms"]):8.1f}')
PY
rm -f "$out"
