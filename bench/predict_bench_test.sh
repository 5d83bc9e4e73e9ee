#!/usr/bin/env bash
# predict_bench_test.sh BIN_DIR SOURCE_DIR - CTest check of stance-bench-predict: our labels equal
# libsvm's svm-predict -b 1 on the same model.svm and vectors (a 2-class and a 3-class model, trained
# here with libsvm on a slice of datasets/), the check fails on a changed label, and the timing
# report has every line. Exit 0 pass, 1 fail, 77 skipped (svm-predict absent).
set -euo pipefail
bin=$1
src=$2
if ! command -v svm-predict >/dev/null 2>&1; then
  echo "skipped: svm-predict not installed (Debian libsvm-tools; scripts/setup-deps.sh)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

for task in stance sentiment; do
  for f in "$src"/datasets/"$task"/*.tsv; do head -n 30 "$f"; done >"$tmp/$task.tsv"
  "$bin/stance-train" --task "$task" -o "$tmp/m" --folds 0 --c-grid 1 "$tmp/$task.tsv" >/dev/null
done
cut -f2 "$tmp/stance.tsv" "$tmp/sentiment.tsv" >"$tmp/quotes.txt"
n=$(wc -l <"$tmp/quotes.txt")

out=$("$bin/stance-bench-predict" --passes 1 --repeat 1 "$tmp/m/stance" "$tmp/m/sentiment" "$tmp/quotes.txt")
for key in pipeline pipeline_shared_tokens model0_text model1_text model0_vec; do
  grep -q "^$key .* quotes/s" <<<"$out" || fail "no $key line in: $out"
done
json=$("$bin/stance-bench-predict" --json --passes 1 --repeat 1 "$tmp/m/stance" "$tmp/quotes.txt")
grep -q "\"quotes\":$n," <<<"$json" || fail "expected $n quotes in: $json"

for task in stance sentiment; do
  m="$tmp/m/$task"
  "$bin/stance-bench-predict" --dump-libsvm "$tmp/$task.vec" "$m" "$tmp/quotes.txt"
  [[ $(wc -l <"$tmp/$task.vec") -eq $n ]] || fail "$task: $n vectors expected"
  svm-predict -b 1 "$tmp/$task.vec" "$m/model.svm" "$tmp/$task.out" >/dev/null
  res=$("$bin/stance-bench-predict" --check-libsvm "$tmp/$task.out" "$m" "$tmp/quotes.txt") ||
    fail "$task: labels differ from svm-predict's: $res"
  grep -q "^libsvm check: $n/$n labels equal" <<<"$res" || fail "$task: $res"
  echo "$task: $res"
  # The check must notice a changed label: swap the first prediction to another label of the model.
  labels=$(head -n 1 "$tmp/$task.out" | cut -d' ' -f2-)
  first=$(sed -n 2p "$tmp/$task.out" | cut -d' ' -f1)
  other=$(tr ' ' '\n' <<<"$labels" | grep -vx "$first" | head -n 1)
  sed "2s/^$first /$other /" "$tmp/$task.out" >"$tmp/$task.bad"
  if "$bin/stance-bench-predict" --check-libsvm "$tmp/$task.bad" "$m" "$tmp/quotes.txt" >/dev/null 2>&1; then
    fail "$task: a changed label went unnoticed"
  fi
done
echo "1 passed, 0 failed"
