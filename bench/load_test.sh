#!/bin/sh
# bench/load_test.sh - load test of stance-serve with wrk (Debian's), against Debian's nginx serving a
# static file of the same size as our response, in the same run. See bench/load_test.py --help.
#
#   bench/load_test.sh [--duration 30] [--connections 64] [--server build-prod/bin/stance-serve] ...
#
# Runs: (1) POST the seed article (../shared/seeds/, read at run time) with 64 connections for 30 s;
# (2) the same while SIGHUP reloads the models every second; (3) nginx with the same connections on
# a static file of our response's size. Reports requests/s, p50/p99 latency, non-2xx answers, socket
# errors and the server's RSS (sampled from /proc/PID/status); prints one table and writes
# bench/results/load.md. Exit status 1 when a run has non-2xx answers or socket errors.
here=$(cd "$(dirname "$0")" && pwd)
exec python3 "$here/load_test.py" "$@"
