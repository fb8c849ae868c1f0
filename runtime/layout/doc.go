// Package layout is the one description of a table the runtime runs on:
// its id and names, its kind, key, columns, indexes and expiry, what each
// means for the stored bytes, and the one [Diff] that says which changes
// between two descriptions keep those bytes readable.
//
// The store records a [Table] in every database and diffs it on open
// (upgrade-on-open); `tablegen breaking` diffs the tables of two lock files
// with the same function, so the compiler and the runtime cannot disagree
// about a rule. The package imports only the standard library, so generated
// code and tools can depend on it without pulling in the store.
package layout
