#!/usr/bin/env bash
# Everything `make run` does: dependencies, Release build, the private
# PostgreSQL in .data/ (kept between runs), then signoffd in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2

PORT=${SIGNOFF_PG_PORT:-55432}
admin_dsn=$(scripts/pg.sh start .data/pg "$PORT")
# Create the application database once; later runs keep its data.
if ! psql "$admin_dsn" -tAc "SELECT 1 FROM pg_database WHERE datname = 'signoff'" | grep -q 1; then
  psql "$admin_dsn" -qc "CREATE DATABASE signoff"
fi
export SIGNOFF_DATABASE_DSN=${SIGNOFF_DATABASE_DSN:-"${admin_dsn/dbname=postgres/dbname=signoff}"}
echo "PostgreSQL: $SIGNOFF_DATABASE_DSN (stop it with: make stop-db)"
export SIGNOFF_PRINCIPALS_FILE=${SIGNOFF_PRINCIPALS_FILE:-deploy/demo/principals.textproto}
exec build/server/main/signoffd --listen="${SIGNOFF_LISTEN:-127.0.0.1:50051}" "$@"
