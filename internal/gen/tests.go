package gen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// This file generates the tests of every table: a codec round trip and a
// projection test over random rows, a fuzz target per decoder, key order
// against the typed comparison, and a model-based store test (CRUD, scans,
// paging, batches, index lookups after put, update and delete, unique
// violations, sparse indexes, owner isolation for user tables).

// Short names for the standard packages the tests use.
const (
	pathRand    = "math/rand/v2"
	pathTesting = "testing"
)

func tT() *jen.Statement      { return jen.Id("t").Op("*").Qual(pathTesting, "T") }
func randPtr() *jen.Statement { return jen.Op("*").Qual(pathRand, "Rand") }

// newRand is rand.New(rand.NewPCG(seed, n)): each test has its own fixed
// seed so failures reproduce.
func newRand(seed uint32, n int) *jen.Statement {
	return jen.Qual(pathRand, "New").Call(jen.Qual(pathRand, "NewPCG").Call(jen.Lit(int(seed)), jen.Lit(n)))
}

// fatalf is t.Fatalf(format, args...).
func fatalf(format string, args ...jen.Code) *jen.Statement {
	return jen.Id("t").Dot("Fatalf").Call(append([]jen.Code{jen.Lit(format)}, args...)...)
}

// ifErrFatal is `if err != nil { t.Fatalf(prefix+": %v", err) }`.
func ifErrFatal(format string, args ...jen.Code) *jen.Statement {
	return jen.If(jen.Err().Op("!=").Nil()).Block(fatalf(format+": %v", slices.Concat(args, []jen.Code{jen.Err()})...))
}

// randomValue is an expression for a random value of c's base type, drawn
// from r by runtime/tabletest.
func randomValue(c *schema.Column, enumType string) *jen.Statement {
	r := jen.Id("r")
	if c.GoType != "" {
		plain := *c
		plain.GoType = ""
		return goTypeQual(c).Call(randomValue(&plain, enumType))
	}
	switch c.Type {
	case schema.TypeEnum:
		return jen.Id(enumType).Call(tabletest("RandomEnum").Call(r, jen.Lit(len(c.Values))))
	case schema.TypeJSON:
		return tabletest("RandomJSON").Call(r)
	case schema.TypeDecimal:
		return tabletest("RandomDecimal").Call(r, jen.Lit(int(c.Precision)), jen.Lit(int(c.Scale)))
	}
	return tabletest("Random" + typeWord(c.Type)).Call(r)
}

// cmpExpr is an int expression comparing values a and b of c's base type,
// in the order the key encoding must preserve.
func cmpExpr(c *schema.Column, a, b *jen.Statement) *jen.Statement {
	switch c.Type {
	case schema.TypeBool:
		return tabletest("CompareBool").Call(a, b)
	case schema.TypeBytes:
		return jen.Qual("bytes", "Compare").Call(a, b)
	case schema.TypeTimestamp:
		return recv(a).Dot("Compare").Call(b)
	case schema.TypeUUID:
		return tabletest("CompareUUID").Call(a, b)
	case schema.TypeDecimal:
		return tabletest("CompareDecimal").Call(a, b)
	}
	return jen.Qual("cmp", "Compare").Call(a, b)
}

// recv parenthesizes a dereference used as a method receiver: (*p).M().
func recv(x *jen.Statement) *jen.Statement {
	if strings.HasPrefix(x.GoString(), "*") {
		return jen.Parens(x)
	}
	return x
}

// eqExpr is a bool expression: values a and b of c's base type are equal
// (floats bit for bit, times as instants).
func eqExpr(c *schema.Column, a, b *jen.Statement) *jen.Statement {
	if c.GoType != "" {
		a, b = defaultType(c).Call(a), defaultType(c).Call(b)
	}
	switch c.Type {
	case schema.TypeFloat64:
		return jen.Qual("math", "Float64bits").Call(a).Op("==").Qual("math", "Float64bits").Call(b)
	case schema.TypeBytes, schema.TypeJSON:
		return jen.Qual("bytes", "Equal").Call(a, b)
	case schema.TypeTimestamp:
		return recv(a).Dot("Equal").Call(b)
	case schema.TypeDecimal:
		return tabletest("CompareDecimal").Call(a, b).Op("==").Lit(0)
	}
	return a.Op("==").Add(b)
}

