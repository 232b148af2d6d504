#!/bin/sh
# Runs one libFuzzer target from its seed corpus without writing into the
# repository: new inputs go to a scratch folder in the build directory.
# The per-input timeout is generous because some targets load real
# tokenizers on their first input, which takes seconds in sanitizer builds.
# usage: run-target.sh TARGET SEED_DIR SCRATCH_DIR SECONDS
set -eu
target=$1 seeds=$2 scratch=$3 seconds=$4
mkdir -p "$scratch"
exec "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=120 -print_final_stats=1 \
    -artifact_prefix="$scratch/" "$scratch" "$seeds"
