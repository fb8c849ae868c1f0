#!/usr/bin/env bash
# scripts/bench.sh COUNT — what `make bench` runs (COUNT = BENCHCOUNT, default 5).
#
# 1. The bench module (bench/, its own go.mod): tablegen (plain and with its
#    index covering) vs raw Pebble vs badgerhold vs a reflection+JSON store,
#    -count COUNT. Insert runs with
#    -benchtime 1x (one op = loading all rows, ~2–15 s per implementation);
#    the read workloads with -benchtime $READ_TIME.
# 2. The in-repo runtime benchmarks (./runtime/...) with -benchtime $RUNTIME_TIME.
# 3. The goals of issue 20 are stated at 1M rows: the bench module again at
#    BENCH_LARGE_ROWS (default 1000000, -count BENCH_LARGE_COUNT, default 1;
#    tablegen plain and covering, raw Pebble and badgerhold: BENCH_LARGE_IMPLS),
#    the runtime benchmarks those goals name with their table-size flags at
#    that size, and scripts/flush-rss.sh (a flush of a DB of that size as a
#    process of its own, under /usr/bin/time -v). BENCH_LARGE_ROWS=0 skips it.
# 4. Instruction counts of the headline paths (scripts/instructions.sh) with
#    their callgrind listings, compared with bench/instructions.txt.
# 5. CPU profiles of the workloads the goals are about (tablegen, raw,
#    badgerhold; the flush and the indexed insert), summarized with
#    `go tool pprof -top`.
# 6. benchstat over the raw output, then bench/cmd/report writes
#    BENCHMARKS.md and docs/bench.png.
#
# Raw output stays in bench/out/ (gitignored). On the reference machine
# (2 cores) the whole run takes about 13 minutes with COUNT=1, of which the
# 1M-row part (badgerhold's two loads of ~2 minutes each) is 6; tune with
#   BENCH_ROWS (default 100000), BENCH_READTIME (default 300ms),
#   BENCH_RUNTIMETIME (default 100ms), BENCH_PROFILETIME (default 3s: how long
#   each profiled read workload runs; Insert is profiled over 3 loads).
set -euo pipefail

count=${1:-5}
rows=${BENCH_ROWS:-100000}
read_time=${BENCH_READTIME:-300ms}
runtime_time=${BENCH_RUNTIMETIME:-100ms}
profile_time=${BENCH_PROFILETIME:-3s}
large_rows=${BENCH_LARGE_ROWS:-1000000}
large_count=${BENCH_LARGE_COUNT:-1}
# badgerhold is there because the lookup goal compares with it (its Load
# commits early where Badger refuses a transaction as too big, see
# bench/badgerhold.go; ~2 minutes per load of 1M rows); the json store
# takes a minute per load and no goal names it.
large_impls=${BENCH_LARGE_IMPLS:-tablegen|covering|raw|badgerhold}

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
large_insert_cmd="go test -run '^\$' -bench '^BenchmarkInsert\$/^impl=($large_impls)\$' -benchtime 1x -benchmem -count $large_count -timeout 60m . -args -rows $large_rows"
large_read_cmd="go test -run '^\$' -bench '^BenchmarkRead\$/^impl=($large_impls)\$' -benchtime $read_time -benchmem -count $large_count -timeout 60m . -args -rows $large_rows"
# The flush's two sides move by up to ±25% between single runs on this
# machine (the baseline most, right after a load), so the flush goal's
# deciding ratio is a median of five of each.
large_runtime_cmds=(
	"go test -run '^\$' -bench '^(BenchmarkFullScan|BenchmarkProjection)\$' -benchtime 3x -count 3 -timeout 60m ./runtime/scan -scan.rows $large_rows"
	"go test -run '^\$' -bench '^BenchmarkFlush\$' -benchtime 1x -count 5 -timeout 60m ./runtime/flush -rows $large_rows"
	"go test -run '^\$' -bench '^BenchmarkColdGet\$' -benchtime 3000x -count 3 -timeout 60m ./runtime/flush -cold.rows $large_rows"
)

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

large_args=()
if [ "$large_rows" -gt 0 ]; then
	cd "$root/bench"
	echo "== bench module at $large_rows rows: $large_insert_cmd"
	eval "$large_insert_cmd" | tee "$out/large.txt" || { echo "bench.sh: the bench module failed at $large_rows rows; the report includes what ran" >&2; status=1; }
	echo "== bench module at $large_rows rows: $large_read_cmd"
	eval "$large_read_cmd" | tee -a "$out/large.txt" || { echo "bench.sh: the bench module failed at $large_rows rows; the report includes what ran" >&2; status=1; }
	cd "$root"
	: >"$out/runtime-large.txt"
	for c in "${large_runtime_cmds[@]}"; do
		echo "== runtime at $large_rows rows: $c"
		if ! eval "$c" >>"$out/runtime-large.txt" 2>&1; then
			echo "bench.sh: $c failed (see bench/out/runtime-large.txt); the report includes what ran" >&2
			status=1
		fi
	done
	grep -E '^(Benchmark|pkg:|ok|FAIL)' "$out/runtime-large.txt" || true
	echo "== one flush of $large_rows rows as its own process"
	if "$root/scripts/flush-rss.sh" "$large_rows" | tee "$out/procs.txt"; then
		large_args+=(-procs "$out/procs.txt")
	else
		echo "bench.sh: scripts/flush-rss.sh failed; the report says the flush process was not measured" >&2
		status=1
	fi
	large_args+=(-large "$out/large.txt" -runtime-large "$out/runtime-large.txt" -large-rows "$large_rows")
