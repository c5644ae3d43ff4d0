# The two commands: `make run` and `make test`. Both install what is missing
# on a fresh Debian 12 machine (as root), build, and start PostgreSQL.
MAKEFLAGS += --no-print-directory

.PHONY: run test build stop-db clean asan bench bench-audit

run:
	@scripts/run.sh

test:
	@scripts/test.sh

build:
	@scripts/deps.sh
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j2

# The same suite built with AddressSanitizer + UndefinedBehaviorSanitizer.
asan:
	@BUILD_DIR=build-asan CMAKE_ARGS="-DSIGNOFF_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo" scripts/test.sh

# Audit queries over one million generated offer revisions, on a throwaway
# PostgreSQL (see scripts/bench-audit.sh); BENCH_ARGS="--rows=N ..." passes flags.
bench-audit:
	@scripts/bench-audit.sh $(BENCH_ARGS)

# The load benchmark (tests/bench/run.sh): signoffd and its baselines (bare
# gRPC echo, naive single-row inserts) in one run, a table of figures and
# ratios. SOAK=600s for the full 10-minute soak; BUILD_DIR, DURATION, ... too.
bench:
	@tests/bench/run.sh

stop-db:
	@scripts/pg.sh stop .data/pg

clean:
	rm -rf build build-asan
