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

// codecDecls emits append<Entity>Row and the one projection-aware
// decode<Entity>Row.
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

	f.Add(docf("decode%sRow decodes b into v, only the columns i with rowenc.Wanted(want, i); v's strings\nand byte slices are views into b, which the row then owns, and its nullable columns point\ninto a, or to values of their own when a is nil (see store.Spec.DecodeRow).", e))
	f.Func().Id("decode"+e+"Row").Params(jen.Id("b").Index().Byte(), jen.Id("v").Op("*").Id(e), jen.Id("want").Index().Bool(), jen.Id("a").Op("*").Qual(pathRowenc, "Arena")).Error().BlockFunc(func(g *jen.Group) {
		pos := map[*schema.Column]int{}
		for i, c := range tp.t.Columns {
			pos[c] = i
		}
		tp.decodeBody(g, pos)
	})
	f.Line()
}

// decodeBody emits the decode loop: each column is decoded only when
// rowenc.Wanted(want, pos[c]). The decoder aliases b (rowenc.NewOwnedDecoder:
// the row owns b).
func (tp *tablePlan) decodeBody(g *jen.Group, pos map[*schema.Column]int) {
	g.Op("*").Id("v").Op("=").Id(tp.entity).Values()
	g.Id("d").Op(":=").Qual(pathRowenc, "NewOwnedDecoder").Call(jen.Id("b"))
	// A switch on the tag alone, with constant cases, is one the compiler
	// turns into a jump table or a binary search; with the Wanted test in
	// each case's condition it would be a chain of comparisons, one per
	// column before the matching one.
	g.For(jen.Id("d").Dot("Next").Call()).Block(
		jen.Switch(jen.Id("d").Dot("Tag").Call()).BlockFunc(func(sw *jen.Group) {
			for _, c := range tp.byTag() {
				sw.Case(jen.Lit(int(c.Tag))).Block(
					jen.If(jen.Qual(pathRowenc, "Wanted").Call(jen.Id("want"), jen.Lit(pos[c]))).Block(tp.decodeAssign(c)...),
				)
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
	var read *jen.Statement
	if c.Type == schema.TypeDecimal {
		read = decConv(c, "", jen.Id("d").Dot("Decimal").Call(jen.Lit(int(c.Scale))))
	} else {
		read = decConv(c, tp.enums[c], jen.Id("d").Dot(typeWord(c.Type)).Call())
	}
	if c.Nullable && pointerNullable(c.Type) {
		return []jen.Code{field.Op("=").Qual(pathRowenc, "New"+arenaWord(c.Type)).Call(jen.Id("a"), read)}
	}
	return []jen.Code{field.Op("=").Add(read)}
}

// arenaWord names the rowenc.New function that gives a nullable column of
// type t its pointer target: the one for the Go type its value has
// underneath (enums are int32s, durations int64s).
func arenaWord(t schema.Type) string {
	switch t {
	case schema.TypeEnum:
		return "Int32"
	case schema.TypeDuration:
		return "Int64"
	}
	return typeWord(t)
}
