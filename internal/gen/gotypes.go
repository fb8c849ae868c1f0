package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// This file honours tablegen.yaml's go_types: a column's field gets a named
// Go type of the user's instead of the column type's default. The codec
// contract is the simplest that needs no code of the user's: the named
// type's underlying type is the column's default Go type (type Cents int64
// for an int64 column, type Markdown string for a string column). The
// generated code converts with T(x) on decode and base(x) on encode, and
// each file asserts the contract at compile time with a pointer conversion,
// (*int64)((*units.Cents)(nil)), which compiles only when the underlying
// types are identical (a numeric conversion that could truncate does not).
// Methods of the named type (String, MarshalText, …) are the user's; the
// stored bytes and the layout are those of the column type, so go_types is
// never a layout change.

// goTypeColumnTypes are the column types go_types applies to: those whose
// default Go type is a predeclared type or []byte, so that a named type
// over it converts both ways.
var goTypeColumnTypes = map[schema.Type]bool{
	schema.TypeBool: true, schema.TypeInt32: true, schema.TypeInt64: true, schema.TypeUint64: true,
	schema.TypeFloat64: true, schema.TypeString: true, schema.TypeBytes: true,
}

// applyGoTypes records each go_types entry on its column (schema.Column.
// GoType), refusing entries the contract cannot serve: a column that is not
// in s, of another type, in the key or an index (their encodings and the
// typed scan parameters keep the column type), a predeclared or pointer type.
func applyGoTypes(s *schema.Schema, gts []schema.GoType, fail func(schema.Pos, string, ...any)) {
	cols := map[string]*schema.Column{}
	keyed := map[*schema.Column]string{}
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			c.GoType = ""
			cols[t.FullName()+"."+c.Name] = c
		}
		if t.Key != nil {
			for _, c := range t.Key.Columns {
				keyed[c] = "the key"
			}
		}
		for _, ix := range t.Indexes {
			for _, c := range ix.Columns {
				keyed[c] = "index " + ix.Name
			}
		}
	}
	for _, g := range gts {
		c := cols[g.Column]
		i := strings.LastIndexByte(g.Type, '.')
		switch {
		case c == nil:
			fail(g.Pos, "go_types: no column %s in the schemas", g.Column)
		case !goTypeColumnTypes[c.Type]:
			fail(g.Pos, "go_types: %s is a %s column; go_types applies to columns of type bool, int32, int64, uint64, float64, string and bytes", g.Column, c.Type)
		case keyed[c] != "":
			fail(g.Pos, "go_types: %s is a column of %s, whose encoding and typed lookups keep the column's Go type; give the type to a column outside keys and indexes", g.Column, keyed[c])
		case strings.HasPrefix(g.Type, "*") || i <= 0:
			fail(g.Pos, "go_types: %s: %q is not a named type of an importable package; write import/path.Type, whose underlying type is %s (nullable columns become a pointer to it by themselves)", g.Column, g.Type, defaultGoType(c))
		default:
			c.GoType = g.Type
		}
	}
}

// goTypeQual is the column's go_types type, qualified by its package.
func goTypeQual(c *schema.Column) *jen.Statement {
	i := strings.LastIndexByte(c.GoType, '.')
	return jen.Qual(c.GoType[:i], c.GoType[i+1:])
}

// defaultType is the column type's own Go type, ignoring go_types.
func defaultType(c *schema.Column) *jen.Statement {
	plain := *c
	plain.GoType = ""
	return baseType(&plain, "")
}

// defaultGoType spells defaultType for messages.
func defaultGoType(c *schema.Column) string { return fmt.Sprintf("%#v", defaultType(c)) }

// goTypeContracts emits, for each column with a go_types type, the
// compile-time check that the type's underlying type is the column's.
func (tp *tablePlan) goTypeContracts(f *jen.File) {
	for _, c := range tp.t.Columns {
		if c.GoType == "" {
			continue
		}
		f.Commentf("The go_types contract of column %s: %s's underlying type is %s.", c.Name, c.GoType, defaultGoType(c))
		f.Var().Id("_").Op("=").Parens(jen.Op("*").Add(defaultType(c))).Call(jen.Parens(jen.Op("*").Add(goTypeQual(c))).Call(jen.Nil()))
		f.Line()
	}
}
