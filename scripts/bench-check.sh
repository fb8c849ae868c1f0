#!/usr/bin/env bash
# scripts/bench-check.sh [quick] — noise-free benchmark checks from
# instruction counts (scripts/instructions.sh).
#
#   bench-check.sh        (make bench-check) count every headline path and
#                         fail when one costs > 10% more instructions per op
#                         than the committed baseline, bench/instructions.txt
#                         (update it by running scripts/instructions.sh
#                         bench/instructions.txt after an intended change).
#   bench-check.sh quick  (make bench-quick) count the scan paths only, on
#                         fewer rows, and print the ratio table the goals of
#                         the columnar scan are stated in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

ratios() { # file → the goal ratios
	awk '
	{ ir[$1] = $2 }
	function row(what, a, b, goal) {
		if (!(a in ir) || !(b in ir)) return
		printf "| %s | %s ÷ %s | %.2f× | %s |\n", what, a, b, ir[a] / ir[b], goal
	}
	END {
		print "| ratio | modes | instructions | goal |"
		print "|---|---|---:|---|"
		row("full 20-column scan to Arrow vs raw iteration + building from pre-decoded rows", "scan", "build", "≤ 1.5×")
		row("1-of-20 projection vs raw iteration", "scan1", "raw", "≤ 1.3×")
		row("full scan vs raw iteration", "scan", "raw", "")
		row("typed full scan (generated store) vs the hand-written codec", "typedscan", "rawscan", "≤ 1.3×")
	}' "$1"
}

if [ "${1:-}" = quick ]; then
	INSTR_ROWS=${INSTR_ROWS:-5000} INSTR_MODES="scan scan1 raw build typedscan rawscan" "$root/scripts/instructions.sh" "$tmp"
	ratios "$tmp"
	exit 0
fi

base="$root/bench/instructions.txt"
if [ ! -f "$base" ]; then
	echo "bench-check: no baseline $base; make one with scripts/instructions.sh $base" >&2
	exit 1
fi
rows=$(awk 'NR == 1 { sub("rows=", "", $3); print $3 }' "$base")
INSTR_ROWS=$rows "$root/scripts/instructions.sh" "$tmp"
ratios "$tmp"
awk -v limit=1.10 '
	NR == FNR { base[$1] = $2; next }
	($1 in base) {
		r = $2 / base[$1]
		status = "ok"
		if (r > limit) { status = "REGRESSION"; bad++ }
		printf "%-9s %14d Ir/op, baseline %14d: %+.1f%% %s\n", $1, $2, base[$1], (r - 1) * 100, status
	}
	END { if (bad) { printf "bench-check: %d path(s) cost more than 10%% over bench/instructions.txt\n", bad; exit 1 } }
' "$base" "$tmp"
