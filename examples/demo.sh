#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: installs the build
# dependencies, builds libtabllm and the tabllm tool, and predicts the class
# of every row of a held-out table (examples/demo/data/biopsy-test.csv, 209
# breast-biopsy rows the models never saw) with the small model shipped in
# examples/demo/: the base model alone, then with its LoRA adapter for this
# table. The baselines are the training script's (examples/demo/expected.json,
# docs/demo-model.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tests/install-deps.sh build
if [ -d build ]; then meson setup --reconfigure build >/dev/null; else meson setup build >/dev/null; fi
meson compile -C build >/dev/null
tabllm=build/examples/tabllm
demo=examples/demo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$tabllm --version
echo

echo "== The prompt of row 0 (TabuLa-8B's serializer; the model scores each label after it)"
$tabllm encode --format tabula --target class --labels benign,malignant --row 0 \
  "$demo/data/biopsy-test.csv"
echo
echo

run() { # name, extra options...
  local name=$1
  shift
  echo "== tabllm predict --model $demo/model $* --table $demo/data/biopsy-test.csv --target class"
  $tabllm predict --model "$demo/model" "$@" --table "$demo/data/biopsy-test.csv" \
    --target class --labels benign,malignant --threads 2 --output "$tmp/$name.csv" \
    | tee "$tmp/$name.txt"
  echo "   first rows of $name.csv:"
  head -4 "$tmp/$name.csv" | sed 's/^/     /'
  echo
}
run base
run adapter --lora "$demo/adapter-biopsy"

# the baselines as the training script recorded them
baseline() { # section of expected.json's "baselines"
  awk -v key="\"$1\"" '$0 ~ key {found=1} found && /"accuracy"/ {gsub(/[",]/, ""); print $2; exit}' \
    "$demo/expected.json"
}
accuracy() { sed -n 's/^accuracy: \([0-9.]*\).*/\1/p' "$tmp/$1.txt"; }
echo "== Accuracy on the 209 held-out rows"
printf '   %-44s %.4f\n' "majority class (benign), from expected.json" "$(baseline majority_class)"
printf '   %-44s %.4f\n' "logistic regression, from expected.json" "$(baseline logistic_regression)"
printf '   %-44s %.4f\n' "base model alone (libtabllm)" "$(accuracy base)"
printf '   %-44s %.4f\n' "base model + LoRA adapter (libtabllm)" "$(accuracy adapter)"
