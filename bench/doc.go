// Package bench compares tablegen's generated store with the alternatives a
// Go service would otherwise pick, on the same machine, in the same run, with
// the same rows and the same workloads:
//
//   - tablegen: the store generated from schemas/bench/rows.yaml (generated/bench);
//   - covering: the same generated store with its index declared covering
//     (entries carry their rows, layout.Index.Covering), for the indexed
//     lookup at 1M rows, where a plain index reads one scattered row per
//     match;
//   - raw: Pebble with a hand-written binary codec and hand-maintained index
//     keys, the physical limit of the storage engine;
//   - badgerhold: github.com/timshannon/badgerhold/v4 with its default (gob)
//     encoder and a badgerhold index, the reflection-based typed store users
//     would pick instead;
//   - json: a generic reflection store over Pebble with encoding/json values
//     and a reflection-maintained index, what a team writes by hand without a
//     generator.
//
// Every implementation satisfies [Store]; the benchmarks in bench_test.go
// drive them with the workloads of issue 10 and scripts/bench.sh turns the
// results into BENCHMARKS.md and docs/bench.png (see cmd/report). cmd/instr
// runs one headline path of the generated store a fixed number of times, for
// the instruction counts of scripts/instructions.sh (make bench-check), which
// do not move with the load of a shared machine as times do.
//
// This is its own Go module, so the main module never depends on badger or
// the plotting library.
package bench

//go:generate go run github.com/tablegen/tablegen/cmd/tablegen generate
