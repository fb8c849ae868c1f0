#!/usr/bin/env bash
# scripts/flush-rss.sh [ROWS] — time and peak RSS of flushing the bench
# table (bench/schemas/bench/rows.yaml) to Parquet, each run a separate
# process that opens an existing DB: the DB is created once by
# `instr -mode create`, outside the measured processes, and copied before
# each run (a flush deletes the hot rows it wrote). Prints:
#
#	tablegen-flush rows=N seconds=S file_mib=F maxrss_mib=M
#	flush rows=N seconds=S file_mib=F maxrss_mib=M
#	baseline rows=N seconds=S maxrss_mib=M
#
# seconds is timed inside each process on the same clock, around the
# operation only (opening the DB and, for the baseline, reading the rows to
# Arrow are outside it); maxrss_mib is the process's peak RSS from
# /usr/bin/time -v. The first flush is the command a user runs,
# `tablegen flush` reading the table's YAML, with its defaults (a 16 MiB
# block cache and 4 MiB memtables: a flush reads each block once); its
# seconds are the ones it prints. The second is bench/cmd/instr's flush in
# a process that opens the DB with the bench's store options, a service's
# (a 64 MiB block cache plus 3 × 64 MiB of memtables charged to it: a raw
# scan of the table alone peaks near 250 MiB).
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
(cd "$root" && go build -o "$work/tablegen" ./cmd/tablegen)
"$work/instr" -mode create -rows "$rows" -db "$work/db"
measure() { # DIR COMMAND... — runs COMMAND in DIR as a process of its own on a fresh copy of the DB; sets rss
	local dir=$1
	shift
	rm -rf "$work/run" "$work/cold" && cp -r "$work/db" "$work/run"
	(cd "$dir" && /usr/bin/time -v -o "$work/time" "$@") >"$work/out"
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$work/time")
}
run() { # name mode flags... → "name rows=N seconds=S maxrss_mib=M"
	local name=$1 mode=$2
	shift 2
	# shellcheck disable=SC2086
	measure "$root" "$work/instr" -timed -mode "$mode" -rows "$rows" -ops 1 -db "$work/run" "$@" ${INSTR_FLAGS:-}
	echo "$name $(cut -d' ' -f2- "$work/out") maxrss_mib=$rss"
}
cli() { # name flags... → "name rows=N seconds=S file_mib=F maxrss_mib=M"
	local name=$1
	shift
	measure "$root/bench" "$work/tablegen" flush -db "$work/run" -to "$work/cold" "$@" bench.rows
	# "flushed bench.rows: N rows to K files (F MiB) under DIR in 2.74s (...)"
	awk -v name="$name" -v rss="$rss" '/^flushed / {
		rows = $3; mib = substr($8, 2)
		for (i = 1; i < NF; i++) if ($i == "in") d = $(i + 1)
		if (d ~ /ms$/) s = substr(d, 1, length(d) - 2) / 1000; else if (d ~ /s$/) s = substr(d, 1, length(d) - 1); else exit 1
		u = $9; scale["B)"] = 1 / 1048576; scale["KiB)"] = 1 / 1024; scale["MiB)"] = 1; scale["GiB)"] = 1024
		if (!(u in scale)) exit 1
		mib = sprintf("%.1f", mib * scale[u])
		printf "%s rows=%s seconds=%s file_mib=%s maxrss_mib=%s\n", name, rows, s, mib, rss; found = 1
	} END { if (!found) exit 1 }' "$work/out" || { echo "flush-rss.sh: cannot read tablegen flush's summary: $(cat "$work/out")" >&2; exit 1; }
}
cli tablegen-flush
run flush flush
run baseline baseline
