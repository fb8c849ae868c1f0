package gen

import (
	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// helpersTestFile is helpers_test.go: the random value generators and test
// utilities shared by the tables of a namespace. Generators are emitted only
// for the column types the namespace uses, so the package imports nothing
// it does not need.
func (p *pkgPlan) helpersTestFile() *jen.File {
	f := p.newFile(p.sources)
	r := jen.Id("r").Add(randPtr())

	f.Add(docComment("openTestDB opens a store in a fresh temporary directory and closes it when the test\nends. Commits do not fsync: the tests check logic, not durability."))
	f.Func().Id("openTestDB").Params(tT()).Op("*").Qual(pathStore, "DB").Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.List(jen.Id("db"), jen.Err()).Op(":=").Qual(pathStore, "Open").Call(jen.Id("t").Dot("TempDir").Call(), jen.Op("&").Qual(pathStore, "Options").Values()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Fatal").Call(jen.Err())),
		jen.Id("t").Dot("Cleanup").Call(jen.Func().Params().Block(
			jen.If(jen.Err().Op(":=").Id("db").Dot("Close").Call(), jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Error").Call(jen.Err())),
		)),
		jen.Return(jen.Id("db")),
	)
	f.Line()

	f.Add(docComment("mustCollect drains a scan, failing the test on the first error."))
	f.Func().Id("mustCollect").Types(jen.Id("V").Any()).Params(tT(), jen.Id("seq").Qual("iter", "Seq2").Types(jen.Id("V"), jen.Error())).Index().Id("V").Block(
		jen.Id("t").Dot("Helper").Call(),
		jen.Var().Id("out").Index().Id("V"),
		jen.For(jen.List(jen.Id("v"), jen.Err()).Op(":=").Range().Id("seq")).Block(
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Fatal").Call(jen.Err())),
			jen.Id("out").Op("=").Append(jen.Id("out"), jen.Id("v")),
		),
		jen.Return(jen.Id("out")),
	)
	f.Line()

	f.Add(docComment("diffRows describes the first difference between two row sequences, or returns \"\"."))
	f.Func().Id("diffRows").Types(jen.Id("V").Any()).Params(jen.List(jen.Id("got"), jen.Id("want")).Index().Id("V"), jen.Id("diff").Func().Params(jen.List(jen.Id("a"), jen.Id("b")).Op("*").Id("V")).String()).String().Block(
		jen.For(jen.Id("i").Op(":=").Range().Min(jen.Len(jen.Id("got")), jen.Len(jen.Id("want")))).Block(
			jen.If(jen.Id("d").Op(":=").Id("diff").Call(jen.Op("&").Id("got").Index(jen.Id("i")), jen.Op("&").Id("want").Index(jen.Id("i"))), jen.Id("d").Op("!=").Lit("")).Block(
				jen.Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit("row %d of %d: %s"), jen.Id("i"), jen.Len(jen.Id("want")), jen.Id("d"))),
			),
		),
		jen.If(jen.Len(jen.Id("got")).Op("!=").Len(jen.Id("want"))).Block(
			jen.Return(jen.Qual("fmt", "Sprintf").Call(jen.Lit("got %d rows, want %d"), jen.Len(jen.Id("got")), jen.Len(jen.Id("want")))),
		),
		jen.Return(jen.Lit("")),
	)
	f.Line()

	f.Add(docComment("showPtr formats a nullable value for failure messages."))
	f.Func().Id("showPtr").Types(jen.Id("T").Any()).Params(jen.Id("p").Op("*").Id("T")).String().Block(
		jen.If(jen.Id("p").Op("==").Nil()).Block(jen.Return(jen.Lit("null"))),
		jen.Return(jen.Qual("fmt", "Sprint").Call(jen.Op("*").Id("p"))),
	)
	f.Line()

	used := p.used
	if used[schema.TypeBool] {
		f.Func().Id("randomBool").Params(r.Clone()).Bool().Block(jen.Return(jen.Id("r").Dot("IntN").Call(jen.Lit(2)).Op("==").Lit(1)))
		f.Line()
		f.Add(docComment("compareBool orders false before true, as the key encoding does."))
		f.Func().Id("compareBool").Params(jen.List(jen.Id("a"), jen.Id("b")).Bool()).Int().Block(
			jen.Switch().Block(
				jen.Case(jen.Id("a").Op("==").Id("b")).Block(jen.Return(jen.Lit(0))),
				jen.Case(jen.Id("a")).Block(jen.Return(jen.Lit(1))),
			),
			jen.Return(jen.Lit(-1)),
		)
		f.Line()
	}
	intGen := func(name string, typ *jen.Statement, min, max jen.Code, random *jen.Statement) {
		f.Func().Id(name).Params(r.Clone()).Add(typ).Block(
			jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(6))).Block(
				jen.Case(jen.Lit(0)).Block(jen.Return(jen.Lit(0))),
				jen.Case(jen.Lit(1)).Block(jen.Return(min)),
				jen.Case(jen.Lit(2)).Block(jen.Return(max)),
				jen.Case(jen.Lit(3)).Block(jen.Return(typ.Clone().Call(jen.Id("r").Dot("IntN").Call(jen.Lit(5))))),
			),
			jen.Return(random),
		)
		f.Line()
	}
	if used[schema.TypeInt32] {
		intGen("randomInt32", jen.Int32(), jen.Qual("math", "MinInt32"), jen.Qual("math", "MaxInt32"), jen.Int32().Call(jen.Id("r").Dot("Uint32").Call()))
	}
	if used[schema.TypeInt64] {
		intGen("randomInt64", jen.Int64(), jen.Qual("math", "MinInt64"), jen.Qual("math", "MaxInt64"), jen.Int64().Call(jen.Id("r").Dot("Uint64").Call()))
	}
	if used[schema.TypeUint64] {
		intGen("randomUint64", jen.Uint64(), jen.Lit(1), jen.Qual("math", "MaxUint64"), jen.Id("r").Dot("Uint64").Call())
	}
	if used[schema.TypeFloat64] {
		f.Func().Id("randomFloat64").Params(r.Clone()).Float64().Block(
			jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(9))).Block(
				jen.Case(jen.Lit(0)).Block(jen.Return(jen.Lit(0))),
				jen.Case(jen.Lit(1)).Block(jen.Return(jen.Qual("math", "Copysign").Call(jen.Lit(0), jen.Lit(-1)))),
				jen.Case(jen.Lit(2)).Block(jen.Return(jen.Qual("math", "NaN").Call())),
				jen.Case(jen.Lit(3)).Block(jen.Return(jen.Qual("math", "Inf").Call(jen.Lit(1)))),
				jen.Case(jen.Lit(4)).Block(jen.Return(jen.Qual("math", "Inf").Call(jen.Lit(-1)))),
				jen.Case(jen.Lit(5)).Block(jen.Return(jen.Qual("math", "MaxFloat64"))),
				jen.Case(jen.Lit(6)).Block(jen.Return(jen.Qual("math", "SmallestNonzeroFloat64"))),
			),
			jen.Return(jen.Id("r").Dot("NormFloat64").Call().Op("*").Lit(1e6)),
		)
		f.Line()
	}
	if used[schema.TypeString] {
		f.Add(docComment("randomString mixes empty, NUL-bearing, multi-byte, long and short strings over a\nsmall alphabet (so values share prefixes and collide)."))
		f.Func().Id("randomString").Params(r.Clone()).String().Block(
			jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(8))).Block(
				jen.Case(jen.Lit(0)).Block(jen.Return(jen.Lit(""))),
				jen.Case(jen.Lit(1)).Block(jen.Return(jen.Lit("\x00"))),
				jen.Case(jen.Lit(2)).Block(jen.Return(jen.Lit("héllo, 世界 🙂"))),
				jen.Case(jen.Lit(3)).Block(jen.Return(jen.Qual("strings", "Repeat").Call(jen.Lit("x"), jen.Lit(300).Op("+").Id("r").Dot("IntN").Call(jen.Lit(300))))),
			),
			jen.Id("alphabet").Op(":=").Index().Rune().Values(jen.LitRune('a'), jen.LitRune('b'), jen.LitRune(0), jen.LitRune('é'), jen.LitRune('世'), jen.LitRune('🙂'), jen.LitRune(0x10FFFF)),
			jen.Id("s").Op(":=").Make(jen.Index().Rune(), jen.Id("r").Dot("IntN").Call(jen.Lit(6))),
			jen.For(jen.Id("i").Op(":=").Range().Id("s")).Block(
				jen.Id("s").Index(jen.Id("i")).Op("=").Id("alphabet").Index(jen.Id("r").Dot("IntN").Call(jen.Len(jen.Id("alphabet")))),
			),
			jen.Return(jen.String().Call(jen.Id("s"))),
		)
		f.Line()
	}
	if used[schema.TypeBytes] {
		f.Add(docComment("randomBytes returns a non-nil slice (empty, 0x00/0xFF-bearing, long or random), so\nthat it stands for a non-null value of a nullable column."))
		f.Func().Id("randomBytes").Params(r.Clone()).Index().Byte().Block(
			jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(6))).Block(
				jen.Case(jen.Lit(0)).Block(jen.Return(jen.Index().Byte().Values())),
				jen.Case(jen.Lit(1)).Block(jen.Return(jen.Index().Byte().Values(jen.Lit(0)))),
				jen.Case(jen.Lit(2)).Block(jen.Return(jen.Index().Byte().Values(jen.Lit(0xff), jen.Lit(0), jen.Lit(0xff)))),
				jen.Case(jen.Lit(3)).Block(jen.Return(jen.Qual("bytes", "Repeat").Call(jen.Index().Byte().Values(jen.Lit(7)), jen.Lit(300).Op("+").Id("r").Dot("IntN").Call(jen.Lit(300))))),
			),
			jen.Id("b").Op(":=").Make(jen.Index().Byte(), jen.Id("r").Dot("IntN").Call(jen.Lit(8))),
			jen.For(jen.Id("i").Op(":=").Range().Id("b")).Block(
				jen.Id("b").Index(jen.Id("i")).Op("=").Byte().Call(jen.Id("r").Dot("IntN").Call(jen.Lit(3)).Op("*").Lit(0x7f)),
			),
			jen.Return(jen.Id("b")),
		)
		f.Line()
	}
	if used[schema.TypeJSON] {
		f.Add(docComment("randomJSON returns a non-nil JSON document."))
		f.Func().Id("randomJSON").Params(r.Clone()).Qual("encoding/json", "RawMessage").Block(
			jen.Id("docs").Op(":=").Index().String().Values(jen.Lit("null"), jen.Lit("{}"), jen.Lit("[]"), jen.Lit(`{"a":1,"b":[true,null,"é"]}`), jen.Lit("-1.5e300"), jen.Lit(`"\u0000"`)),
			jen.Return(jen.Qual("encoding/json", "RawMessage").Call(jen.Id("docs").Index(jen.Id("r").Dot("IntN").Call(jen.Len(jen.Id("docs")))))),
		)
		f.Line()
	}
	if used[schema.TypeTimestamp] {
		f.Add(docComment("randomTime returns a UTC time with microsecond precision (what the store keeps)\nbetween year 1 and 9999, including the zero time, the Unix epoch and times just before it."))
		f.Func().Id("randomTime").Params(r.Clone()).Qual("time", "Time").Block(
			jen.Const().Defs(
				jen.Id("minMicros").Op("=").Lit(-62135596800000000),
				jen.Id("maxMicros").Op("=").Lit(253402300799999999),
			),
			jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(6))).Block(
				jen.Case(jen.Lit(0)).Block(jen.Return(jen.Qual("time", "Time").Values())),
				jen.Case(jen.Lit(1)).Block(jen.Return(jen.Qual("time", "UnixMicro").Call(jen.Lit(0)).Dot("UTC").Call())),
				jen.Case(jen.Lit(2)).Block(jen.Return(jen.Qual("time", "UnixMicro").Call(jen.Lit(-1)).Dot("UTC").Call())),
				jen.Case(jen.Lit(3)).Block(jen.Return(jen.Qual("time", "UnixMicro").Call(jen.Id("maxMicros")).Dot("UTC").Call())),
			),
			jen.Return(jen.Qual("time", "UnixMicro").Call(jen.Id("minMicros").Op("+").Id("r").Dot("Int64N").Call(jen.Id("maxMicros").Op("-").Id("minMicros"))).Dot("UTC").Call()),
		)
		f.Line()
	}
	if used[schema.TypeDuration] {
		f.Add(docComment("randomDuration returns a duration with microsecond precision (what the store keeps)."))
		f.Func().Id("randomDuration").Params(r.Clone()).Qual("time", "Duration").Block(
			jen.Const().Id("maxMicros").Op("=").Qual("math", "MaxInt64").Op("/").Lit(1000),
			jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(6))).Block(
				jen.Case(jen.Lit(0)).Block(jen.Return(jen.Lit(0))),
				jen.Case(jen.Lit(1)).Block(jen.Return(jen.Id("maxMicros").Op("*").Qual("time", "Microsecond"))),
				jen.Case(jen.Lit(2)).Block(jen.Return(jen.Op("-").Id("maxMicros").Op("*").Qual("time", "Microsecond"))),
				jen.Case(jen.Lit(3)).Block(jen.Return(jen.Qual("time", "Duration").Call(jen.Id("r").Dot("IntN").Call(jen.Lit(5)).Op("-").Lit(2)).Op("*").Qual("time", "Microsecond"))),
			),
			jen.Return(jen.Qual("time", "Duration").Call(jen.Id("r").Dot("Int64N").Call(jen.Lit(2).Op("*").Id("maxMicros")).Op("-").Id("maxMicros")).Op("*").Qual("time", "Microsecond")),
		)
		f.Line()
	}
	if used[schema.TypeUUID] {
		f.Func().Id("randomUUID").Params(r.Clone()).Qual(pathUUID, "UUID").Block(
			jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(4))).Block(
				jen.Case(jen.Lit(0)).Block(jen.Return(jen.Qual(pathUUID, "Nil"))),
				jen.Case(jen.Lit(1)).Block(jen.Return(jen.Qual(pathUUID, "Max"))),
			),
			jen.Var().Id("u").Qual(pathUUID, "UUID"),
			jen.For(jen.Id("i").Op(":=").Range().Id("u")).Block(
				jen.Id("u").Index(jen.Id("i")).Op("=").Byte().Call(jen.Id("r").Dot("Uint32").Call()),
			),
			jen.Return(jen.Id("u")),
		)
		f.Line()
		f.Add(docComment("compareUUID orders UUIDs bytewise, as the key encoding does."))
		f.Func().Id("compareUUID").Params(jen.List(jen.Id("a"), jen.Id("b")).Qual(pathUUID, "UUID")).Int().Block(
			jen.Return(jen.Qual("bytes", "Compare").Call(jen.Id("a").Index(jen.Empty(), jen.Empty()), jen.Id("b").Index(jen.Empty(), jen.Empty()))),
		)
		f.Line()
	}
	if used[schema.TypeEnum] {
		f.Add(docComment("randomEnum returns a declared ordinal of an enum with n values, and now and then one\nthis build does not know (as written by a newer build that appended values)."))
		f.Func().Id("randomEnum").Params(r.Clone(), jen.Id("n").Int()).Int32().Block(
			jen.If(jen.Id("r").Dot("IntN").Call(jen.Lit(10)).Op("==").Lit(0)).Block(
				jen.Return(jen.Int32().Call(jen.Id("n").Op("+").Id("r").Dot("IntN").Call(jen.Lit(3)))),
			),
			jen.Return(jen.Int32().Call(jen.Id("r").Dot("IntN").Call(jen.Id("n")))),
		)
		f.Line()
	}
	return f
}
