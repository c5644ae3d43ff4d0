#!/usr/bin/env bash
# `make bench-audit`: builds audit_benchmark, starts a throwaway PostgreSQL,
# generates one million offer revisions and measures the audit queries
# (filtered pages: target < 20 ms; statistics: target < 1 s). PostgreSQL is
# stopped and its folder removed however the run ends.
#   BUILD_DIR=build-x scripts/bench-audit.sh --benchmark_filter=stats
# Extra arguments go to the benchmark (e.g. --rows=N, --benchmark_filter=...).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BUILD_DIR=${BUILD_DIR:-build}
scripts/deps.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j2 --target audit_benchmark

pgdir=$(mktemp -d /tmp/signoff-bench-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  "$ROOT/scripts/pg.sh" stop "$pgdir"
  rm -rf "$pgdir"
}
trap cleanup EXIT
# Reads are measured, not durability: skip fsync so loading the data is quick.
dsn=$(PG_FSYNC=off scripts/pg.sh start "$pgdir" "$port")
echo "benchmark PostgreSQL: $dsn"
"$BUILD_DIR/tests/audit_benchmark" --dsn="$dsn" "$@"
