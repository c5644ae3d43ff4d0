#!/usr/bin/env bash
# `make bench`: the whole load benchmark of issue 7 in one run, on this
# machine, with its baselines measured in the same run so the ratios mean
# something. Builds (Release), starts a throwaway PostgreSQL with fsync ON
# (durability is the point), signoffd (--log_level=warning) and the echo
# server, then runs in turn:
#   echo        signoff-load against the bare gRPC echo server (transport ceiling)
#   evaluate    EvaluateOffer (policy work, no storage)
#   submit      SubmitOffer at CHANNELS x IN_FLIGHT calls in flight (durable)
#   naive       pg_insert_baseline: one row per transaction, same concurrency
#   mix         SubmitOffer + Approve of the pending ones
#   watch       STREAMS WatchDecisions streams, delivery latency of submissions
#   startup     signoffd on an empty database: start to health SERVING
#   soak        SOAK_MODE (mix) for SOAK with the server's RSS sampled (SOAK=600s: the issue's 10 minutes)
# and prints one table with absolute figures, the ratios and the targets.
# Everything started here is stopped on exit, however the run ends.
#
#   tests/bench/run.sh                       # defaults: 10 s phases, 30 s soak
#   SOAK=600s DURATION=20s tests/bench/run.sh
#   SKIP_BUILD=1 PROFILE=1 tests/bench/run.sh  # perf profile of signoffd during submit
#
# Knobs (environment): BUILD_DIR (build-bench), DURATION (10s), WARMUP (2s),
# SOAK (30s), SOAK_MODE (mix or submit), CHANNELS (4), IN_FLIGHT (16), STREAMS (1000), WATCH_CHANNELS (10),
# WATCH_SUBMITS (30), OUT (results folder), SIGNOFFD_ARGS (extra server flags),
# SKIP_BUILD (1 = use what is built), PROFILE (1 = perf record during submit),
# WAL_WARMUP_ROWS (1000000 ~ 1 GB of WAL written before the phases; 0 = none).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

