package gen

import (
	"fmt"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// This file generates <table>_arrow.go: the table's Arrow schema, written
// out as a literal and built once, and the reflection-free appenders that
// turn entities into Arrow rows (used by the generated provider and by
// flush).

// Import paths of the Arrow and scan packages the generated code uses.
const (
	pathArrow      = "github.com/apache/arrow-go/v18/arrow"
	pathArray      = "github.com/apache/arrow-go/v18/arrow/array"
	pathExtensions = "github.com/apache/arrow-go/v18/arrow/extensions"
	pathScan       = "github.com/tablegen/tablegen/runtime/scan"
)

// arrowImports names the Arrow and scan packages in f, so jennifer never
// has to guess a name from a path ending in a major version.
func arrowImports(f *jen.File) {
	f.ImportName(pathArrow, "arrow")
	f.ImportName(pathArray, "array")
	f.ImportName(pathExtensions, "extensions")
	f.ImportName(pathScan, "scan")
}

// arrowType is the Arrow data type of a column, the same mapping as
// runtime/scan's (the generated tests compare the two schemas): enums are
// utf8 names, uuid and json the canonical extension types.
func arrowType(c *schema.Column) *jen.Statement {
	switch c.Type {
	case schema.TypeBool:
		return jen.Qual(pathArrow, "FixedWidthTypes").Dot("Boolean")
	case schema.TypeInt32:
		return jen.Qual(pathArrow, "PrimitiveTypes").Dot("Int32")
	case schema.TypeInt64:
		return jen.Qual(pathArrow, "PrimitiveTypes").Dot("Int64")
	case schema.TypeUint64:
		return jen.Qual(pathArrow, "PrimitiveTypes").Dot("Uint64")
	case schema.TypeFloat64:
		return jen.Qual(pathArrow, "PrimitiveTypes").Dot("Float64")
	case schema.TypeString, schema.TypeEnum:
		return jen.Qual(pathArrow, "BinaryTypes").Dot("String")
	case schema.TypeBytes:
		return jen.Qual(pathArrow, "BinaryTypes").Dot("Binary")
	case schema.TypeTimestamp:
		return jen.Op("&").Qual(pathArrow, "TimestampType").Values(kv("Unit", jen.Qual(pathArrow, "Microsecond")), kv("TimeZone", jen.Lit("UTC")))
	case schema.TypeDuration:
		return jen.Qual(pathArrow, "FixedWidthTypes").Dot("Duration_us")
	case schema.TypeUUID:
		return jen.Qual(pathExtensions, "NewUUIDType").Call()
	case schema.TypeJSON:
		// The literal NewJSONType would build, without its error result
		// (it only fails for a storage type other than the string types).
		return jen.Op("&").Qual(pathExtensions, "JSONType").Values(kv("ExtensionBase",
			jen.Qual(pathArrow, "ExtensionBase").Values(kv("Storage", jen.Qual(pathArrow, "BinaryTypes").Dot("String")))))
	}
	return jen.Id("invalid")
}

// arrowBuilder is the concrete Arrow builder type of a column's values; for
// json it is the storage builder inside the *array.ExtensionBuilder.
func arrowBuilder(c *schema.Column) *jen.Statement {
	switch c.Type {
	case schema.TypeBool:
		return jen.Op("*").Qual(pathArray, "BooleanBuilder")
	case schema.TypeInt32:
		return jen.Op("*").Qual(pathArray, "Int32Builder")
	case schema.TypeInt64:
		return jen.Op("*").Qual(pathArray, "Int64Builder")
	case schema.TypeUint64:
		return jen.Op("*").Qual(pathArray, "Uint64Builder")
	case schema.TypeFloat64:
		return jen.Op("*").Qual(pathArray, "Float64Builder")
	case schema.TypeString, schema.TypeEnum, schema.TypeJSON:
		return jen.Op("*").Qual(pathArray, "StringBuilder")
	case schema.TypeBytes:
		return jen.Op("*").Qual(pathArray, "BinaryBuilder")
	case schema.TypeTimestamp:
		return jen.Op("*").Qual(pathArray, "TimestampBuilder")
	case schema.TypeDuration:
		return jen.Op("*").Qual(pathArray, "DurationBuilder")
	case schema.TypeUUID:
		return jen.Op("*").Qual(pathExtensions, "UUIDBuilder")
	}
	return jen.Id("invalid")
}

// builderName is how an error message names the builder a column needs.
func builderName(c *schema.Column) string {
	switch c.Type {
	case schema.TypeJSON:
		return "*array.ExtensionBuilder over *array.StringBuilder"
	case schema.TypeUUID:
		return "*extensions.UUIDBuilder"
	}
	return "*array." + map[schema.Type]string{
		schema.TypeBool: "BooleanBuilder", schema.TypeInt32: "Int32Builder", schema.TypeInt64: "Int64Builder",
		schema.TypeUint64: "Uint64Builder", schema.TypeFloat64: "Float64Builder", schema.TypeString: "StringBuilder",
		schema.TypeEnum: "StringBuilder", schema.TypeBytes: "BinaryBuilder", schema.TypeTimestamp: "TimestampBuilder",
		schema.TypeDuration: "DurationBuilder",
	}[c.Type]
}

// arrowValue is the expression appended for a non-null value x of c (enum
// names are looked up by the caller after a range check).
func arrowValue(c *schema.Column, x *jen.Statement) *jen.Statement {
	switch c.Type {
	case schema.TypeTimestamp:
		return jen.Qual(pathArrow, "Timestamp").Call(recv(x).Dot("UnixMicro").Call())
	case schema.TypeDuration:
		return jen.Qual(pathArrow, "Duration").Call(recv(x).Dot("Microseconds").Call())
	}
	return x
}

// metadata is arrow.NewMetadata(keys, values) with doc added under
// scan.MetaDoc when it is not empty, as scan.ArrowSchema does.
func metadata(key jen.Code, value string, doc string) *jen.Statement {
	keys := []jen.Code{key}
	vals := []jen.Code{jen.Lit(value)}
	if doc != "" {
		keys = append(keys, jen.Qual(pathScan, "MetaDoc"))
		vals = append(vals, jen.Lit(doc))
	}
	return jen.Qual(pathArrow, "NewMetadata").Call(jen.Index().String().Values(keys...), jen.Index().String().Values(vals...))
}

// arrowFile is <table>_arrow.go.
func (tp *tablePlan) arrowFile() *jen.File {
	f := tp.pkg.newFile([]string{tp.source})
	arrowImports(f)
	t, e := tp.t, tp.entity
	n := len(t.Columns)

	f.Add(docf("%sArrowSchema builds the Arrow schema of %s on first use; see %sArrowSchema.", tp.lower, t.FullName(), e))
	f.Var().Id(tp.lower+"ArrowSchema").Op("=").Qual("sync", "OnceValue").Call(jen.Func().Params().Op("*").Qual(pathArrow, "Schema").Block(
		jen.Id("md").Op(":=").Add(metadata(jen.Qual(pathScan, "MetaTable"), t.FullName(), t.Doc)),
		jen.Return(jen.Qual(pathArrow, "NewSchema").Call(jen.Index().Qual(pathArrow, "Field").Add(fields(func(g *jen.Group) {
			for _, c := range t.Columns {
				g.Add(fields(func(g *jen.Group) {
					g.Add(kv("Name", jen.Lit(c.Name)))
					g.Add(kv("Type", arrowType(c)))
					if c.Nullable {
						g.Add(kv("Nullable", jen.True()))
					}
					g.Add(kv("Metadata", metadata(jen.Qual(pathScan, "MetaTag"), strconv.Itoa(int(c.Tag)), c.Doc)))
				}))
			}
		})), jen.Op("&").Id("md"))),
	))
	f.Line()

	f.Add(docf("%sArrowSchema is the Arrow schema of %s: one field per column in declaration order,\nnullable exactly when the column is, with each column's tag and doc in field metadata and the\ntable's name and doc in schema metadata. It equals scan.ArrowSchema of the table's layout (the\ngenerated tests check it) but is written out here, so reading it costs nothing at run time. It\nis built once and shared: treat it as read-only.", e, t.FullName()))
	f.Func().Id(e+"ArrowSchema").Params().Op("*").Qual(pathArrow, "Schema").Block(jen.Return(jen.Id(tp.lower + "ArrowSchema").Call()))
	f.Line()

	fails := "It fails when b has other fields"
	if tp.firstEnum() != nil {
		fails += ", or when\nv holds an enum ordinal this build does not declare (wrapping rowenc.ErrCorrupt, as a scan\nreports such a row)"
	}
	f.Add(docf("Append%s appends v as one row to b, whose fields must be those of %sArrowSchema, in\norder (array.NewRecordBuilder(mem, %sArrowSchema())). It uses no reflection: flush and the\ngenerated provider build their Arrow batches with it. %s; b may then hold part of the row and\nshould be discarded.", e, e, e, fails))
	f.Func().Id("Append"+e).Params(jen.Id("b").Op("*").Qual(pathArray, "RecordBuilder"), jen.Id("v").Op("*").Id(e)).Error().Block(
		jen.Id("fs").Op(":=").Id("b").Dot("Fields").Call(),
		jen.If(jen.Len(jen.Id("fs")).Op("!=").Lit(n)).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: Append%s: the record builder has %%d fields for %d columns; build it from %sArrowSchema()", t.FullName(), e, n, e)), jen.Len(jen.Id("fs")))),
		),
		jen.For(jen.List(jen.Id("i"), jen.Id("fb")).Op(":=").Range().Id("fs")).Block(
			jen.If(jen.Err().Op(":=").Id("append"+e+"Column").Call(jen.Id("fb"), jen.Id("v"), jen.Id("i")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		),
		jen.Return(jen.Nil()),
	)
	f.Line()

	f.Add(docf("Append%sColumns is Append%s for a projection: field j of b gets column cols[j] of v,\ncolumns being numbered in declaration order, so b is built from those fields of\n%sArrowSchema in that order. A scan that projects columns appends with it.", e, e, e))
	f.Func().Id("Append"+e+"Columns").Params(jen.Id("b").Op("*").Qual(pathArray, "RecordBuilder"), jen.Id("v").Op("*").Id(e), jen.Id("cols").Index().Int()).Error().Block(
		jen.Id("fs").Op(":=").Id("b").Dot("Fields").Call(),
		jen.If(jen.Len(jen.Id("fs")).Op("!=").Len(jen.Id("cols"))).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: Append%sColumns: the record builder has %%d fields for %%d projected columns; build it from the same projection of %sArrowSchema()", t.FullName(), e, e)), jen.Len(jen.Id("fs")), jen.Len(jen.Id("cols")))),
		),
		jen.For(jen.List(jen.Id("j"), jen.Id("c")).Op(":=").Range().Id("cols")).Block(
			jen.If(jen.Err().Op(":=").Id("append"+e+"Column").Call(jen.Id("fs").Index(jen.Id("j")), jen.Id("v"), jen.Id("c")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		),
		jen.Return(jen.Nil()),
	)
	f.Line()

	f.Add(docf("append%sColumn appends column col (its position in declaration order) of v to fb, the\nbuilder of that column's Arrow type.", e))
	f.Func().Id("append"+e+"Column").Params(jen.Id("fb").Qual(pathArray, "Builder"), jen.Id("v").Op("*").Id(e), jen.Id("col").Int()).Error().Block(
		jen.Switch(jen.Id("col")).BlockFunc(func(sw *jen.Group) {
			for i, c := range t.Columns {
				sw.Case(jen.Lit(i)).BlockFunc(func(g *jen.Group) { tp.appendColumn(g, c) })
			}
			sw.Default().Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: column position %%d is out of range; the table has %d columns", t.FullName(), n)), jen.Id("col"))))
		}),
		jen.Return(jen.Nil()),
	)
	f.Line()
	return f
}

// appendColumn emits the body of one case of append<Entity>Column.
func (tp *tablePlan) appendColumn(g *jen.Group, c *schema.Column) {
	mismatch := jen.Return(jen.Qual("fmt", "Errorf").Call(
		jen.Lit(fmt.Sprintf("%s column %s: Arrow builder %%T, want %s; build the record builder from %sArrowSchema()", tp.t.FullName(), c.Name, builderName(c), tp.entity)),
		jen.Id("fb"),
	))
	if c.Type == schema.TypeJSON {
		g.List(jen.Id("eb"), jen.Id("ok")).Op(":=").Id("fb").Assert(jen.Op("*").Qual(pathArray, "ExtensionBuilder"))
		g.If(jen.Op("!").Id("ok")).Block(mismatch.Clone())
		g.List(jen.Id("b"), jen.Id("ok")).Op(":=").Id("eb").Dot("StorageBuilder").Call().Assert(arrowBuilder(c))
		g.If(jen.Op("!").Id("ok")).Block(mismatch.Clone())
	} else {
		g.List(jen.Id("b"), jen.Id("ok")).Op(":=").Id("fb").Assert(arrowBuilder(c))
		g.If(jen.Op("!").Id("ok")).Block(mismatch.Clone())
	}
	field := jen.Id("v").Dot(c.GoName)
	val := colValue(jen.Id("v"), c)
	var appendVal []jen.Code
	if c.Type == schema.TypeEnum {
		names := lowerFirst(tp.enums[c]) + "Names"
		appendVal = []jen.Code{
			jen.If(val.Clone().Op("<").Lit(0).Op("||").Int().Call(val.Clone()).Op(">=").Len(jen.Id(names))).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(
					jen.Lit(fmt.Sprintf("%s column %s: ordinal %%d is not one of the %d declared values; a newer build may have added values: %%w", tp.t.FullName(), c.Name, len(c.Values))),
					jen.Int32().Call(val.Clone()), jen.Qual(pathRowenc, "ErrCorrupt"),
				)),
			),
			jen.Id("b").Dot("Append").Call(jen.Id(names).Index(val.Clone())),
		}
	} else {
		method := jen.Id("b").Dot("Append")
		if c.Type == schema.TypeJSON {
			// A document is stored as written: append its bytes, not a string copy.
			method = jen.Id("b").Dot("BinaryBuilder").Dot("Append")
		}
		appendVal = []jen.Code{method.Call(arrowValue(c, val))}
	}
	if c.Nullable {
		g.If(field.Clone().Op("==").Nil()).Block(jen.Id("b").Dot("AppendNull").Call()).Else().Block(appendVal...)
		return
	}
	for _, s := range appendVal {
		g.Add(s)
	}
}
