package gen

import (
	"fmt"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/layout"
)

const pathLayout = "github.com/tablegen/tablegen/runtime/layout"

// fields renders a composite literal body, one field per line, in the order
// given (jennifer's Dict would sort the keys).
func fields(fn func(g *jen.Group)) *jen.Statement {
	return jen.CustomFunc(jen.Options{Open: "{", Close: "}", Separator: ",", Multi: true}, fn)
}

// kv is one "Name: value" element of a composite literal.
func kv(name string, v jen.Code) *jen.Statement { return jen.Id(name).Op(":").Add(v) }

// layoutLiteral renders l, the table's layout as schema.Table.Layout maps
// it, as a runtime/layout composite literal: columns in declaration order,
// only the fields that are set.
func layoutLiteral(l layout.Table) *jen.Statement {
	return jen.Qual(pathLayout, "Table").Add(fields(func(g *jen.Group) {
		g.Add(kv("ID", jen.Lit(int(l.ID))))
		g.Add(kv("Namespace", jen.Lit(l.Namespace)))
		g.Add(kv("Name", jen.Lit(l.Name)))
		g.Add(kv("Kind", kindConst(l.Kind)))
		g.Add(kv("Key", jen.Index().Qual(pathLayout, "KeyColumn").Add(fields(func(g *jen.Group) {
			for _, k := range l.Key {
				g.ValuesFunc(func(g *jen.Group) {
					g.Add(kv("Name", jen.Lit(k.Name)))
					g.Add(kv("Type", jen.Lit(k.Type)))
					if k.Desc {
						g.Add(kv("Desc", jen.True()))
					}
				})
			}
		}))))
		g.Add(kv("Columns", jen.Index().Qual(pathLayout, "Column").Add(fields(func(g *jen.Group) {
			for _, c := range l.Columns {
				g.ValuesFunc(func(g *jen.Group) {
					g.Add(kv("Tag", jen.Lit(int(c.Tag))))
					g.Add(kv("Name", jen.Lit(c.Name)))
					g.Add(kv("Type", jen.Lit(c.Type)))
					if c.Nullable {
						g.Add(kv("Nullable", jen.True()))
					}
					if len(c.Values) > 0 {
						g.Add(kv("Values", jen.Index().String().ValuesFunc(func(g *jen.Group) {
							for _, v := range c.Values {
								g.Lit(v)
							}
						})))
					}
					if c.Type == "decimal" {
						g.Add(kv("Precision", jen.Lit(int(c.Precision))))
						g.Add(kv("Scale", jen.Lit(int(c.Scale))))
					}
				})
			}
		}))))
		if len(l.Indexes) > 0 {
			g.Add(kv("Indexes", jen.Index().Qual(pathLayout, "Index").Add(fields(func(g *jen.Group) {
				for _, ix := range l.Indexes {
					g.ValuesFunc(func(g *jen.Group) {
						g.Add(kv("ID", jen.Lit(int(ix.ID))))
						g.Add(kv("Name", jen.Lit(ix.Name)))
						g.Add(kv("Columns", jen.Index().String().ValuesFunc(func(g *jen.Group) {
							for _, c := range ix.Columns {
								g.Lit(c)
							}
						})))
						if ix.Unique {
							g.Add(kv("Unique", jen.True()))
						}
						if ix.Covering {
							// Only in the layout: the store reads it from there, and
							// the fingerprint covers it, so toggling it is a layout change.
							g.Add(kv("Covering", jen.True()))
						}
					})
				}
			}))))
		}
		if l.TTL != 0 {
			g.Add(kv("TTL", durationLit(l.TTL)))
		}
		if l.MaxRowsPerOwner != 0 {
			g.Add(kv("MaxRowsPerOwner", jen.Lit(l.MaxRowsPerOwner)))
		}
		if l.NeverFlush {
			g.Add(kv("NeverFlush", jen.True()))
		}
		if l.Owner != "" {
			g.Add(kv("Owner", jen.Lit(l.Owner)))
		}
	}))
}

// kindConst is the runtime/layout constant of kind k.
func kindConst(k layout.Kind) *jen.Statement {
	switch k {
	case layout.System:
		return jen.Qual(pathLayout, "System")
	case layout.Shared:
		return jen.Qual(pathLayout, "Shared")
	case layout.User:
		return jen.Qual(pathLayout, "User")
	}
	return jen.Qual(pathLayout, "Stream")
}

