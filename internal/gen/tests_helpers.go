package gen

import (
	"github.com/dave/jennifer/jen"
)

// Generated tests keep only what is specific to a table (random<Entity>,
// diff<Entity>, compare<Key>, the per-index and per-kind tests). Everything
// they share with every other table (random values of each column type, a
// temporary database, collecting and comparing rows, random scan requests
// and the comparison of the generated provider with the schema-driven one)
// is runtime/tabletest, which they import like any other runtime package.
// It is tested and documented there once instead of being copied into every
// generated package.

// pathTabletest is the import path of runtime/tabletest.
const pathTabletest = "github.com/tablegen/tablegen/runtime/tabletest"

// importTabletest names the runtime/tabletest import of a generated test
// file, so that it is imported without an alias.
func importTabletest(f *jen.File) { f.ImportName(pathTabletest, "tabletest") }

// tabletest is tabletest.<name>.
func tabletest(name string) *jen.Statement { return jen.Qual(pathTabletest, name) }

// openDB is `tabletest.OpenDB(t)`: a fresh database that the test or
// benchmark t closes when it ends.
func openDB(t string) *jen.Statement { return tabletest("OpenDB").Call(jen.Id(t)) }
