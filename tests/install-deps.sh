#!/usr/bin/env bash
# Installs what libtabllm needs on Debian 12, skipping what is already there.
#   tests/install-deps.sh build   the library, the CLI and the demo
#   tests/install-deps.sh test    also everything the test suites compare against
set -euo pipefail
what=${1:-test}

build_packages=(
  build-essential meson ninja-build pkg-config
  libopenblas-dev libxml2-dev libutf8proc-dev libjansson-dev libpcre2-dev libzip-dev
)
test_packages=(
  libcmocka-dev abigail-tools valgrind clang libclang-rt-14-dev
  python3-numpy python3-pandas python3-lxml python3-openpyxl python3-sklearn
  python3-torch python3-pytest python3-tabulate
  nodejs npm
)

packages=("${build_packages[@]}")
[ "$what" = test ] && packages+=("${test_packages[@]}")
# Rust comes from the machine image when present; Debian's cargo otherwise.
if [ "$what" = test ] && ! command -v cargo >/dev/null 2>&1; then
  packages+=(cargo)
fi

missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from the image rather than from Debian.
  case $p in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
