# tablegen — the developer entry points. `make help` lists them.
# Two commands matter on a fresh machine: `make demo` (the main job) and `make test` (every test).

GO        ?= go
TABLEGEN  := $(GO) run ./cmd/tablegen
FUZZTIME  ?= 10s
BENCHCOUNT ?= 5
# The packages with concurrency of their own (locks, goroutines, servers) run once, under
# the race detector; every other package runs once, plainly. No test runs twice.
RACE_PKGS := ./runtime/store ./runtime/flush ./runtime/rowid ./runtime/flight
# The race packages' single-goroutine model tests and SIGKILL loops have no concurrency
# for the race detector to check and run 3–10× slower under it, and its instrumentation
# allocates, which allocation counts would see; so they run once, plainly.
SERIAL_TESTS := ^(TestColdModel|TestColdStreamModel|TestSelectModel|TestUnionDifferentialRandom|TestModel|TestDeleteCrash|TestCrashKill|TestCompactCrashKill|TestCompactFaultEveryStep|TestScanNullablesAllocatePerSlab)$$
PLAIN_PKGS = $(shell $(GO) list ./... | grep -v -x -F $(foreach p,$(RACE_PKGS),-e github.com/tablegen/tablegen/$(patsubst ./%,%,$(p))))

.PHONY: help generate check check-static test test-slow bench bench-check bench-quick fuzz demo interop clean

help:
	@echo "make demo        run examples/quickstart on an embedded Pebble DB under ./data"
	@echo "make test        run every test (unit, golden, property, generated, race, examples)"
	@echo "make check       make check-static (gofmt, go vet, tablegen check) + make test (what CI runs)"
	@echo "make generate    regenerate generated/, docs/schema/, schemas/tablegen.schema.json, the lock file, the runtime's test fixture"
	@echo "make test-slow   long crash/soak suites"
	@echo "make bench       benchmarks (-count=$(BENCHCOUNT)), summarized with benchstat"
	@echo "make bench-check instruction counts of the headline paths vs bench/instructions.txt (fails on > 10%)"
	@echo "make bench-quick the scan ratio table from instruction counts (< 3 minutes)"
	@echo "make fuzz        every fuzz target for FUZZTIME=$(FUZZTIME)"
	@echo "make interop     the demo, then DuckDB (from npm) reads its Parquet files"

generate:
	$(GO) generate ./cmd/tablegen ./runtime/internal/fixture/chat

check: check-static test

check-static:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@for d in examples/*/ bench/ runtime/internal/fixture/; do \
	  if [ -f $$d/go.mod ]; then (cd $$d && $(GO) vet ./...) || exit 1; fi; \
	  if [ -f $$d/tablegen.yaml ]; then (cd $$d && $(GO) run github.com/tablegen/tablegen/cmd/tablegen check) || exit 1; fi; \
	done
	$(TABLEGEN) check

test:
	$(GO) test $(PLAIN_PKGS)
	$(GO) test -run '$(SERIAL_TESTS)' $(RACE_PKGS)
	$(GO) test -race -skip '$(SERIAL_TESTS)' $(RACE_PKGS)
	@for d in examples/*/ bench/; do \
	  if [ -f $$d/go.mod ]; then echo "== $$d (own module)"; (cd $$d && $(GO) test ./...) || exit 1; fi; \
	done

test-slow:
	TABLEGEN_SLOW=1 $(GO) test -timeout 60m -run 'Slow|Crash|Soak' ./...

bench:
	@scripts/bench.sh $(BENCHCOUNT)

bench-check:
	@scripts/bench-check.sh

bench-quick:
	@scripts/bench-check.sh quick

fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

demo:
	$(GO) run ./examples/quickstart

interop:
	scripts/duckdb-check.sh --install
	$(GO) run ./examples/quickstart
	scripts/duckdb-check.sh
	$(GO) test ./runtime/flush -run 'TestDuckDBReadsEveryOwner|TestDuckDBReadsCompacted' -count=1 -v

clean:
	rm -rf data