fi

echo "== instruction counts"
count_args=()
rm -rf "$out/callgrind" && mkdir -p "$out/callgrind"
if INSTR_PROFILES="$out/callgrind" "$root/scripts/instructions.sh" "$out/instructions.txt"; then
	count_args=(-instructions "$out/instructions.txt" -instructions-base "$root/bench/instructions.txt" -callgrind "$out/callgrind")
else
	echo "bench.sh: scripts/instructions.sh failed (is valgrind installed?); the report has no instruction counts" >&2
	status=1
fi

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
	(cd "$out" && ./bench.test -test.run '^$' -test.bench "^BenchmarkRead/impl=$impl/op=FullScan\$" -test.benchtime "$profile_time" \
		-test.cpuprofile "cpu-FullScan-$impl.prof" -rows "$rows" >/dev/null)
	go tool pprof -top -nodecount=100000 -tagfocus workload=FullScan "$out/bench.test" "$out/cpu-FullScan-$impl.prof" >"$out/profile-FullScan-$impl.top.txt" 2>/dev/null
	for wl in Get Lookup; do
		go tool pprof -top -nodecount=100000 -tagfocus "workload=$wl" "$out/bench.test" "$out/cpu-Read-$impl.prof" \
			>"$out/profile-$wl-$impl.top.txt" 2>/dev/null
	done
done

# The lookup goal is stated at the large size, where the table no longer
# fits the block cache: profile both tablegen lookups there too (the
# 100k-row profiles above show the in-cache costs).
if [ "$large_rows" -gt 0 ]; then
	for impl in tablegen covering; do
		(cd "$out" && ./bench.test -test.run '^$' -test.bench "^BenchmarkRead/impl=$impl/op=Lookup\$" -test.benchtime "$profile_time" \
			-test.cpuprofile "cpu-Lookup-$impl-large.prof" -rows "$large_rows" >/dev/null)
		go tool pprof -top -nodecount=100000 -tagfocus workload=Lookup "$out/bench.test" "$out/cpu-Lookup-$impl-large.prof" \
			>"$out/profile-Lookup-$impl@$large_rows.top.txt" 2>/dev/null
	done
fi

cd "$root"
for spec in "runtime/flush BenchmarkFlush/flush Flush-flush -rows $rows" "runtime/store BenchmarkInsertIndexes/two InsertIndexes-two" "runtime/store BenchmarkInsertIndexes/none InsertIndexes-none"; do
	set -- $spec
	go test -c -o "$out/$(basename "$1").test" "./$1"
	(cd "$out" && "./$(basename "$1").test" -test.run '^$' -test.bench "^$2\$" -test.benchtime 3x -test.cpuprofile "cpu-$3.prof" "${@:4}" >/dev/null)
	go tool pprof -top -nodecount=100000 "$out/$(basename "$1").test" "$out/cpu-$3.prof" >"$out/profile-$3.top.txt" 2>/dev/null
done
cd "$root/bench"

echo "== benchstat"
benchstat -col /impl "$out/bench.txt" >"$out/benchstat.txt"
cat "$out/benchstat.txt"

echo "== report"
findings=()
[ -f findings.md ] && findings=(-findings findings.md)
[ -f findings20.md ] && findings+=(-findings20 findings20.md)
go run ./cmd/report \
	-bench "$out/bench.txt" -runtime "$out/runtime.txt" -benchstat "$out/benchstat.txt" \
	-profiles "$out" "${findings[@]}" -rows "$rows" "${large_args[@]}" "${count_args[@]}" \
	-goversion "$(go version)" \
	-load "1/5/15-minute load average $load_before before the bench module ran, $load_after after" \
	-command "scripts/bench.sh $count (make bench), i.e. in bench/: $insert_cmd; $read_cmd; in the repository root: $runtime_cmd$( [ "$large_rows" -gt 0 ] && printf '; at %s rows, in bench/: %s; %s; in the root: %s; scripts/flush-rss.sh %s' "$large_rows" "$large_insert_cmd" "$large_read_cmd" "$(IFS=';'; echo "${large_runtime_cmds[*]}")" "$large_rows"); scripts/instructions.sh" \
	-benchtime "Insert -benchtime 1x (one op loads all $rows rows); reads -benchtime $read_time; runtime packages -benchtime $runtime_time; all -count $count" \
	-out "$root/BENCHMARKS.md" -png "$root/docs/bench.png" -chartlink docs/bench.png
echo "wrote BENCHMARKS.md and docs/bench.png"
exit $status
