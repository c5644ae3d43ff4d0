#!/usr/bin/env bash
# Everything `make test` does: dependencies, build, a throwaway PostgreSQL
# for this run, the whole ctest suite, and PostgreSQL stopped again however
# the tests end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BUILD_DIR=${BUILD_DIR:-build}
scripts/deps.sh
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j2

pgdir=$(mktemp -d /tmp/signoff-test-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  "$ROOT/scripts/pg.sh" stop "$pgdir"
  rm -rf "$pgdir"
}
trap cleanup EXIT
# The throwaway cluster's data is worthless after the run: skip fsync there.
export SIGNOFF_TEST_PG_DSN=$(PG_FSYNC=off scripts/pg.sh start "$pgdir" "$port")
echo "test PostgreSQL: $SIGNOFF_TEST_PG_DSN"

cd "$BUILD_DIR"
ctest --output-on-failure -j2 ${CTEST_ARGS:-}
