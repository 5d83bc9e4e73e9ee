#!/bin/sh
# fuzz/build.sh [OUT_DIR] - builds the libFuzzer targets with clang (-fsanitize=fuzzer,address,undefined),
# compiling the core, serve and score sources they need directly (no CMake). Default OUT_DIR:
# build-fuzz beside this folder's parent (the project root). Prints the binaries it wrote.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=${1:-$root/build-fuzz}
CC=${CC:-clang}
mkdir -p "$out/obj"
cflags="-std=c11 -g -O1 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
  -I$root/core -I$root/serve -I$root/score -I/usr/include/libsvm $(pkg-config --cflags jansson libxml-2.0)"
libs="$(pkg-config --libs jansson libutf8proc libcrypto libxml-2.0) -lsvm -llinear -lm -lpthread"

objs=""
for src in "$root"/core/*.c "$root"/serve/request.c "$root"/score/feed.c "$root"/score/text.c \
           "$root"/score/jsonl.c; do
    o="$out/obj/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
    if [ ! -e "$o" ] || [ "$src" -nt "$o" ] || [ "$0" -nt "$o" ]; then
        # shellcheck disable=SC2086
        $CC $cflags -c "$src" -o "$o"
    fi
    objs="$objs $o"
done
for t in tokenize quotes request feed; do
    # shellcheck disable=SC2086
    $CC $cflags -fsanitize=fuzzer "$here/fuzz_$t.c" $objs $libs -o "$out/fuzz_$t"
    echo "$out/fuzz_$t"
done
