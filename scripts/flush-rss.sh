#!/usr/bin/env bash
# scripts/flush-rss.sh [ROWS] — time and peak RSS of flushing the bench
# table (bench/schemas/bench/rows.yaml) to Parquet, each run a separate
# process that opens an existing DB: the DB is created once by
# `instr -mode create`, and copied before each run (a flush deletes the
# hot rows it wrote). Prints two lines:
#
#	flush rows=N seconds=S maxrss_mib=M
#	baseline rows=N seconds=S maxrss_mib=M
#
# seconds is timed inside each process on the same clock, around the
# operation only (opening the DB and, for the baseline, reading the rows to
# Arrow are outside it); maxrss_mib is the process's peak RSS from
# /usr/bin/time -v. The baseline is a raw Pebble iteration over the rows
# plus a pqarrow write of them prebuilt in memory with the flush's writer
# settings: its RSS holds every row as Arrow and is not comparable.
# INSTR_FLAGS adds flags to both runs (e.g. "-cpuprofile /tmp/cpu").
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
for mode in flush baseline; do
	rm -rf "$work/run" && cp -r "$work/db" "$work/run"
	# shellcheck disable=SC2086
	/usr/bin/time -v -o "$work/time" "$work/instr" -timed -mode "$mode" -rows "$rows" -ops 1 -db "$work/run" ${INSTR_FLAGS:-} >"$work/out"
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$work/time")
	echo "$(cat "$work/out") maxrss_mib=$rss"
done
