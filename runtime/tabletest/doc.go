// Package tabletest is the support code of the tests tablegen generates for
// every table: random column values that reach the edges of each type's
// encoding, a throwaway database per test, row-sequence comparison, and the
// random scan requests with which a generated Arrow provider is checked
// against the schema-driven one, the checks of a unique index
// (UniqueIndex), and the random model-based test of a whole store
// (StoreModel), both of which a generated test runs through closures over
// its table's store.
//
// None of it knows a particular table. What does (random<Entity>,
// diff<Entity>, check<Entity>Store, the other per-index tests) stays
// generated next to the table, and calls into this package for the parts that are the same in every
// namespace. Keeping them here rather than copying them into each generated
// package means one place to fix, test and document them, and generated
// tests that read as the table-specific checks they are.
//
// The package is not a _test.go file so that generated tests in any module
// can import it; it imports "testing" and is meant for tests only.
//
// # Determinism
//
// Every generator takes the test's *rand.Rand and draws from it in a fixed
// order, so a test seeded with a constant (generated tests use the table id)
// sees the same values on every run and machine, and a failure reproduces.
// Changing the order or number of draws of a generator changes the data of
// every generated test; treat it as a change to those tests.
package tabletest
