#!/usr/bin/env bash
# Folds what a fuzz run found into the committed corpus of one target, and keeps it small:
#   core/fuzz/cmin.sh <target> <work-dir> [max-bytes]
# Keeps the seeds (seed-*) and the found inputs of at most max-bytes (default 2048), then runs
# `cargo fuzz cmin` on edge coverage only (-use_counters=0), and names the seeds back.
set -euo pipefail
target=$1
work=$2
max=${3:-2048}
cd "$(dirname "$0")"
corpus=corpus/$target
pick=$(mktemp -d)
trap 'rm -rf "$pick"' EXIT

# The seeds, by name and by content (cmin names files by their SHA-1).
declare -A seed_of
for seed in "$corpus"/seed-*; do
    [ -e "$seed" ] || continue
    cp "$seed" "$pick/"
    seed_of[$(sha1sum "$seed" | cut -d' ' -f1)]=$(basename "$seed")
done
find "$corpus" "$work" -maxdepth 1 -type f ! -name 'seed-*' -size -"$((max + 1))"c -exec cp {} "$pick/" \;

nice -n 15 cargo fuzz cmin -s none -a "$target" "$pick" -- -use_counters=0 >"$pick.log" 2>&1 || {
    cat "$pick.log"
    exit 1
}
rm -f "$pick.log"

rm -rf "$corpus"
mkdir -p "$corpus"
for file in "$pick"/*; do
    name=$(basename "$file")
    seed=${seed_of[$name]:-}
    cp "$file" "$corpus/${seed:-$name}"
done
echo "$target: $(find "$corpus" -type f | wc -l) inputs, $(cat "$corpus"/* | wc -c) bytes"