// verb is the fmt verb used to show a value of c in a failure message.
func verb(c *schema.Column) string {
	switch c.Type {
	case schema.TypeString:
		return "%q"
	case schema.TypeBytes, schema.TypeJSON:
		if c.Nullable {
			return "%#v"
		}
		return "%x"
	}
	return "%v"
}

// colValue is row.Col, dereferenced for pointer-nullable columns (callers
// check for nil first).
func colValue(row *jen.Statement, c *schema.Column) *jen.Statement {
	x := row.Clone().Dot(c.GoName)
	if c.Nullable && pointerNullable(c.Type) {
		return jen.Op("*").Add(x)
	}
	return x
}

// notNull is the condition that every nullable column of cols is set in row,
// or nil when none is nullable.
func notNull(row *jen.Statement, cols []*schema.Column) *jen.Statement {
	var cond *jen.Statement
	for _, c := range cols {
		if !c.Nullable {
			continue
		}
		x := row.Clone().Dot(c.GoName).Op("!=").Nil()
		if cond == nil {
			cond = x
		} else {
			cond = cond.Op("&&").Add(x)
		}
	}
	return cond
}

// testFile is <table>_test.go.
func (tp *tablePlan) testFile() *jen.File {
	f := tp.pkg.newFile([]string{tp.source})
	importTabletest(f)
	tp.randomRowDecl(f)
	tp.diffDecl(f)
	if !tp.key.shared() {
		tp.key.testDecls(f, tp.t.ID)
	}
	tp.codecTests(f)
	tp.storeTestHelpers(f)
	tp.storeTest(f)
	return f
}

// keysTestFile is keys_test.go: the tests of the shared key types.
func (p *pkgPlan) keysTestFile() *jen.File {
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
	importTabletest(f)
	for _, kp := range p.sharedKeys {
		kp.testDecls(f, kp.tables[0].t.ID)
	}
	return f
}

func (tp *tablePlan) randomRowDecl(f *jen.File) {
	e := tp.entity
	f.Add(docf("random%s returns a row with random values that cover nulls, zero values, unicode and\nthe extremes of every column type.", e))
	f.Func().Id("random" + e).Params(jen.Id("r").Add(randPtr())).Id(e).BlockFunc(func(g *jen.Group) {
		g.Var().Id("v").Id(e)
		for _, c := range tp.t.Columns {
			val := randomValue(c, tp.enums[c])
			switch {
			case c.Nullable && pointerNullable(c.Type):
				g.If(jen.Id("r").Dot("IntN").Call(jen.Lit(4)).Op(">").Lit(0)).Block(
					jen.Id("x").Op(":=").Add(val),
					jen.Id("v").Dot(c.GoName).Op("=").Op("&").Id("x"),
				)
			case c.Nullable:
				g.If(jen.Id("r").Dot("IntN").Call(jen.Lit(4)).Op(">").Lit(0)).Block(
					jen.Id("v").Dot(c.GoName).Op("=").Add(val),
				)
			default:
				g.Id("v").Dot(c.GoName).Op("=").Add(val)
			}
		}
		g.Return(jen.Id("v"))
	})
	f.Line()
}

func (tp *tablePlan) diffDecl(f *jen.File) {
	e := tp.entity
	f.Add(docf("diff%s describes the first column in which got and want differ, or returns \"\".", e))
	f.Func().Id("diff" + e).Params(jen.List(jen.Id("got"), jen.Id("want")).Op("*").Id(e)).String().BlockFunc(func(g *jen.Group) {
		for _, c := range tp.t.Columns {
			got := jen.Id("got").Dot(c.GoName)
			want := jen.Id("want").Dot(c.GoName)
			var cond *jen.Statement
			show := func(x *jen.Statement) *jen.Statement { return x }
			v := verb(c)
			switch {
			case c.Nullable && pointerNullable(c.Type):
				cond = jen.Parens(got.Clone().Op("==").Nil()).Op("!=").Parens(want.Clone().Op("==").Nil()).
					Op("||").Add(got.Clone()).Op("!=").Nil().Op("&&").Op("!").Parens(eqExpr(c, jen.Op("*").Add(got.Clone()), jen.Op("*").Add(want.Clone())))
				show = func(x *jen.Statement) *jen.Statement { return tabletest("FormatNullable").Call(x) }
				v = "%s"
			case c.Nullable:
				cond = jen.Parens(got.Clone().Op("==").Nil()).Op("!=").Parens(want.Clone().Op("==").Nil()).
					Op("||").Op("!").Parens(eqExpr(c, got.Clone(), want.Clone()))
			default:
				cond = jen.Op("!").Parens(eqExpr(c, got.Clone(), want.Clone()))
			}
			g.If(cond).Block(jen.Return(jen.Qual("fmt", "Sprintf").Call(
				jen.Lit(fmt.Sprintf("column %s: got %s, want %s", c.Name, v, v)), show(got.Clone()), show(want.Clone()))))
		}
		g.Return(jen.Lit(""))
	})
	f.Line()
}

