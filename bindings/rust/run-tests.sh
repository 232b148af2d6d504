#!/bin/sh
# Runs the Rust crates' tests (and the Rust example) against a build tree,
# offline: the crates have no dependencies.
# usage: bindings/rust/run-tests.sh BUILD_DIR [cargo test args...]
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [cargo test args...]" >&2; exit 2; }
build=$(cd "$1" && pwd); shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export TABLLM_LIB_DIR="$build/lib"
export TABLLM_INCLUDE_DIR="$root/include"
export LD_LIBRARY_PATH="$build/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/target}"
export TABLLM_SOURCE_ROOT="$root"
cd "$here"
cargo --version
cargo test --offline "$@"

# The other discovery path of tabllm-sys' build script: pkg-config, with the
# build tree's uninstalled tabllm.pc (only the small -sys crate is rebuilt).
if command -v pkg-config >/dev/null 2>&1 && [ -f "$build/meson-uninstalled/tabllm-uninstalled.pc" ]; then
  echo "tabllm-sys through pkg-config:"
  env -u TABLLM_LIB_DIR -u TABLLM_INCLUDE_DIR PKG_CONFIG_PATH="$build/meson-uninstalled" \
    CARGO_TARGET_DIR="$CARGO_TARGET_DIR/pkg-config" cargo test --offline -q -p tabllm-sys
fi

# The examples, checked like the C ones (examples/check-output.sh).
"$root/examples/check-output.sh" '12 rows, 6 columns' '| Tokyo | Japan | 13.96 | 2194 | true | 1457 |' \
  'Delhi (India) has 16.79 million people.' 'Mumbai,India,12.44,603,false,1507' 'largest: Shanghai' \
  -- cargo run --offline -q -p tabllm --example encode_table -- "$root/examples/data/cities.csv"
# classify on the demo's first 20 test rows, against PyTorch's base+adapter
# predictions (examples/demo/expected.json).
/usr/bin/python3 "$root/examples/check-classify.py" "$root/examples/demo/expected.json" 20 \
  -- cargo run --offline -q -p tabllm --example classify -- \
  "$root/examples/demo" "$root/examples/demo/data/biopsy-test.csv" 20
