//go:build race

package store

// raceEnabled: the race detector's instrumentation allocates, so tests that
// count allocations skip under it (make test runs them plainly).
const raceEnabled = true
