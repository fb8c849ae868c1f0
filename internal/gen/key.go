package gen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// keysFile is keys.go: the key types several tables of the namespace share.
func (p *pkgPlan) keysFile() *jen.File {
	var sources []string
	for _, kp := range p.sharedKeys {
		for _, s := range kp.sources {
			if !slices.Contains(sources, s) {
				sources = append(sources, s)
			}
		}
	}
	slices.Sort(sources)
	f := p.newFile(sources)
	for _, kp := range p.sharedKeys {
		kp.decls(f)
	}
	return f
}

// tableNames lists the tables using the key, for doc comments.
func (k *keyPlan) tableNames() string {
	var names []string
	for _, tp := range k.tables {
		names = append(names, tp.t.FullName())
	}
	return strings.Join(names, ", ")
}

// columnList describes the key columns for doc comments.
func (k *keyPlan) columnList() string {
	var cols []string
	for i, c := range k.cols {
		s := c.Name
		if k.desc[i] {
			s += " (descending)"
		}
		cols = append(cols, s)
	}
	return strings.Join(cols, ", ")
}

// fieldType is the Go type of key column i.
func (k *keyPlan) fieldType(i int) *jen.Statement { return baseType(k.cols[i], k.enumTypes[i]) }

// value is the Go expression of key column i of key expression x, in the
// column's own type (string(k) for a named scalar, k.Field for a struct).
func (k *keyPlan) value(i int, x *jen.Statement) *jen.Statement {
	if k.single() {
		return k.fieldType(0).Call(x)
	}
	return x.Dot(k.cols[i].GoName)
}

