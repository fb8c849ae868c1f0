#!/usr/bin/env bash
# scripts/instructions.sh [OUT] — instruction counts of the headline paths,
# repeatable on a busy machine (what `make bench-check` and
# `make bench-quick` run).
#
# It counts the instructions of the whole bench/cmd/instr process under
# valgrind --tool=callgrind with -ops 0 (the setup alone, the same in every
# mode) and, for each mode, with -ops N, and prints (Ir(N) - Ir(0)) / N: the
# instructions of one op, setup excluded. GOMAXPROCS=1, a fixed GOGC and no asynchronous
# preemption (which callgrind's signal handling cannot follow) keep the
# runtime's own variation small. Output lines: "mode Ir-per-op rows=R".
# Tune with INSTR_ROWS (default 10000) and INSTR_MODES. With INSTR_PROFILES=DIR
# it also leaves the callgrind_annotate listing of every process there
# (callgrind-setup.txt, callgrind-<mode>-ops<N>.txt), from which
# bench/cmd/report makes each op's profile by the same subtraction.
set -euo pipefail

out=${1:-/dev/stdout}
rows=${INSTR_ROWS:-10000}
modes=${INSTR_MODES:-"get insert scan scan1 raw build lookup flush typedscan rawscan"}
root=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v valgrind >/dev/null 2>&1; then
	echo "instructions.sh: valgrind is not installed; install it (Debian: apt-get install -y valgrind) and retry" >&2
	exit 1
fi
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd "$root/bench" && go build -o "$bin/instr" ./cmd/instr)

"$bin/instr" -mode create -rows "$rows" -db "$bin/db"
profiles=${INSTR_PROFILES:-}
[ -n "$profiles" ] && mkdir -p "$profiles"
count() { # mode ops → total Ir of the process, on a fresh copy of the DB
	rm -rf "$bin/run" && cp -r "$bin/db" "$bin/run"
	cgout=/dev/null
	[ -n "$profiles" ] && cgout="$bin/cg.out"
	GOMAXPROCS=1 GOGC=off GODEBUG=asyncpreemptoff=1 \
		valgrind --tool=callgrind --callgrind-out-file="$cgout" \
		"$bin/instr" -mode "$1" -rows "$rows" -ops "$2" -db "$bin/run" 2>"$bin/log" >/dev/null ||
		{ cat "$bin/log" >&2; echo "instructions.sh: -mode $1 -ops $2 failed" >&2; return 1; }
	if [ -n "$profiles" ]; then
		name="callgrind-$1-ops$2.txt"
		[ "$2" = 0 ] && name=callgrind-setup.txt
		callgrind_annotate --auto=no --threshold=100 "$bin/cg.out" >"$profiles/$name" 2>/dev/null
	fi
	awk '/Collected :/ {print $4}' "$bin/log"
}

: >"$bin/out"
base=$(count setup 0)
for m in $modes; do
	n=${INSTR_OPS:-5}
	[ "$m" = flush ] && n=1
	total=$(count "$m" "$n")
	if [ -z "$base" ] || [ -z "$total" ]; then
		echo "instructions.sh: $m: valgrind gave no count" >&2
		exit 1
	fi
	echo "$m $(((total - base) / n)) rows=$rows" | tee -a "$bin/out" >&2
done
cp "$bin/out" "$out" 2>/dev/null || cat "$bin/out"