// durationLit renders d in its largest whole unit, e.g. 24 * time.Hour.
func durationLit(d time.Duration) *jen.Statement {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"}, {time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"}} {
		if d%u.d == 0 {
			return jen.Lit(int(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Qual("time", "Duration").Call(jen.Lit(int64(d)))
}

// specDecls emits the layout, the index value encoders and <Entity>Spec.
func (tp *tablePlan) specDecls(f *jen.File) {
	t, e, k := tp.t, tp.entity, tp.key

	for _, ix := range t.Indexes {
		tp.indexValuesDecl(f, ix)
	}

	f.Add(docf("%sSpec describes %s to the runtime: its layout (what the bytes mean on disk), codecs\nand indexes.", e, t.FullName()))
	spec := jen.Qual(pathStore, "Spec").Types(jen.Id(k.name), jen.Id(e))
	f.Func().Id(e + "Spec").Params().Add(spec.Clone()).Block(
		jen.Return(spec.Clone().Add(fields(func(g *jen.Group) {
			g.Add(kv("Layout", layoutLiteral(t.Layout())))
			g.Add(kv("AppendKey", jen.Func().Params(jen.Id("dst").Index().Byte(), jen.Id("k").Id(k.name)).Index().Byte().Block(
				jen.Return(jen.Id("k").Dot("AppendKey").Call(jen.Id("dst"))),
			)))
			g.Add(kv("DecodeKey", jen.Id("Decode"+k.name)))
			g.Add(kv("KeyOf", jen.Func().Params(jen.Id("v").Op("*").Id(e)).Id(k.name).Block(jen.Return(tp.keyOf(jen.Id("v"))))))
			g.Add(kv("AppendRow", jen.Id("append"+e+"Row")))
			g.Add(kv("DecodeRow", jen.Func().Params(jen.Id("b").Index().Byte(), jen.Id("v").Op("*").Id(e), jen.Id("a").Op("*").Qual(pathRowenc, "Arena")).Error().Block(
				jen.Return(jen.Id("decode"+e+"Row").Call(jen.Id("b"), jen.Id("v"), jen.Nil(), jen.Id("a"))),
			)))
			if len(t.Indexes) > 0 {
				g.Add(kv("Indexes", jen.Index().Qual(pathStore, "IndexSpec").Types(jen.Id(e)).Add(fields(func(g *jen.Group) {
					for _, ix := range t.Indexes {
						g.ValuesFunc(func(g *jen.Group) {
							g.Add(kv("ID", jen.Lit(int(ix.ID))))
							g.Add(kv("Name", jen.Lit(ix.Name)))
							if ix.Unique {
								g.Add(kv("Unique", jen.True()))
							}
							g.Add(kv("AppendValues", jen.Id("append"+e+ix.GoName+"Values")))
						})
					}
				}))))
			}
			if l := tp.accessLevel(); l != nil {
				g.Add(kv("Access", l))
			}
		}))),
	)
	f.Line()
}

// keyOf is the expression of the primary key of row v.
func (tp *tablePlan) keyOf(v *jen.Statement) *jen.Statement { return v.Dot("Key").Call() }

// keyLiteral is the key of row v built from its key columns: the body of
// the entity's Key method.
func (tp *tablePlan) keyLiteral(v *jen.Statement) *jen.Statement {
	k := tp.key
	if k.single() {
		return jen.Id(k.name).Call(v.Dot(tp.t.Key.Columns[0].GoName))
	}
	return jen.Id(k.name).ValuesFunc(func(g *jen.Group) {
		for i, c := range tp.t.Key.Columns {
			val := v.Clone().Dot(c.GoName)
			if et := tp.enums[c]; et != "" && et != k.enumTypes[i] {
				val = jen.Id(k.enumTypes[i]).Call(val)
			}
			g.Id(k.cols[i].GoName).Op(":").Add(val)
		}
	})
}

// indexColumns describes an index's columns for doc comments.
func indexColumns(ix *schema.Index) string {
	var names []string
	for _, c := range ix.Columns {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// indexValuesDecl emits the function that encodes a row's values for index ix.
func (tp *tablePlan) indexValuesDecl(f *jen.File, ix *schema.Index) {
	e := tp.entity
	doc := fmt.Sprintf("append%s%sValues appends the encoded values of index %s (%s) of v to dst.", e, ix.GoName, ix.Name, indexColumns(ix))
	if ix.Sparse {
		doc += "\nIt reports false when an indexed column is null: such rows have no entry (sparse index)."
	}
	f.Add(docComment(doc))
	f.Func().Id("append"+e+ix.GoName+"Values").Params(jen.Id("dst").Index().Byte(), jen.Id("v").Op("*").Id(e)).Params(jen.Index().Byte(), jen.Bool()).BlockFunc(func(g *jen.Group) {
		for _, c := range ix.Columns {
			if c.Nullable {
				g.If(jen.Id("v").Dot(c.GoName).Op("==").Nil()).Block(jen.Return(jen.Id("dst"), jen.False()))
			}
		}
		for _, c := range ix.Columns {
			val := jen.Id("v").Dot(c.GoName)
			if c.Nullable && pointerNullable(c.Type) {
				val = jen.Op("*").Add(val)
			}
			g.Id("dst").Op("=").Add(keyencAppend(c, false)).Call(jen.Id("dst"), encArg(c, val))
		}
		g.Return(jen.Id("dst"), jen.True())
	})
	f.Line()
}
