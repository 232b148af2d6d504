#!/usr/bin/env bash
# Runs libFuzzer targets for a long time, two at a time, niced, each in
# fork mode so that a finding is recorded and the run goes on. New inputs go
# to scratch corpora outside the repository; crashes, timeouts and OOMs go
# to SCRATCH/<target>/artifacts/. One summary line per target is appended to
# SCRATCH/summary.tsv: target, seconds, executions, cov, ft, corpus files,
# crashes, timeouts, ooms.
#
# usage: tests/fuzz/long-run.sh BUILD_DIR SCRATCH SECONDS TARGET...
#   e.g. tests/fuzz/long-run.sh build-fuzz /tmp/fuzz 1800 fuzz_table_csv fuzz_xlsx
# The real tokenizers for fuzz_tokenizer_encode/decode are read from
# TABLLM_CONFORMANCE_DATA (tests/conformance/generate.sh writes them).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd) scratch=$2 seconds=$3
shift 3
mkdir -p "$scratch"
export TABLLM_TEST_DATA=${TABLLM_TEST_DATA:-$root/tests/data}
export TABLLM_CONFORMANCE_DATA=${TABLLM_CONFORMANCE_DATA:-$root/tests/conformance/data}

seeds_of() { # the corpus folder meson.build names for a target
  sed -n "s/.*'$1': \['[^']*', '\([^']*\)'\].*/\1/p" "$root/tests/fuzz/meson.build"
}

run_one() {
  local name=$1 dir=$scratch/$1
  local seeds
  seeds=$root/tests/fuzz/corpus/$(seeds_of "$name")
  mkdir -p "$dir/corpus" "$dir/artifacts"
  # Fork mode starts each job from the binary's path: run a copy, so that
  # rebuilding the tree meanwhile does not change the program under test.
  cp "$build/tests/fuzz/$name" "$dir/$name"
  nice -n 19 "$dir/$name" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
    -ignore_ooms=1 -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" "$seeds" > "$dir/log" 2>&1 || true
  # The last status line of fork mode: #N ... cov: C ft: F corp: K ... oom/timeout/crash: o/t/c
  local last
  last=$(grep -E '^#[0-9]+: cov:|^#[0-9]+ DONE' "$dir/log" | tail -1)
  local execs cov ft corp otc
  execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(find "$dir/corpus" -type f | wc -l)
  otc=$(sed -n 's|.*oom/timeout/crash: \([0-9/]*\).*|\1|p' <<<"$last")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$seconds" "${execs:-?}" "${cov:-?}" \
    "${ft:-?}" "$corp" "${otc:-?/?/?}" >> "$scratch/summary.tsv"
}

# Two at a time: the machine has two cores shared with others.
while [ $# -gt 0 ]; do
  run_one "$1" &
  a=$!
  if [ $# -gt 1 ]; then run_one "$2" & b=$!; shift; else b=; fi
  shift
  wait $a
  [ -n "$b" ] && wait "$b"
done
cat "$scratch/summary.tsv"