// decls emits the key type, AppendKey, Decode<Key> and String.
func (k *keyPlan) decls(f *jen.File) {
	doc := fmt.Sprintf("%s is the primary key of %s.", k.name, k.tableNames())
	if k.single() {
		doc += fmt.Sprintf("\nIt is the value of column %s.", k.columnList())
	} else {
		doc += fmt.Sprintf("\nIts columns, in key order: %s.", k.columnList())
	}
	doc += " Encoded keys (AppendKey) sort in that order."
	f.Add(docComment(doc))
	if k.single() {
		f.Type().Id(k.name).Add(k.fieldType(0))
	} else {
		f.Type().Id(k.name).StructFunc(func(g *jen.Group) {
			for i, c := range k.cols {
				g.Id(c.GoName).Add(k.fieldType(i))
			}
		})
	}
	f.Line()

	f.Add(docComment("AppendKey appends the order-preserving encoding of k to dst: encoded keys compare\nbytewise in the same order as the keys, and no key's encoding is a prefix of another's."))
	f.Func().Params(jen.Id("k").Id(k.name)).Id("AppendKey").Params(jen.Id("dst").Index().Byte()).Index().Byte().BlockFunc(func(g *jen.Group) {
		for i, c := range k.cols {
			arg := underlyingType(c).Call(jen.Id("k"))
			if c.Type == schema.TypeDecimal {
				arg = encArg(c, arg)
			}
			if !k.single() {
				arg = encArg(c, jen.Id("k").Dot(c.GoName))
			}
			if i == len(k.cols)-1 {
				g.Return(keyencAppend(c, k.desc[i]).Call(jen.Id("dst"), arg))
			} else {
				g.Id("dst").Op("=").Add(keyencAppend(c, k.desc[i])).Call(jen.Id("dst"), arg)
			}
		}
	})
	f.Line()

	zero := k.zero()
	f.Add(docf("Decode%s decodes a key encoded by AppendKey. Truncated or corrupt input and trailing\nbytes are errors that wrap keyenc.ErrMalformed; no input panics.", k.name))
	f.Func().Id("Decode"+k.name).Params(jen.Id("b").Index().Byte()).Params(jen.Id(k.name), jen.Error()).BlockFunc(func(g *jen.Group) {
		in := jen.Id("b")
		for i, c := range k.cols {
			v := jen.Id(fmt.Sprintf("v%d", i))
			g.List(v, jen.Id("rest"), jen.Err()).Op(":=").Add(keyencDecode(c, k.desc[i])).Call(append([]jen.Code{in}, digitArgs(c)...)...)
			g.If(jen.Err().Op("!=").Nil()).Block(
				jen.Return(zero.Clone(), jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("decode %s column %s: %%w", k.name, c.Name)), jen.Err())),
			)
			in = jen.Id("rest")
		}
		g.If(jen.Len(jen.Id("rest")).Op("!=").Lit(0)).Block(
			jen.Return(zero.Clone(), jen.Qual("fmt", "Errorf").Call(
				jen.Lit(fmt.Sprintf("decode %s: %%d trailing bytes after the last key column: %%w", k.name)),
				jen.Len(jen.Id("rest")), jen.Qual(pathKeyenc, "ErrMalformed"))),
		)
		if k.single() {
			v0 := jen.Id("v0")
			if k.cols[0].Type == schema.TypeDecimal {
				v0 = decConv(k.cols[0], "", v0)
			}
			g.Return(jen.Id(k.name).Call(v0), jen.Nil())
			return
		}
		g.Return(jen.Id(k.name).ValuesFunc(func(g *jen.Group) {
			for i, c := range k.cols {
				g.Id(c.GoName).Op(":").Add(decConv(c, k.enumTypes[i], jen.Id(fmt.Sprintf("v%d", i))))
			}
		}), jen.Nil())
	})
	f.Line()

	if k.single() {
		f.Add(docComment("String returns the key's value, for logs and error messages."))
		x := k.value(0, jen.Id("k"))
		if k.cols[0].Type == schema.TypeInt32 {
			x = jen.Id("k") // formatValue widens it to int64 itself
		}
		f.Func().Params(jen.Id("k").Id(k.name)).Id("String").Params().String().Block(
			jen.Return(formatValue(k.cols[0], x, false)),
		)
	} else {
		f.Add(docComment("String returns the key as column=value pairs, for logs and error messages."))
		f.Func().Params(jen.Id("k").Id(k.name)).Id("String").Params().String().BlockFunc(func(g *jen.Group) {
			var parts []jen.Code
			for i, c := range k.cols {
				prefix := c.Name + "="
				if i > 0 {
					prefix = " " + prefix
				}
				parts = append(parts, jen.Lit(prefix), formatValue(c, k.value(i, jen.Id("k")), true))
			}
			expr := parts[0].(*jen.Statement)
			for _, p := range parts[1:] {
				expr = expr.Clone().Op("+").Add(p)
			}
			g.Return(expr)
		})
	}
	f.Line()
}

// zero is the zero value of the key type, for error returns.
func (k *keyPlan) zero() *jen.Statement {
	if !k.single() {
		return jen.Id(k.name).Values()
	}
	switch k.cols[0].Type {
	case schema.TypeTimestamp, schema.TypeUUID, schema.TypeDecimal:
		return jen.Id(k.name).Values()
	}
	return zeroValue(k.cols[0], "")
}

// formatValue is a string expression for value x of column c; quote
// quotes strings (inside a multi-column key, where an unquoted value could
// contain the separator).
func formatValue(c *schema.Column, x *jen.Statement, quote bool) *jen.Statement {
	switch c.Type {
	case schema.TypeBool:
		return jen.Qual("strconv", "FormatBool").Call(x)
	case schema.TypeInt32:
		return jen.Qual("strconv", "FormatInt").Call(jen.Int64().Call(x), jen.Lit(10))
	case schema.TypeInt64:
		return jen.Qual("strconv", "FormatInt").Call(x, jen.Lit(10))
	case schema.TypeUint64:
		return jen.Qual("strconv", "FormatUint").Call(x, jen.Lit(10))
	case schema.TypeString:
		if quote {
			return jen.Qual("strconv", "Quote").Call(x)
		}
		return x
	case schema.TypeBytes:
		return jen.Qual("encoding/hex", "EncodeToString").Call(x)
	case schema.TypeTimestamp:
		return x.Dot("Format").Call(jen.Qual("time", "RFC3339Nano"))
	}
	// duration, uuid and enum have String methods.
	return x.Dot("String").Call()
}
