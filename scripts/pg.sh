#!/usr/bin/env bash
# A private PostgreSQL 15 cluster in a local folder, run as the `postgres`
# user (PostgreSQL refuses to run as root), listening on a Unix socket in
# that folder and on no TCP address.
#
#   scripts/pg.sh start DIR PORT   initialise (first time) and start; prints the DSN
#   scripts/pg.sh stop DIR         stop (fast shutdown)
#   scripts/pg.sh dsn DIR PORT     print the admin DSN
# shared_buffers defaults to 2GB (PG_SHARED_BUFFERS): the audit indexes and a
# million revisions stay in PostgreSQL's own cache on this 24 GiB machine;
# PostgreSQL's 128MB default sends every filtered page to the OS cache.
set -euo pipefail

PGBIN=/usr/lib/postgresql/15/bin
cmd=${1:?usage: pg.sh start|stop|dsn DIR [PORT]}
dir=$(realpath -m "${2:?DIR required}")
port=${3:-5432}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

dsn() { echo "host=$dir port=$port user=signoff dbname=postgres"; }

case "$cmd" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres:postgres "$dir"
      # The postgres user must be able to reach the folder through its parents.
      p=$(dirname "$dir")
      while [ "$p" != "/" ]; do chmod o+x "$p" 2>/dev/null || true; p=$(dirname "$p"); done
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_postgres "$PGBIN/initdb" -D "$dir/data" -A trust -U signoff -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if as_postgres "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "pg: already running in $dir" >&2
    else
      as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 start \
        -o "-k $dir -p $port -c listen_addresses='' -c max_connections=200 -c fsync=${PG_FSYNC:-on} -c shared_buffers=${PG_SHARED_BUFFERS:-2GB} -c effective_cache_size=8GB" >/dev/null \
        || { tail -20 "$dir/log" >&2; exit 1; }
    fi
    dsn
    ;;
  stop)
    if [ -f "$dir/data/PG_VERSION" ]; then
      as_postgres "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  dsn)
    dsn
    ;;
  *)
    echo "usage: pg.sh start|stop|dsn DIR [PORT]" >&2
    exit 2
    ;;
esac
