// Package upgradetest checks, end to end, that a database written by one
// version of generated code opens with the next: the fixture schemas in
// testdata/v1 and testdata/v2 are compiled by tablegen into v1gen and v2gen
// (committed, like any generated code), and the tests write rows with v1,
// open them with v2 (a column added, a column retired, a column widened, an
// enum value appended, an index dropped and two added) and check what v2
// reads and what its new indexes answer. They also check that the runtime's
// verdict on the change matches `tablegen breaking`'s (internal/compat).
//
// The package has no code of its own; regenerate the fixtures with
// `go generate ./internal/upgradetest` after changing the generator.
package upgradetest

//go:generate go run ../../cmd/tablegen generate -schemas testdata/v1 -out v1gen
//go:generate go run ../../cmd/tablegen generate -schemas testdata/v2 -out v2gen