// testDecls emits random<Key>, compare<Key>, Test<Key>Order and
// FuzzDecode<Key>.
func (k *keyPlan) testDecls(f *jen.File, seed uint32) {
	f.Add(docf("random%s returns a random key; its values collide and share prefixes often enough to\nexercise the encoding's order and escaping.", k.name))
	f.Func().Id("random" + k.name).Params(jen.Id("r").Add(randPtr())).Id(k.name).BlockFunc(func(g *jen.Group) {
		if k.single() {
			g.Return(jen.Id(k.name).Call(randomValue(k.cols[0], k.enumTypes[0])))
			return
		}
		g.Return(jen.Id(k.name).Add(fields(func(g *jen.Group) {
			for i, c := range k.cols {
				g.Add(kv(c.GoName, randomValue(c, k.enumTypes[i])))
			}
		})))
	})
	f.Line()

	f.Add(docf("compare%s is the typed order of %s keys, column by column (descending columns\nreversed): the order AppendKey's bytes must reproduce.", k.name, k.name))
	f.Func().Id("compare" + k.name).Params(jen.List(jen.Id("a"), jen.Id("b")).Id(k.name)).Int().BlockFunc(func(g *jen.Group) {
		for i, c := range k.cols {
			x := cmpExpr(c, k.value(i, jen.Id("a")), k.value(i, jen.Id("b")))
			ret := jen.Id("c")
			if k.desc[i] {
				ret = jen.Op("-").Id("c")
			}
			if i == len(k.cols)-1 && !k.desc[i] {
				g.Return(x)
				break
			}
			g.If(jen.Id("c").Op(":=").Add(x), jen.Id("c").Op("!=").Lit(0)).Block(jen.Return(ret))
			if i == len(k.cols)-1 {
				g.Return(jen.Lit(0))
			}
		}
	})
	f.Line()

	f.Func().Id("Test"+k.name+"Order").Params(tT()).Block(
		jen.Id("r").Op(":=").Add(newRand(seed, 1)),
		jen.For(jen.Id("i").Op(":=").Range().Lit(5000)).Block(
			jen.List(jen.Id("a"), jen.Id("b")).Op(":=").List(jen.Id("random"+k.name).Call(jen.Id("r")), jen.Id("random"+k.name).Call(jen.Id("r"))),
			jen.List(jen.Id("ea"), jen.Id("eb")).Op(":=").List(jen.Id("a").Dot("AppendKey").Call(jen.Nil()), jen.Id("b").Dot("AppendKey").Call(jen.Nil())),
			jen.If(
				jen.List(jen.Id("got"), jen.Id("want")).Op(":=").List(jen.Qual("bytes", "Compare").Call(jen.Id("ea"), jen.Id("eb")), jen.Id("compare"+k.name).Call(jen.Id("a"), jen.Id("b"))),
				jen.Id("got").Op("!=").Id("want"),
			).Block(fatalf("case %d: keys %v and %v: encodings compare %d, values compare %d", jen.Id("i"), jen.Id("a"), jen.Id("b"), jen.Id("got"), jen.Id("want"))),
			jen.List(jen.Id("d"), jen.Err()).Op(":=").Id("Decode"+k.name).Call(jen.Id("ea")),
			ifErrFatal("case %d: Decode"+k.name+"(%x)", jen.Id("i"), jen.Id("ea")),
			jen.If(jen.Id("compare"+k.name).Call(jen.Id("d"), jen.Id("a")).Op("!=").Lit(0)).Block(
				fatalf("case %d: Decode"+k.name+" round trip: got %v, want %v", jen.Id("i"), jen.Id("d"), jen.Id("a")),
			),
			jen.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("Decode"+k.name).Call(jen.Id("ea").Index(jen.Empty(), jen.Len(jen.Id("ea")).Op("-").Lit(1))),
				jen.Op("!").Qual("errors", "Is").Call(jen.Err(), jen.Qual(pathKeyenc, "ErrMalformed"))).Block(
				fatalf("case %d: Decode"+k.name+" of truncated key %x: got error %v, want keyenc.ErrMalformed", jen.Id("i"), jen.Id("ea").Index(jen.Empty(), jen.Len(jen.Id("ea")).Op("-").Lit(1)), jen.Err()),
			),
			jen.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("Decode"+k.name).Call(jen.Append(jen.Id("ea"), jen.Lit(0))),
				jen.Op("!").Qual("errors", "Is").Call(jen.Err(), jen.Qual(pathKeyenc, "ErrMalformed"))).Block(
				fatalf("case %d: Decode"+k.name+" with a trailing byte: got error %v, want keyenc.ErrMalformed", jen.Id("i"), jen.Err()),
			),
		),
	)
	f.Line()

	f.Add(docf("FuzzDecode%s checks that no input panics Decode%s and that every key it accepts\nre-encodes to the same bytes (the encoding is canonical).", k.name, k.name))
	f.Func().Id("FuzzDecode"+k.name).Params(jen.Id("f").Op("*").Qual(pathTesting, "F")).Block(
		jen.Id("r").Op(":=").Add(newRand(seed, 2)),
		jen.For(jen.Range().Lit(8)).Block(jen.Id("f").Dot("Add").Call(jen.Id("random"+k.name).Call(jen.Id("r")).Dot("AppendKey").Call(jen.Nil()))),
		jen.Id("f").Dot("Fuzz").Call(jen.Func().Params(tT(), jen.Id("b").Index().Byte()).Block(
			jen.List(jen.Id("k"), jen.Err()).Op(":=").Id("Decode"+k.name).Call(jen.Id("b")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return()),
			jen.If(jen.Id("got").Op(":=").Id("k").Dot("AppendKey").Call(jen.Nil()), jen.Op("!").Qual("bytes", "Equal").Call(jen.Id("got"), jen.Id("b"))).Block(
				fatalf("Decode"+k.name+"(%x) = %v, which encodes as %x", jen.Id("b"), jen.Id("k"), jen.Id("got")),
			),
		)),
	)
	f.Line()
}

