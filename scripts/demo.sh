#!/usr/bin/env bash
# The main job on a fresh Debian machine: installs what is missing, builds, trains the default models
# from datasets/ into models/, starts stance-serve on a free loopback port, classifies the sample
# article (examples/sample-article.txt, or a file given as $1) and prints a table of its quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== training the default models from datasets/ into models/"
build/bin/stance-train datasets/ -o models/
article=${1:-examples/sample-article.txt}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
build/bin/stance-serve --models models --listen "127.0.0.1:$port" --quiet &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "== POST /classify $article (stance-serve on 127.0.0.1:$port)"
curl -fsS -H 'Content-Type: text/plain; charset=utf-8' --data-binary @"$article" \
  "http://127.0.0.1:$port/classify" > build/demo-result.json
python3 scripts/show_result.py build/demo-result.json
echo "(full JSON: build/demo-result.json)"
