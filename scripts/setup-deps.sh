#!/usr/bin/env bash
# Installs the Debian packages stance needs to build, test and benchmark, when they are missing.
# Usage: scripts/setup-deps.sh [--bench]   (--bench adds scikit-learn, fastText, wrk and nginx)
# Runs apt-get as root, or through sudo when available; otherwise lists what is missing and fails.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git ca-certificates python3 curl
      libsvm-dev libsvm-tools liblinear-dev libmicrohttpd-dev libjansson-dev libutf8proc-dev
      libcmocka-dev libxml2-dev libsqlite3-dev libssl-dev sqlite3 parallel bc chromium)
# The browser test needs node and npm; a machine may have them from elsewhere (e.g. NodeSource), in
# which case Debian's packages would conflict: install them only when the commands are missing.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
if [[ "${1:-}" == "--bench" ]]; then
  pkgs+=(python3-sklearn fasttext wrk nginx valgrind clang libclang-rt-14-dev)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup-deps: missing Debian packages: ${missing[*]}" >&2
  echo "setup-deps: run as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "setup-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