// codecTests emits the round trip, projection and fuzz tests of the codec.
func (tp *tablePlan) codecTests(f *jen.File) {
	e, seed := tp.entity, tp.t.ID
	appendRow, decodeRow, diff := "append"+e+"Row", "decode"+e+"Row", "diff"+e
	f.Func().Id("Test"+e+"CodecRoundTrip").Params(tT()).Block(
		jen.Id("r").Op(":=").Add(newRand(seed, 3)),
		jen.Var().Id("buf").Index().Byte(),
		jen.Var().Id("a").Qual(pathRowenc, "Arena"), // every row's nullable values from one arena, as in a scan
		jen.For(jen.Id("i").Op(":=").Range().Lit(2000)).Block(
			jen.Id("want").Op(":=").Id("random"+e).Call(jen.Id("r")),
			jen.Id("buf").Op("=").Id(appendRow).Call(jen.Id("buf").Index(jen.Empty(), jen.Lit(0)), jen.Op("&").Id("want")),
			jen.Var().Id("got").Id(e),
			jen.If(jen.Err().Op(":=").Id(decodeRow).Call(jen.Id("buf"), jen.Op("&").Id("got"), jen.Nil(), jen.Op("&").Id("a")), jen.Err().Op("!=").Nil()).Block(
				fatalf("row %d: decode: %v", jen.Id("i"), jen.Err()),
			),
			jen.If(jen.Id("d").Op(":=").Id(diff).Call(jen.Op("&").Id("got"), jen.Op("&").Id("want")), jen.Id("d").Op("!=").Lit("")).Block(
				fatalf("row %d: %s", jen.Id("i"), jen.Id("d")),
			),
		),
		jen.Var().Id("zero").Id(e),
		jen.If(jen.Id("b").Op(":=").Id(appendRow).Call(jen.Nil(), jen.Op("&").Id("zero")), jen.Len(jen.Id("b")).Op("!=").Lit(0)).Block(
			fatalf("the zero row encodes to %x; want no bytes (zero values and nulls are left out)", jen.Id("b")),
		),
	)
	f.Line()

	n := len(tp.t.Columns)
	f.Func().Id("Test"+e+"ProjectionDecode").Params(tT()).Block(
		jen.Id("r").Op(":=").Add(newRand(seed, 4)),
		jen.For(jen.Id("i").Op(":=").Range().Lit(500)).BlockFunc(func(g *jen.Group) {
			g.Id("full").Op(":=").Id("random" + e).Call(jen.Id("r"))
			g.Id("b").Op(":=").Id(appendRow).Call(jen.Nil(), jen.Op("&").Id("full"))
			g.Id("want").Op(":=").Make(jen.Index().Bool(), jen.Lit(n))
			g.For(jen.Id("j").Op(":=").Range().Id("want")).Block(
				jen.Id("want").Index(jen.Id("j")).Op("=").Id("r").Dot("IntN").Call(jen.Lit(2)).Op("==").Lit(0),
			)
			g.Var().Id("expect").Id(e)
			for j, c := range tp.t.Columns {
				g.If(jen.Id("want").Index(jen.Lit(j))).Block(jen.Id("expect").Dot(c.GoName).Op("=").Id("full").Dot(c.GoName))
			}
			g.Var().Id("got").Id(e)
			g.If(jen.Err().Op(":=").Id(decodeRow).Call(jen.Id("b"), jen.Op("&").Id("got"), jen.Id("want"), jen.Nil()), jen.Err().Op("!=").Nil()).Block(
				fatalf("row %d: decode: %v", jen.Id("i"), jen.Err()),
			)
			g.If(jen.Id("d").Op(":=").Id(diff).Call(jen.Op("&").Id("got"), jen.Op("&").Id("expect")), jen.Id("d").Op("!=").Lit("")).Block(
				fatalf("row %d, columns %v: %s", jen.Id("i"), jen.Id("want"), jen.Id("d")),
			)
		}),
		jen.Comment("Skipping every column costs no allocation."),
		jen.Id("full").Op(":=").Id("random"+e).Call(jen.Id("r")),
		jen.Id("b").Op(":=").Id(appendRow).Call(jen.Nil(), jen.Op("&").Id("full")),
		jen.Id("none").Op(":=").Make(jen.Index().Bool(), jen.Lit(n)),
		jen.Var().Id("v").Id(e),
		jen.Var().Id("err").Error(),
		jen.If(jen.Id("allocs").Op(":=").Qual(pathTesting, "AllocsPerRun").Call(jen.Lit(100), jen.Func().Params().Block(
			jen.Err().Op("=").Id(decodeRow).Call(jen.Id("b"), jen.Op("&").Id("v"), jen.Id("none"), jen.Nil()),
		)), jen.Id("allocs").Op("!=").Lit(0)).Block(
			jen.Id("t").Dot("Errorf").Call(jen.Lit("decoding no columns allocated %v times per row; want 0"), jen.Id("allocs")),
		),
		ifErrFatal("decode with no columns"),
	)
	f.Line()

	f.Add(docf("Fuzz%sRow checks that no input panics decode%sRow and that every row it accepts\nsurvives a re-encode unchanged.", e, e))
	f.Func().Id("Fuzz"+e+"Row").Params(jen.Id("f").Op("*").Qual(pathTesting, "F")).Block(
		jen.Id("r").Op(":=").Add(newRand(seed, 5)),
		jen.For(jen.Range().Lit(8)).Block(
			jen.Id("v").Op(":=").Id("random"+e).Call(jen.Id("r")),
			jen.Id("f").Dot("Add").Call(jen.Id(appendRow).Call(jen.Nil(), jen.Op("&").Id("v"))),
		),
		jen.Id("f").Dot("Fuzz").Call(jen.Func().Params(tT(), jen.Id("b").Index().Byte()).Block(
			jen.Var().Id("v").Id(e),
			jen.If(jen.Id(decodeRow).Call(jen.Id("b"), jen.Op("&").Id("v"), jen.Nil(), jen.Nil()).Op("!=").Nil()).Block(jen.Return()),
			jen.Var().Id("w").Id(e),
			jen.If(jen.Err().Op(":=").Id(decodeRow).Call(jen.Id(appendRow).Call(jen.Nil(), jen.Op("&").Id("v")), jen.Op("&").Id("w"), jen.Nil(), jen.Nil()), jen.Err().Op("!=").Nil()).Block(
				fatalf("re-encoded row does not decode: %v", jen.Err()),
			),
			jen.If(jen.Id("d").Op(":=").Id(diff).Call(jen.Op("&").Id("w"), jen.Op("&").Id("v")), jen.Id("d").Op("!=").Lit("")).Block(
				fatalf("re-encoded row differs: %s", jen.Id("d")),
			),
		)),
	)
	f.Line()
}