BUILD_DIR=${BUILD_DIR:-build-bench}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
SOAK=${SOAK:-30s}
SOAK_MODE=${SOAK_MODE:-mix}
CHANNELS=${CHANNELS:-4}
IN_FLIGHT=${IN_FLIGHT:-16}
STREAMS=${STREAMS:-1000}
WATCH_CHANNELS=${WATCH_CHANNELS:-10}
WATCH_SUBMITS=${WATCH_SUBMITS:-30}
SIGNOFFD_ARGS=${SIGNOFFD_ARGS:-}
WAL_WARMUP_ROWS=${WAL_WARMUP_ROWS:-1000000}
OUT=${OUT:-$BUILD_DIR/bench-results/$(date -u +%Y%m%dT%H%M%SZ)}
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
CONCURRENCY=$((CHANNELS * IN_FLIGHT))
COMMIT=${COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  scripts/deps.sh
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target signoffd signoff-load echo_server pg_insert_baseline
fi
SIGNOFFD="$ROOT/$BUILD_DIR/server/main/signoffd"
LOAD="$ROOT/$BUILD_DIR/tests/bench/signoff-load"
ECHO_SERVER="$ROOT/$BUILD_DIR/tests/bench/echo_server"
NAIVE="$ROOT/$BUILD_DIR/tests/bench/pg_insert_baseline"
mkdir -p "$OUT"
OUT=$(realpath "$OUT")

pgdir=$(mktemp -d /tmp/signoff-bench-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  "$ROOT/scripts/pg.sh" stop "$pgdir"
  rm -rf "$pgdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Durability is what is measured: fsync stays on here (unlike the test cluster).
PG_FSYNC=on scripts/pg.sh start "$pgdir" "$port" >/dev/null
psql_admin() { psql -X -q -h "$pgdir" -p "$port" -U signoff -d postgres "$@"; }
for db in signoff naive startup; do psql_admin -c "CREATE DATABASE $db"; done
# A server that has run for a while writes its WAL into recycled segment
# files. A new cluster creates a new 16 MB file, zero-filled and fsynced,
# every ~0.3 s under SubmitOffer, and each creation stalls the commits behind
# it for ~50 ms: the durable phases' p99 measured the cluster's first
# minutes, not the service. ~1 GB of WAL and a checkpoint leave ~64 segments
# to recycle, for signoffd and the naive baseline alike (~5 s).
if [ "$WAL_WARMUP_ROWS" -gt 0 ]; then
  psql_admin -c "CREATE TABLE wal_warmup AS SELECT repeat('x', 1000) AS filler FROM generate_series(1, $WAL_WARMUP_ROWS)" \
    -c "DROP TABLE wal_warmup" -c "CHECKPOINT"
  echo "WAL warmed: $(find "$pgdir/data/pg_wal" -maxdepth 1 -type f | wc -l) segment files to recycle"
fi
dsn_of() { echo "host=$pgdir port=$port user=signoff dbname=$1"; }
echo "bench PostgreSQL (fsync on): $(dsn_of signoff); results in $OUT"

# Starts a server whose first stdout line is "... listening on HOST:PORT ...";
# sets $started_pid and $started_address.
start_server() {
  local name=$1; shift
  # Created here: the background child opens them only when it gets to run.
  : >"$OUT/$name.out"
  : >"$OUT/$name.err"
  "$@" >"$OUT/$name.out" 2>"$OUT/$name.err" &
  started_pid=$!
  pids+=("$started_pid")
  for _ in $(seq 300); do
    started_address=$(sed -n 's/.* listening on \([^ ]*\).*/\1/p' "$OUT/$name.out" 2>/dev/null | head -1 || true)
    [ -n "$started_address" ] && return 0
    kill -0 "$started_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: $name did not start:" >&2
  cat "$OUT/$name.err" >&2
  exit 1
}
stop_server() {
  kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
}

signoffd_flags=(--database_dsn="$(dsn_of signoff)" --policy_dir="$ROOT/policies/default"
  --principals_file="$ROOT/deploy/demo/principals.textproto" --metrics_listen=
  --log_level=warning --listen=127.0.0.1:0)
# shellcheck disable=SC2086
start_server signoffd "$SIGNOFFD" "${signoffd_flags[@]}" $SIGNOFFD_ARGS
SERVER_PID=$started_pid
SERVER=$started_address
"$LOAD" --mode=wait_serving --target="$SERVER" --timeout=60s >/dev/null
start_server echo_server "$ECHO_SERVER" --listen=127.0.0.1:0
ECHO=$started_address
ECHO_PID=$started_pid
echo "signoffd $SERVER (pid $SERVER_PID), echo_server $ECHO"

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_BEFORE=$(load_avg)
common=(--channels="$CHANNELS" --in_flight="$IN_FLIGHT" --duration="$DURATION" --warmup="$WARMUP")
phase() {  # phase NAME COMMAND...: runs, keeps going on failure (the table says so)
  local name=$1; shift
  echo
  echo "== $name"
  "$@" --json="$OUT/$name.json" 2>&1 | tee "$OUT/$name.txt" || true
}

phase echo "$LOAD" --mode=echo --target="$ECHO" --server_pid="$ECHO_PID" "${common[@]}"
phase evaluate "$LOAD" --mode=evaluate --target="$SERVER" --server_pid="$SERVER_PID" "${common[@]}"
if [ "${PROFILE:-0}" = 1 ] && command -v perf >/dev/null; then
  perf record -F 499 -g -p "$SERVER_PID" -o "$OUT/signoffd-submit.perf" -- sleep 8 >/dev/null 2>&1 &
  pids+=("$!")
fi
phase submit "$LOAD" --mode=submit --target="$SERVER" --server_pid="$SERVER_PID" "${common[@]}"
# The naive baseline writes rows as large as what a submission stored.
ROW_BYTES=$("$PYTHON" -c 'import json,sys; print(int(json.load(open(sys.argv[1])).get("stored_bytes", 3000)))' \
  "$OUT/submit.json" 2>/dev/null || echo 3000)
phase naive "$NAIVE" --dsn="$(dsn_of naive)" --connections="$CONCURRENCY" --row_bytes="$ROW_BYTES" \
  --duration="$DURATION" --warmup="$WARMUP"
phase mix "$LOAD" --mode=mix --target="$SERVER" --server_pid="$SERVER_PID" "${common[@]}"
phase watch "$LOAD" --mode=watch --target="$SERVER" --server_pid="$SERVER_PID" --channels="$WATCH_CHANNELS" \
  --streams="$STREAMS" --watch_submits="$WATCH_SUBMITS" --rss_interval=200ms

# Start-up on an empty database: migrations, directory seed, policies.
echo
echo "== startup"
since=$(date +%s%N)
start_server startup "$SIGNOFFD" "${signoffd_flags[@]/--database_dsn=*/--database_dsn=$(dsn_of startup)}"
STARTUP_PID=$started_pid
"$LOAD" --mode=wait_serving --target="$started_address" --since_unix_ns="$since" --timeout=60s \
  --json="$OUT/startup.json" | tee "$OUT/startup.txt" || true
stop_server "$STARTUP_PID"

phase soak "$LOAD" --mode="$SOAK_MODE" --target="$SERVER" --server_pid="$SERVER_PID" --channels="$CHANNELS" \
  --in_flight="$IN_FLIGHT" --duration="$SOAK" --warmup="$WARMUP" --rss_interval=1s
LOAD_AFTER=$(load_avg)

"$PYTHON" - "$OUT" "$CONCURRENCY" "$SOAK_MODE $SOAK" "$LOAD_BEFORE" "$LOAD_AFTER" "$COMMIT" "$SIGNOFFD_ARGS" <<'EOF' | tee "$OUT/summary.txt"
import json, os, platform, sys
out, concurrency, soak, load_before, load_after, commit, server_args = sys.argv[1:8]

def load(name):
    try:
        with open(os.path.join(out, name + ".json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

def method(report, name):
    return (report or {}).get("methods", {}).get(name) or {}

def num(x, fmt="{:.1f}"):
    return "-" if x is None else fmt.format(x)

r = {n: load(n) for n in ["echo", "evaluate", "submit", "naive", "mix", "watch", "startup", "soak"]}
cpu = "?"
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip(); break
except OSError:
    pass
mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
print()
print(f"signoff load benchmark — {platform.node()}, {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB;"
      f" load average {load_before} before, {load_after} after")
print(f"signoff {commit}; signoffd --log_level=warning {server_args or '(default flags)'}")
print(f"{'phase':<34}{'calls/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'p99.9 ms':>10}{'errors':>8}"
      f"{'RSS max MiB':>13}{'srv CPU us/call':>17}")

def row(label, report, m=None):
    if report is None:
        print(f"{label:<34}{'(failed: see ' + out + ')':>40}"); return
    f = method(report, m) if m else report
    errs = sum(f.get("errors", {}).values()) if m else report.get("errors")
    rss = (report.get("server_rss_mib") or {}).get("max")
    print(f"{label:<34}{num(f.get('calls_per_s')):>10}{num(f.get('p50_ms'), '{:.2f}'):>9}"
          f"{num(f.get('p90_ms'), '{:.2f}'):>9}{num(f.get('p99_ms'), '{:.2f}'):>9}"
          f"{num(f.get('p999_ms'), '{:.2f}'):>10}{num(errs, '{}'):>8}{num(rss):>13}"
          f"{num(report.get('server_cpu_us_per_call') if not m or m == 'SubmitOffer' else None):>17}")

row("echo baseline (bare gRPC)", r["echo"])
row("EvaluateOffer", r["evaluate"])
row(f"SubmitOffer @{concurrency}", r["submit"])
row(f"naive INSERT+COMMIT @{concurrency} (baseline)", r["naive"])
row("mix: SubmitOffer", r["mix"], "SubmitOffer")
row("mix: Approve", r["mix"], "Approve")
w = r["watch"]
if w:
    d = method(w, "Delivery")
    print(f"{'watch: ack -> receipt, all streams':<34}{'':>10}{num(d.get('p50_ms'), '{:.2f}'):>9}"
          f"{num(d.get('p90_ms'), '{:.2f}'):>9}{num(d.get('p99_ms'), '{:.2f}'):>9}"
          f"{num(d.get('p999_ms'), '{:.2f}'):>10}{num(w.get('errors'), '{}'):>8}"
          f"{num((w.get('server_rss_mib') or {}).get('max')):>13}")
row(f"soak: SubmitOffer ({soak})", r["soak"], "SubmitOffer")

for name in ["submit", "mix"]:
    if r[name] and r[name].get("outcomes"):
        o = r[name]["outcomes"]; total = sum(o.values()) or 1
        print(f"{name} outcomes: " + ", ".join(f"{k} {100 * v / total:.1f} %" for k, v in o.items())
              + f" of {total}; mean {r[name].get('mean_lines', 0):.1f} lines, request {r[name].get('request_bytes')} B,"
              f" stored {r[name].get('stored_bytes', '-')} B")

def ratio(a, b):
    return a / b if a is not None and b else None

def verdict(ok):
    return "-" if ok is None else ("met" if ok else "MISSED")

ev = (r["evaluate"] or {}).get("calls_per_s"); ec = (r["echo"] or {}).get("calls_per_s")
sb = (r["submit"] or {}).get("calls_per_s"); nv = (r["naive"] or {}).get("calls_per_s")
p99 = (r["submit"] or {}).get("p99_ms")
wd = method(w, "Delivery").get("p99_ms") if w else None
w_live = (w or {}).get("streams_live"); w_streams = (w or {}).get("streams")
w_rss = (w or {}).get("rss_streams_open_mib"); w_rss_max = ((w or {}).get("server_rss_mib") or {}).get("max")
st = (r["startup"] or {}).get("serving_after_ms") if (r["startup"] or {}).get("serving") else None
soak_rss = (r["soak"] or {}).get("server_rss_mib") or {}
growth = soak_rss.get("growth"); start_rss = soak_rss.get("start")
flat_limit = max(5.0, 0.05 * start_rss) if start_rss else None

print()
print("ratios and targets (2 cores; server, PostgreSQL and load on one machine)")
checks = [
    ("EvaluateOffer / echo", num(ratio(ev, ec), "{:.2f}") + " x", ">= 0.6 x",
     None if ratio(ev, ec) is None else ratio(ev, ec) >= 0.6),
    (f"SubmitOffer / naive inserts @{concurrency}", num(ratio(sb, nv), "{:.2f}") + " x", ">= 1.5 x",
     None if ratio(sb, nv) is None else ratio(sb, nv) >= 1.5),
    (f"SubmitOffer p99 @{concurrency}", num(p99, "{:.2f}") + " ms", "< 10 ms", None if p99 is None else p99 < 10),
    (f"watch: delivery p99 to {w_streams} streams ({w_live} live)", num(wd, "{:.1f}") + " ms", "< 100 ms",
     None if wd is None else (wd < 100 and w_live == w_streams and (w or {}).get("errors") == 0)),
    (f"watch: server RSS with {w_streams} streams open (max)", num(w_rss) + f" ({num(w_rss_max)}) MiB",
     "< 200 MiB", None if w_rss_max is None else w_rss_max < 200),
    ("startup to SERVING, empty database", num(st, "{:.0f}") + " ms", "< 1000 ms", None if st is None else st < 1000),
    (f"soak RSS growth over {soak}", num(growth) + f" MiB (from {num(start_rss)})",
     f"flat: < {num(flat_limit)} MiB", None if growth is None else growth < flat_limit),
]
for label, value, target, ok in checks:
    print(f"  {label:<52}{value:>22}   target {target:<16}{verdict(ok)}")
EOF
