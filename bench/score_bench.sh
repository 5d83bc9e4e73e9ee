#!/usr/bin/env bash
# score_bench.sh - end-to-end throughput of stance-score on the 2,225 real BBC articles
# (../shared/data/bbc-news/articles.jsonl): articles/s and MB/s of input with -j 1 and -j 2, and peak
# memory (GNU time's maximum resident set size). MB/cpu-second divides by user + system CPU time, a
# per-core figure that does not depend on how busy the machine is. Output goes to /dev/null; the input is read once
# beforehand so the page cache is warm. Each figure is the best of REPEAT runs (default 3). The load average is
# printed before and after: wall-clock figures mean little on a busy machine. Startup (loading the models, about
# 50 ms of CPU) is included, as a user pays it.
#
#   bench/score_bench.sh [BUILD_DIR] [MODELS_DIR]     (defaults: build, models)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
models=${2:-models}
bin=$build/bin/stance-score
input=${ST_SHARED_DIR:-../shared}/data/bbc-news/articles.jsonl
repeat=${REPEAT:-3}
[[ -x $bin ]] || { echo "score_bench: $bin is not built" >&2; exit 2; }
[[ -f $input ]] || { echo "score_bench: skipped: $input is absent" >&2; exit 77; }
[[ -d $models/stance ]] || { echo "score_bench: no models in $models (stance-train datasets/ -o $models)" >&2; exit 2; }
bytes=$(stat -c %s "$input")
articles=$(wc -l < "$input")
cat "$input" > /dev/null
printf 'input: %s (%d articles, %.2f MB)  binary: %s  cores: %d\n' "$input" "$articles" \
  "$(echo "$bytes / 1000000" | bc -l)" "$bin" "$(nproc)"
echo "before: $(uptime)"
printf '%-4s %10s %12s %10s %12s %14s %14s\n' jobs seconds articles/s MB/s MB/s/core MB/cpu-second peak_RSS_MiB
for j in 1 2; do
  best=""
  cpu=""
  rss=0
  for _ in $(seq "$repeat"); do
    log=$(mktemp)
    /usr/bin/time -v "$bin" -m "$models" --no-progress -j "$j" "$input" > /dev/null 2> "$log"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0;
                        for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    used=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
    if [[ -z $cpu ]] || (( $(echo "$used < $cpu" | bc -l) )); then cpu=$used; fi
    rm -f "$log"
    if [[ -z $best ]] || (( $(echo "$wall < $best" | bc -l) )); then best=$wall; fi
    (( kb > rss )) && rss=$kb
  done
  printf '%-4d %10.2f %12.0f %10.2f %12.2f %14.2f %14.1f\n' "$j" "$best" "$(echo "$articles / $best" | bc -l)" \
    "$(echo "$bytes / 1000000 / $best" | bc -l)" "$(echo "$bytes / 1000000 / $best / $j" | bc -l)" \
    "$(echo "$bytes / 1000000 / $cpu" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
echo "after: $(uptime)"
