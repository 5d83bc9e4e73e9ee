#!/bin/sh
# tests/valgrind_serve.sh SERVER MODELS SHARED_DIR - the end-to-end tests (e2e_serve.py, then e2e_seed.py)
# against stance-serve running under valgrind --leak-check=full --error-exitcode=1: every server
# process the tests start (the main one, the admin and timeout ones, the command line error cases)
# writes its own valgrind log, and the test fails when any of them reports an error or a definite,
# indirect or possible leak, or when the e2e tests fail (an exit code 1 from valgrind shows there too).
# Slow (several minutes): skipped (77) unless ST_VALGRIND=1 is set, e.g. ST_VALGRIND=1 ctest -L valgrind.
set -u
server=$1 models=$2 shared=${3:-}
if [ "${ST_VALGRIND:-0}" != 1 ]; then
    echo "skipped: set ST_VALGRIND=1 to run the e2e tests under valgrind (slow)"
    exit 77
fi
if ! command -v valgrind >/dev/null; then
    echo "skipped: valgrind is not installed"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/stance-valgrind.XXXXXX)
trap 'rm -rf "$work"' EXIT
wrap="$work/stance-serve"
cat >"$wrap" <<EOW
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 --track-fds=no \
  --log-file="$work/vg.%p.log" "$server" "\$@"
EOW
chmod +x "$wrap"
status=0
python3 "$here/e2e_serve.py" --server "$wrap" --models "$models" || status=1
if [ -n "$shared" ] && [ -d "$shared" ]; then
    python3 "$here/e2e_seed.py" --server "$wrap" --models "$models" --shared "$shared"
    rc=$?
    [ $rc -eq 0 ] || [ $rc -eq 77 ] || status=1
fi
logs=$(ls "$work"/vg.*.log 2>/dev/null | wc -l)
bad=0
for f in "$work"/vg.*.log; do
    [ -e "$f" ] || continue
    if [ -s "$f" ]; then # --quiet: a clean run writes nothing
        echo "--- $f"
        cat "$f"
        bad=$((bad + 1))
    fi
done
echo "valgrind: $logs server processes, $bad with errors or leaks"
[ "$logs" -gt 0 ] || status=1
[ "$bad" -eq 0 ] || status=1
exit $status
