package gen

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// byTag returns the table's columns in tag order, the order rows are
// written in (canonical protobuf order).
func (tp *tablePlan) byTag() []*schema.Column {
	cols := slices.Clone(tp.t.Columns)
	slices.SortFunc(cols, func(a, b *schema.Column) int { return cmp.Compare(a.Tag, b.Tag) })
	return cols
}

// codecDecls emits append<Entity>Row, decode<Entity>Row and
// decode<Entity>Columns.
func (tp *tablePlan) codecDecls(f *jen.File) {
	e := tp.entity
	f.Add(docf("append%sRow appends the row encoding of v to dst: protobuf wire format with each\ncolumn's tag as field number. Zero values of non-nullable columns are left out, as proto3\ndoes, and read back as zero; nullable columns are written whenever they are not null.", e))
	f.Func().Id("append"+e+"Row").Params(jen.Id("dst").Index().Byte(), jen.Id("v").Op("*").Id(e)).Index().Byte().BlockFunc(func(g *jen.Group) {
		for _, c := range tp.byTag() {
			field := jen.Id("v").Dot(c.GoName)
			val := field.Clone()
			var cond *jen.Statement
			switch {
			case c.Nullable && pointerNullable(c.Type):
				cond = field.Clone().Op("!=").Nil()
				val = jen.Op("*").Add(field.Clone())
			case c.Nullable:
				cond = field.Clone().Op("!=").Nil()
			default:
				cond = nonZero(c, field.Clone())
			}
			g.If(cond).Block(
				jen.Id("dst").Op("=").Qual(pathRowenc, "Append"+typeWord(c.Type)).Call(jen.Id("dst"), jen.Lit(int(c.Tag)), encArg(c, val)),
			)
		}
		g.Return(jen.Id("dst"))
	})
	f.Line()

	f.Add(docf("decode%sRow decodes a row encoded by append%sRow into v, replacing its contents.\nUnknown tags (columns added by a newer build) are skipped. b is owned by the row: v's\nstrings and byte slices are views into b, not copies, so the caller must hand over a buffer\nthat nothing modifies or reuses while v is in use. The store does (see store.Spec.DecodeRow):\nit copies each stored value once, and a row costs one allocation, not one per column.", e, e))
	f.Func().Id("decode"+e+"Row").Params(jen.Id("b").Index().Byte(), jen.Id("v").Op("*").Id(e)).Error().BlockFunc(func(g *jen.Group) {
		tp.decodeBody(g, nil, true)
	})
	f.Line()

	f.Add(docf("decode%sColumns is decode%sRow for a projection: it decodes only the columns i with\nwant[i] true, where i is the column's position in the schema (declaration order), and\nleaves the others zero. Unwanted fields are skipped without allocating. Positions at or past\nlen(want) are not wanted. Unlike decode%sRow it copies strings and byte slices and keeps\nno reference to b, which scans pass straight from Pebble's iterator.", e, e, e))
	f.Func().Id("decode"+e+"Columns").Params(jen.Id("b").Index().Byte(), jen.Id("v").Op("*").Id(e), jen.Id("want").Index().Bool()).Error().BlockFunc(func(g *jen.Group) {
		pos := map[*schema.Column]int{}
		for i, c := range tp.t.Columns {
			pos[c] = i
		}
		tp.decodeBody(g, pos, false)
	})
	f.Line()
}

// decodeBody emits the decode loop; with pos non-nil each column is decoded
// only when want[pos[c]] is set. With owned the decoder aliases b
// (rowenc.NewOwnedDecoder: the row owns b); otherwise it copies.
func (tp *tablePlan) decodeBody(g *jen.Group, pos map[*schema.Column]int, owned bool) {
	g.Op("*").Id("v").Op("=").Id(tp.entity).Values()
	newDecoder := "NewDecoder"
	if owned {
		newDecoder = "NewOwnedDecoder"
	}
	g.Id("d").Op(":=").Qual(pathRowenc, newDecoder).Call(jen.Id("b"))
	g.For(jen.Id("d").Dot("Next").Call()).Block(
		jen.Switch(jen.Id("d").Dot("Tag").Call()).BlockFunc(func(sw *jen.Group) {
			for _, c := range tp.byTag() {
				assign := tp.decodeAssign(c)
				if pos != nil {
					i := pos[c]
					assign = []jen.Code{jen.If(jen.Len(jen.Id("want")).Op(">").Lit(i).Op("&&").Id("want").Index(jen.Lit(i))).Block(assign...)}
				}
				sw.Case(jen.Lit(int(c.Tag))).Block(assign...)
			}
		}),
	)
	g.If(jen.Err().Op(":=").Id("d").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(
		jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("decode %s row: %%w", tp.t.FullName())), jen.Err())),
	)
	g.Return(jen.Nil())
}

// decodeAssign is the statement that reads the current field into column c.
func (tp *tablePlan) decodeAssign(c *schema.Column) []jen.Code {
	field := jen.Id("v").Dot(c.GoName)
	read := decConv(c, tp.enums[c], jen.Id("d").Dot(typeWord(c.Type)).Call())
	if c.Nullable && pointerNullable(c.Type) {
		return []jen.Code{
			jen.Id("x").Op(":=").Add(read),
			field.Op("=").Op("&").Id("x"),
		}
	}
	return []jen.Code{field.Op("=").Add(read)}
}
