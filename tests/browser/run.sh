#!/usr/bin/env bash
# run.sh - the CTest entry of the browser test of stance-serve's page. Skips (exit 77, saying why)
# when node, npm or chromium is missing; installs playwright-core from package-lock.json into
# DEPS_DIR (npm ci) when it is not there or the lock file changed; then runs page.test.mjs.
# Usage: run.sh DEPS_DIR [page.test.mjs arguments...]
#   e.g. run.sh build/browser-deps --out build/browser-screenshots --seed ../shared/seeds/000_….txt \
#          --server-bin build/bin/stance-serve --models build/test-models
# Set ST_CHROMIUM to use another chromium binary (default /usr/bin/chromium).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
deps=${1:?usage: run.sh DEPS_DIR [page.test.mjs arguments...]}
shift
chromium=${ST_CHROMIUM:-/usr/bin/chromium}

if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: node is not installed (Debian: apt-get install nodejs npm)"
  exit 77
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: npm is not installed (Debian: apt-get install npm)"
  exit 77
fi
if [[ ! -x $chromium ]]; then
  echo "SKIP: $chromium is not installed (Debian: apt-get install chromium)"
  exit 77
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 18)); then
  echo "SKIP: node $(node --version) is too old for playwright-core (18 or later)"
  exit 77
fi

mkdir -p "$deps"
if [[ ! -f $deps/node_modules/playwright-core/package.json ]] ||
  ! cmp -s "$here/package-lock.json" "$deps/package-lock.json"; then
  cp "$here/package.json" "$here/package-lock.json" "$deps/"
  echo "installing the browser test's npm dependencies into $deps"
  if ! npm ci --prefix "$deps" --no-audit --no-fund --loglevel=error; then
    rm -f "$deps/package-lock.json" # so that the next run tries again
    echo "FAIL: npm ci could not install playwright-core (no registry access?)"
    exit 1
  fi
fi

exec node "$here/page.test.mjs" --deps "$deps" --chromium "$chromium" "$@"
