#!/usr/bin/env bash
# scripts/bench.sh COUNT — what `make bench` runs (COUNT = BENCHCOUNT, default 5).
#
# 1. The bench module (bench/, its own go.mod): tablegen vs raw Pebble vs
#    badgerhold vs a reflection+JSON store, -count COUNT. Insert runs with
#    -benchtime 1x (one op = loading all rows, ~2–15 s per implementation);
#    the read workloads with -benchtime $READ_TIME.
# 2. The in-repo runtime benchmarks (./runtime/...) with -benchtime $RUNTIME_TIME.
# 3. CPU profiles of the workloads the goals are about (tablegen, raw,
#    badgerhold), summarized with `go tool pprof -top`.
# 4. benchstat over the raw output, then bench/cmd/report writes
#    BENCHMARKS.md and docs/bench.png.
#
# Raw output stays in bench/out/ (gitignored). On the reference machine
# (2 cores) the whole run takes about 10 minutes with COUNT=5; tune with
#   BENCH_ROWS (default 100000), BENCH_READTIME (default 300ms),
#   BENCH_RUNTIMETIME (default 100ms), BENCH_PROFILETIME (default 3s: how long
#   each profiled read workload runs; Insert is profiled over 3 loads).
set -euo pipefail

count=${1:-5}
rows=${BENCH_ROWS:-100000}
read_time=${BENCH_READTIME:-300ms}
runtime_time=${BENCH_RUNTIMETIME:-100ms}
profile_time=${BENCH_PROFILETIME:-3s}

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out"
mkdir -p "$out" "$root/docs"
export PATH="$(go env GOPATH)/bin:$PATH"

if ! command -v benchstat >/dev/null 2>&1; then
	echo "== installing benchstat"
	go install golang.org/x/perf/cmd/benchstat@latest
fi

insert_cmd="go test -run '^\$' -bench '^BenchmarkInsert\$' -benchtime 1x -benchmem -count $count . -args -rows $rows"
read_cmd="go test -run '^\$' -bench '^BenchmarkRead\$' -benchtime $read_time -benchmem -count $count . -args -rows $rows"
runtime_cmd="go test -run '^\$' -bench . -benchtime $runtime_time -count $count ./runtime/..."

# The bench module's go.mod must cover every package the root module's
# runtime now imports; say how to fix it instead of failing mid-run.
if ! (cd "$root/bench" && go list -deps ./... >/dev/null 2>"$out/golist.txt"); then
	cat "$out/golist.txt" >&2
	echo "bench.sh: bench/go.mod is out of date with the root module; run (cd bench && go mod tidy) and retry" >&2
	exit 1
fi

status=0
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
cd "$root/bench"
echo "== bench module: $insert_cmd"
eval "$insert_cmd" | tee "$out/bench.txt"
echo "== bench module: $read_cmd"
eval "$read_cmd" | tee -a "$out/bench.txt"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== runtime packages: $runtime_cmd"
cd "$root"
if ! eval "$runtime_cmd" >"$out/runtime.txt" 2>&1; then
	echo "bench.sh: the runtime benchmarks failed (see bench/out/runtime.txt); the report includes what ran" >&2
	status=1
fi
grep -E '^(Benchmark|pkg:|ok|FAIL)' "$out/runtime.txt" || true

echo "== CPU profiles"
cd "$root/bench"
rm -f "$out"/profile-*
go test -c -o "$out/bench.test" .
for impl in tablegen raw badgerhold; do
	(cd "$out" && ./bench.test -test.run '^$' -test.bench "^BenchmarkInsert/impl=$impl\$" -test.benchtime 3x \
		-test.cpuprofile "cpu-Insert-$impl.prof" -rows "$rows" >/dev/null)
	go tool pprof -top -nodecount=100000 -tagfocus workload=Insert "$out/bench.test" "$out/cpu-Insert-$impl.prof" >"$out/profile-Insert-$impl.top.txt" 2>/dev/null
	(cd "$out" && ./bench.test -test.run '^$' -test.bench "^BenchmarkRead/impl=$impl/op=(Get|Lookup)\$" -test.benchtime "$profile_time" \
		-test.cpuprofile "cpu-Read-$impl.prof" -rows "$rows" >/dev/null)
	for wl in Get Lookup; do
		go tool pprof -top -nodecount=100000 -tagfocus "workload=$wl" "$out/bench.test" "$out/cpu-Read-$impl.prof" \
			>"$out/profile-$wl-$impl.top.txt" 2>/dev/null
	done
done

echo "== benchstat"
benchstat -col /impl "$out/bench.txt" >"$out/benchstat.txt"
cat "$out/benchstat.txt"

echo "== report"
findings=()
[ -f findings.md ] && findings=(-findings findings.md)
go run ./cmd/report \
	-bench "$out/bench.txt" -runtime "$out/runtime.txt" -benchstat "$out/benchstat.txt" \
	-profiles "$out" "${findings[@]}" -rows "$rows" \
	-goversion "$(go version)" \
	-load "1/5/15-minute load average $load_before before the bench module ran, $load_after after" \
	-command "scripts/bench.sh $count (make bench), i.e. in bench/: $insert_cmd; $read_cmd; in the repository root: $runtime_cmd" \
	-benchtime "Insert -benchtime 1x (one op loads all $rows rows); reads -benchtime $read_time; runtime packages -benchtime $runtime_time; all -count $count" \
	-out "$root/BENCHMARKS.md" -png "$root/docs/bench.png" -chartlink docs/bench.png
echo "wrote BENCHMARKS.md and docs/bench.png"
exit $status
