#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs what is missing, builds (Release with
# debug info) into build/, then runs every test with CTest. The last line is CTest's summary.
# Set ST_SANITIZE=1 to build into build-asan/ with AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
if [[ "${ST_SANITIZE:-0}" == 1 ]]; then
  dir=build-asan; extra=(-DST_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
else
  dir=build; extra=()
fi
cmake -S . -B "$dir" "${extra[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
cd "$dir"
ctest --output-on-failure -j"$(nproc)" --timeout 1200
