#!/usr/bin/env bash
# scripts/flush-rss.sh [ROWS] — time and peak RSS of flushing the bench
# table (bench/schemas/bench/rows.yaml) to Parquet, each run a separate
# process that opens an existing DB: the DB is created once by
# `instr -mode create`, outside the measured processes, and copied before
# each run (a flush deletes the hot rows it wrote). Prints:
#
#	flush rows=N seconds=S file_mib=F maxrss_mib=M
#	flush-cache16mib rows=N seconds=S file_mib=F maxrss_mib=M
#	baseline rows=N seconds=S maxrss_mib=M
#
# seconds is timed inside each process on the same clock, around the
# operation only (opening the DB and, for the baseline, reading the rows to
# Arrow are outside it); maxrss_mib is the process's peak RSS from
# /usr/bin/time -v. The first flush opens the DB with the bench's store
# options (a 64 MiB block cache plus 3 × 64 MiB of memtables charged to
# it: a raw scan of the table alone peaks near 250 MiB); the second with a
# 16 MiB cache and 16 MiB memtables, as a process that only flushes may
# (the service's executor shares the DB's cache with everything else).
# The baseline is a raw Pebble iteration over the rows plus a pqarrow
# write of them prebuilt in memory with the flush's writer settings; its
# RSS holds every row as Arrow and is not comparable.
# INSTR_FLAGS adds flags to every run (e.g. "-rowgroup 131072").
set -euo pipefail

rows=${1:-1000000}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x /usr/bin/time ]; then
	echo "flush-rss.sh: /usr/bin/time is not installed (Debian: apt-get install -y time)" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$root/bench" && go build -o "$work/instr" ./cmd/instr)
"$work/instr" -mode create -rows "$rows" -db "$work/db"
run() { # name mode flags... → "name rows=N seconds=S maxrss_mib=M"
	local name=$1 mode=$2
	shift 2
	rm -rf "$work/run" && cp -r "$work/db" "$work/run"
	# shellcheck disable=SC2086
	/usr/bin/time -v -o "$work/time" "$work/instr" -timed -mode "$mode" -rows "$rows" -ops 1 -db "$work/run" "$@" ${INSTR_FLAGS:-} >"$work/out"
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$work/time")
	echo "$name $(cut -d' ' -f2- "$work/out") maxrss_mib=$rss"
}
run flush flush
run flush-cache16mib flush -cache $((16 << 20)) -memtable $((16 << 20))
run baseline baseline
