#!/bin/sh
# Runs the Python binding's tests against a build tree.
# usage: bindings/python/run-tests.sh BUILD_DIR [pytest args...]
set -eu
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [pytest args...]" >&2; exit 2; }
build=$(cd "$1" && pwd); shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export TABLLM_LIBRARY="$build/lib/libtabllm.so.1"
export TABLLM_SOURCE_ROOT="$root"
export TABLLM_BUILD_ROOT="$build"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
cd "$here"
# Debian's interpreter, which has python3-pytest, numpy and pandas.
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests "$@"
