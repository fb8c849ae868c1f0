package gen

import (
	"fmt"
	"slices"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// This file generates the tests of the Arrow and provider files: the
// generated schema against scan.ArrowSchema, the appenders' errors, and the
// generated provider against the schema-driven one on random rows and
// random requests (projections, filters, limits, batch sizes, owner
// scopes), plus a benchmark of the two row sources. The requests and the
// comparison are runtime/tabletest's; the table-specific parts (which
// column a predicate tests, with which literal) are generated.

const pathMemory = "github.com/apache/arrow-go/v18/arrow/memory"

// providerTestFile is <table>_provider_test.go.
func (tp *tablePlan) providerTestFile() *jen.File {
	f := tp.pkg.newFile([]string{tp.source})
	arrowImports(f)
	f.ImportName(pathMemory, "memory")
	importTabletest(f)
	tp.validDecl(f)
	tp.leafDecl(f)
	tp.arrowSchemaTest(f)
	tp.providerTest(f)
	tp.providerBenchmark(f)
	return f
}

// firstEnum returns the first enum column of the table, or nil.
func (tp *tablePlan) firstEnum() *schema.Column {
	i := slices.IndexFunc(tp.t.Columns, func(c *schema.Column) bool { return c.Type == schema.TypeEnum })
	if i < 0 {
		return nil
	}
	return tp.t.Columns[i]
}

// validDecl emits valid<Entity>, which maps the undeclared enum ordinals
// random<Entity> sometimes draws to the first value, for tests that need
// readable rows. Tables without enums need none.
func (tp *tablePlan) validDecl(f *jen.File) {
	if tp.firstEnum() == nil {
		return
	}
	e := tp.entity
	f.Add(docf("valid%s replaces enum ordinals this build does not declare by the first value: a scan\nrefuses rows holding them (tested apart).", e))
	f.Func().Id("valid" + e).Params(jen.Id("v").Op("*").Id(e)).BlockFunc(func(g *jen.Group) {
		for _, c := range tp.t.Columns {
			if c.Type != schema.TypeEnum {
				continue
			}
			val := colValue(jen.Id("v"), c)
			cond := jen.Int().Call(val.Clone()).Op(">=").Len(jen.Id(lowerFirst(tp.enums[c]) + "Names"))
			if c.Nullable {
				cond = jen.Id("v").Dot(c.GoName).Op("!=").Nil().Op("&&").Add(cond)
			}
			g.If(cond).Block(val.Clone().Op("=").Lit(0))
		}
	})
	f.Line()
}

// leafLiteral is the filter literal of column c taken from row v, as the
// scan package's binder takes it.
func (tp *tablePlan) leafLiteral(c *schema.Column) *jen.Statement {
	x := colValue(jen.Id("v"), c)
	switch c.Type {
	case schema.TypeEnum:
		return recv(x).Dot("String").Call()
	case schema.TypeBytes:
		return jen.Index().Byte().Call(x)
	}
	return x
}

// leafDecl emits random<Entity>Leaf: a random predicate on one column whose
// literal comes from a stored row, so that filters select some rows.
func (tp *tablePlan) leafDecl(f *jen.File) {
	e := tp.entity
	f.Add(docf("random%sLeaf returns a random predicate on one column of %s whose literal is v's value,\nso that it matches some of the stored rows.", e, tp.t.FullName()))
	f.Func().Id("random"+e+"Leaf").Params(jen.Id("r").Add(randPtr()), jen.Id("v").Op("*").Id(e)).Qual(pathScan, "Expr").Block(
		jen.Switch(jen.Id("r").Dot("IntN").Call(jen.Lit(len(tp.t.Columns)))).BlockFunc(func(sw *jen.Group) {
			for i, c := range tp.t.Columns {
				sw.Case(jen.Lit(i)).BlockFunc(func(g *jen.Group) {
					isNull := jen.Op("&").Qual(pathScan, "IsNull").Values(kv("Column", jen.Lit(c.Name)), kv("Not", jen.Id("r").Dot("IntN").Call(jen.Lit(2)).Op("==").Lit(0)))
					if c.Type == schema.TypeJSON {
						g.Return(isNull)
						return
					}
					if c.Nullable {
						g.If(jen.Id("v").Dot(c.GoName).Op("==").Nil()).Block(jen.Return(isNull))
					}
					pred := "RandomPredicate"
					if c.Type == schema.TypeString {
						pred = "RandomTextPredicate" // also prefix tests
					}
					g.Return(tabletest(pred).Call(jen.Id("r"), jen.Lit(c.Name), tp.leafLiteral(c)))
				})
			}
		}),
		jen.Return(jen.Nil()),
	)
	f.Line()
}

// arrowSchemaTest emits Test<Entity>ArrowSchema.
func (tp *tablePlan) arrowSchemaTest(f *jen.File) {
	t, e := tp.t, tp.entity
	f.Add(docf("Test%sArrowSchema checks the generated schema against scan.ArrowSchema of the layout, and\nthat the appenders fill a record builder made from it and refuse one that does not match.", e))
	f.Func().Id("Test" + e + "ArrowSchema").Params(tT()).BlockFunc(func(g *jen.Group) {
		g.Id("l").Op(":=").Id(tp.lower + "Layout").Call()
		docs := jen.Qual(pathScan, "Docs").Values(
			kv("Table", jen.Lit(t.Doc)),
			kv("Columns", jen.Map(jen.String()).String().Add(fields(func(g *jen.Group) {
				for _, c := range t.Columns {
					if c.Doc != "" {
						g.Add(jen.Lit(c.Name).Op(":").Lit(c.Doc))
					}
				}
			}))),
		)
		g.List(jen.Id("want"), jen.Err()).Op(":=").Qual(pathScan, "ArrowSchema").Call(jen.Op("&").Id("l"), docs)
		g.Add(ifErrFatal("scan.ArrowSchema"))
		g.Id("got").Op(":=").Id(e + "ArrowSchema").Call()
		g.If(jen.Op("!").Id("got").Dot("Equal").Call(jen.Id("want")).Op("||").Op("!").Id("got").Dot("Metadata").Call().Dot("Equal").Call(jen.Id("want").Dot("Metadata").Call())).Block(
			fatalf(e+"ArrowSchema differs from scan.ArrowSchema of the layout:\ngot:  %v\nwant: %v", jen.Id("got"), jen.Id("want")),
		)
		g.If(jen.Id(e + "ArrowSchema").Call().Op("!=").Id("got")).Block(
			jen.Id("t").Dot("Error").Call(jen.Lit(e + "ArrowSchema built the schema again; want it built once")),
		)
		g.Line()
		g.Id("r").Op(":=").Add(newRand(t.ID, 7))
		g.Id("rb").Op(":=").Qual(pathArray, "NewRecordBuilder").Call(jen.Qual(pathMemory, "DefaultAllocator"), jen.Id("got"))
		g.Defer().Id("rb").Dot("Release").Call()
		g.Id("rows").Op(":=").Make(jen.Index().Id(e), jen.Lit(50))
		g.For(jen.Id("i").Op(":=").Range().Id("rows")).BlockFunc(func(g *jen.Group) {
			g.Id("rows").Index(jen.Id("i")).Op("=").Id("random" + e).Call(jen.Id("r"))
			if tp.firstEnum() != nil {
				g.Id("valid" + e).Call(jen.Op("&").Id("rows").Index(jen.Id("i")))
			}
			g.If(jen.Err().Op(":=").Id("Append"+e).Call(jen.Id("rb"), jen.Op("&").Id("rows").Index(jen.Id("i"))), jen.Err().Op("!=").Nil()).Block(
				fatalf("Append"+e+" row %d: %v", jen.Id("i"), jen.Err()),
			)
		})
		g.Id("rec").Op(":=").Id("rb").Dot("NewRecordBatch").Call()
		g.Defer().Id("rec").Dot("Release").Call()
		g.If(jen.Id("rec").Dot("NumRows").Call().Op("!=").Lit(50).Op("||").Id("rec").Dot("NumCols").Call().Op("!=").Lit(len(t.Columns))).Block(
			fatalf("the record has %d rows and %d columns; want 50 and "+fmt.Sprint(len(t.Columns)), jen.Id("rec").Dot("NumRows").Call(), jen.Id("rec").Dot("NumCols").Call()),
		)
		g.Line()
		g.Comment("A builder of another shape is an error, never a panic.")
		g.Id("other").Op(":=").Qual(pathArray, "NewRecordBuilder").Call(jen.Qual(pathMemory, "DefaultAllocator"), jen.Qual(pathArrow, "NewSchema").Call(
			jen.Index().Qual(pathArrow, "Field").Values(jen.Values(kv("Name", jen.Lit("x")), kv("Type", jen.Qual(pathArrow, "Null")))), jen.Nil()))
		g.Defer().Id("other").Dot("Release").Call()
		g.For(jen.Id("c").Op(":=").Range().Lit(len(t.Columns))).Block(
			jen.If(jen.Err().Op(":=").Id("Append"+e+"Columns").Call(jen.Id("other"), jen.Op("&").Id("rows").Index(jen.Lit(0)), jen.Index().Int().Values(jen.Id("c"))), jen.Err().Op("==").Nil()).Block(
				fatalf("Append"+e+"Columns of column %d to a null builder succeeded; want an error", jen.Id("c")),
			),
		)
		g.If(jen.Err().Op(":=").Id("Append"+e).Call(jen.Id("other"), jen.Op("&").Id("rows").Index(jen.Lit(0))), jen.Err().Op("==").Nil()).Block(
			jen.Id("t").Dot("Error").Call(jen.Lit("Append" + e + " to a record builder of one field succeeded; want an error")),
		)
		g.If(jen.Err().Op(":=").Id("Append"+e+"Columns").Call(jen.Id("other"), jen.Op("&").Id("rows").Index(jen.Lit(0)), jen.Index().Int().Values(jen.Lit(len(t.Columns)))), jen.Err().Op("==").Nil()).Block(
			jen.Id("t").Dot("Error").Call(jen.Lit("Append" + e + "Columns of a column position out of range succeeded; want an error")),
		)
		if c := tp.firstEnum(); c != nil {
			g.Line()
			g.Comment("An enum ordinal this build does not declare is a corrupt value, as in a scan.")
			g.Id("bad").Op(":=").Id("rows").Index(jen.Lit(0))
			tp.setBadEnum(g, c)
			g.If(jen.Err().Op(":=").Id("Append"+e).Call(jen.Id("rb"), jen.Op("&").Id("bad")), jen.Op("!").Qual("errors", "Is").Call(jen.Err(), jen.Qual(pathRowenc, "ErrCorrupt"))).Block(
				fatalf("Append"+e+" of an undeclared "+c.Name+" ordinal: got error %v, want rowenc.ErrCorrupt", jen.Err()),
			)
		}
	})
	f.Line()
}

// setBadEnum sets enum column c of row "bad" to the first ordinal the
// build does not declare.
func (tp *tablePlan) setBadEnum(g *jen.Group, c *schema.Column) {
	et := tp.enums[c]
	x := jen.Id(et).Call(jen.Len(jen.Id(lowerFirst(et) + "Names")))
	if c.Nullable {
		g.Id("x").Op(":=").Add(x)
		g.Id("bad").Dot(c.GoName).Op("=").Op("&").Id("x")
		return
	}
	g.Id("bad").Dot(c.GoName).Op("=").Add(x)
}

// putRows emits the loop that stores n random rows of the table through a
// store.Table (owner-scoped for user and stream tables) and keeps the ones
// stored in rows; unique violations between random rows are skipped.
func (tp *tablePlan) putRows(g *jen.Group, n int, fail func(format string, args ...jen.Code) *jen.Statement) {
	e := tp.entity
	g.Var().Id("rows").Index().Id(e)
	g.For(jen.Range().Lit(n)).BlockFunc(func(g *jen.Group) {
		g.Id("v").Op(":=").Id("random" + e).Call(jen.Id("r"))
		if tp.firstEnum() != nil {
			g.Id("valid" + e).Call(jen.Op("&").Id("v"))
		}
		w := jen.Id("tbl")
		if tp.owned() {
			w = jen.Id("tbl").Dot("WithScope").Call(jen.Qual(pathKeyenc, "AppendString").Call(jen.Nil(), jen.Id("owners").Index(jen.Id("r").Dot("IntN").Call(jen.Len(jen.Id("owners"))))))
		}
		g.If(jen.Err().Op(":=").Add(w).Dot("Put").Call(jen.Op("&").Id("v")), jen.Err().Op("!=").Nil()).Block(
			jen.Var().Id("uv").Op("*").Qual(pathStore, "UniqueViolationError"),
			jen.If(jen.Qual("errors", "As").Call(jen.Err(), jen.Op("&").Id("uv"))).Block(jen.Continue()),
			fail("put: %v", jen.Err()),
		)
		g.Id("rows").Op("=").Append(jen.Id("rows"), jen.Id("v"))
	})
}

// openTable emits tbl, the table's store.Table on db (so that rows of every
// kind are written the same way, whatever the generated store's API).
func (tp *tablePlan) openTable(g *jen.Group, fail func(format string, args ...jen.Code) *jen.Statement) {
	g.List(jen.Id("tbl"), jen.Err()).Op(":=").Qual(pathStore, "NewTable").Call(jen.Id("db"), jen.Id(tp.entity+"Spec").Call())
	g.If(jen.Err().Op("!=").Nil()).Block(fail("open table: %v", jen.Err()))
	if tp.owned() {
		g.Id("owners").Op(":=").Index().String().Values(jen.Lit("alice"), jen.Lit("bob"), jen.Lit("carol"))
	}
}

// providers emits generated and schemaDriven, the two providers of the table.
func (tp *tablePlan) providers(g *jen.Group, fail func(format string, args ...jen.Code) *jen.Statement) {
	g.List(jen.Id("generated"), jen.Err()).Op(":=").Id("New" + tp.entity + "Provider").Call(jen.Id("db"))
	g.If(jen.Err().Op("!=").Nil()).Block(fail("New"+tp.entity+"Provider: %v", jen.Err()))
	g.Id("l").Op(":=").Id(tp.lower + "Layout").Call()
	g.List(jen.Id("schemaDriven"), jen.Err()).Op(":=").Qual(pathScan, "NewProvider").Call(jen.Id("db"), jen.Op("&").Id("l"), jen.Qual(pathScan, "Options").Values(kv("Schema", jen.Id(tp.entity+"ArrowSchema").Call())))
	g.If(jen.Err().Op("!=").Nil()).Block(fail("scan.NewProvider: %v", jen.Err()))
}

// providerTest emits Test<Entity>Provider.
func (tp *tablePlan) providerTest(f *jen.File) {
	t, e := tp.t, tp.entity
	fail := func(format string, args ...jen.Code) *jen.Statement { return fatalf(format, args...) }
	doc := fmt.Sprintf("Test%sProvider checks that the generated provider returns exactly what the schema-driven\nprovider (scan.RowDecoder) returns, batch for batch and bit for bit, for random requests\n(projections, filters, limits, batch sizes) over random rows.", e)
	if tp.owned() {
		doc += " Half of the requests are scoped to one owner."
	}
	f.Add(docComment(doc))
	f.Func().Id("Test" + e + "Provider").Params(tT()).BlockFunc(func(g *jen.Group) {
		g.Id("db").Op(":=").Add(openDB("t"))
		tp.openTable(g, fail)
		g.Id("r").Op(":=").Add(newRand(t.ID, 8))
		tp.putRows(g, 300, fail)
		g.If(jen.Len(jen.Id("rows")).Op("==").Lit(0)).Block(fatalf("no random row could be stored"))
		tp.providers(g, fail)
		g.Id("cols").Op(":=").Index().String().ValuesFunc(func(g *jen.Group) {
			for _, c := range t.Columns {
				g.Lit(c.Name)
			}
		})
		g.Id("leaf").Op(":=").Func().Params().Qual(pathScan, "Expr").Block(
			jen.Return(jen.Id("random"+e+"Leaf").Call(jen.Id("r"), jen.Op("&").Id("rows").Index(jen.Id("r").Dot("IntN").Call(jen.Len(jen.Id("rows")))))),
		)
		g.For(jen.Range().Lit(300)).BlockFunc(func(g *jen.Group) {
			g.Id("req").Op(":=").Add(tabletest("RandomRequest")).Call(jen.Id("r"), jen.Id("cols"), jen.Id("leaf"))
			g.List(jen.Id("gp"), jen.Id("sp")).Op(":=").List(jen.Id("generated"), jen.Id("schemaDriven"))
			if tp.owned() {
				g.If(jen.Id("r").Dot("IntN").Call(jen.Lit(2)).Op("==").Lit(0)).Block(
					jen.Id("scope").Op(":=").Qual(pathKeyenc, "AppendString").Call(jen.Nil(), jen.Id("owners").Index(jen.Id("r").Dot("IntN").Call(jen.Len(jen.Id("owners"))))),
					jen.List(jen.Id("gp"), jen.Id("sp")).Op("=").List(jen.Id("gp").Dot("WithScope").Call(jen.Id("scope")), jen.Id("sp").Dot("WithScope").Call(jen.Id("scope"))),
				)
			}
			g.If(jen.Err().Op(":=").Add(tabletest("CompareScans")).Call(jen.Id("t"), jen.Id("gp"), jen.Id("sp"), jen.Id("req")), jen.Err().Op("!=").Nil()).Block(
				fatalf("%s: %v", tabletest("DescribeRequest").Call(jen.Id("req")), jen.Err()),
			)
		})
		if c := tp.firstEnum(); c != nil {
			g.Line()
			g.Comment("A row holding an enum ordinal this build does not declare fails both scans.")
			g.For(jen.Id("i").Op(":=").Lit(0).Op(";").Id("i").Op("<").Lit(100).Op(";").Id("i").Op("++")).BlockFunc(func(g *jen.Group) {
				g.Id("bad").Op(":=").Id("random" + e).Call(jen.Id("r"))
				tp.setBadEnum(g, c)
				w := jen.Id("tbl")
				if tp.owned() {
					w = jen.Id("tbl").Dot("WithScope").Call(jen.Qual(pathKeyenc, "AppendString").Call(jen.Nil(), jen.Lit("alice")))
				}
				g.If(jen.Add(w).Dot("Put").Call(jen.Op("&").Id("bad")).Op("==").Nil()).Block(jen.Break())
				g.If(jen.Id("i").Op("==").Lit(99)).Block(fatalf("could not store a row with an undeclared " + c.Name))
			})
			g.Id("req").Op(":=").Qual(pathScan, "Request").Values(kv("Columns", jen.Index().String().Values(jen.Lit(c.Name))))
			g.If(jen.Err().Op(":=").Add(tabletest("CompareScans")).Call(jen.Id("t"), jen.Id("generated"), jen.Id("schemaDriven"), jen.Id("req")), jen.Op("!").Qual("errors", "Is").Call(jen.Err(), jen.Qual(pathRowenc, "ErrCorrupt"))).Block(
				fatalf("scan over a row with an undeclared "+c.Name+": got error %v, want rowenc.ErrCorrupt", jen.Err()),
			)
		}
	})
	f.Line()
}

// providerBenchmark emits Benchmark<Entity>Provider.
func (tp *tablePlan) providerBenchmark(f *jen.File) {
	t, e := tp.t, tp.entity
	fail := func(format string, args ...jen.Code) *jen.Statement {
		return jen.Id("b").Dot("Fatalf").Call(append([]jen.Code{jen.Lit(format)}, args...)...)
	}
	f.Add(docf("Benchmark%sProvider compares a full scan to Arrow through the generated row source and\nthrough the schema-driven one, in rows/s, over up to 10,000 random rows (random keys collide,\nso fewer may be stored; the rows metric says how many).", e))
	f.Func().Id("Benchmark" + e + "Provider").Params(jen.Id("b").Op("*").Qual(pathTesting, "B")).BlockFunc(func(g *jen.Group) {
		g.Id("db").Op(":=").Add(openDB("b"))
		tp.openTable(g, fail)
		g.Id("r").Op(":=").Add(newRand(t.ID, 9))
		tp.putRows(g, 10000, fail)
		tp.providers(g, fail)
		g.For(jen.List(jen.Id("_"), jen.Id("bc")).Op(":=").Range().Index().Struct(jen.Id("name").String(), jen.Id("p").Op("*").Qual(pathScan, "Provider")).Values(
			jen.Values(jen.Lit("generated"), jen.Id("generated")), jen.Values(jen.Lit("schema-driven"), jen.Id("schemaDriven")),
		)).Block(
			jen.Id("b").Dot("Run").Call(jen.Id("bc").Dot("name"), jen.Func().Params(jen.Id("b").Op("*").Qual(pathTesting, "B")).Block(
				jen.Id("n").Op(":=").Lit(0),
				jen.For(jen.Id("b").Dot("Loop").Call()).Block(
					jen.List(jen.Id("rr"), jen.Err()).Op(":=").Id("bc").Dot("p").Dot("Scan").Call(jen.Qual("context", "Background").Call(), jen.Qual(pathScan, "Request").Values()),
					jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("b").Dot("Fatal").Call(jen.Err())),
					jen.For(jen.Id("rr").Dot("Next").Call()).Block(jen.Id("n").Op("+=").Int().Call(jen.Id("rr").Dot("RecordBatch").Call().Dot("NumRows").Call())),
					jen.If(jen.Err().Op(":=").Id("rr").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(jen.Id("b").Dot("Fatal").Call(jen.Err())),
					jen.Id("rr").Dot("Release").Call(),
				),
				jen.Id("b").Dot("ReportMetric").Call(jen.Float64().Call(jen.Id("n")).Op("/").Id("b").Dot("Elapsed").Call().Dot("Seconds").Call(), jen.Lit("rows/s")),
				jen.Id("b").Dot("ReportMetric").Call(jen.Float64().Call(jen.Len(jen.Id("rows"))), jen.Lit("rows")),
			)),
		)
	})
	f.Line()
}

// catalogTestFile is catalog/catalog_test.go; names are the tables in
// order.
func catalogTestFile(importPath string, sources, names []string) *jen.File {
	f := newCatalogFile(importPath, sources)
	f.Add(docComment("TestCatalog opens every table's provider on an empty database and looks each one up by name."))
	f.Func().Id("TestCatalog").Params(tT()).Block(
		jen.List(jen.Id("db"), jen.Err()).Op(":=").Qual(pathStore, "Open").Call(jen.Id("t").Dot("TempDir").Call(), jen.Op("&").Qual(pathStore, "Options").Values()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Fatal").Call(jen.Err())),
		jen.Defer().Id("db").Dot("Close").Call(),
		jen.List(jen.Id("c"), jen.Err()).Op(":=").Id("Open").Call(jen.Id("db")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Fatal").Call(jen.Err())),
		jen.Id("want").Op(":=").Index().String().ValuesFunc(func(g *jen.Group) {
			for _, n := range names {
				g.Lit(n)
			}
		}),
		jen.If(jen.Op("!").Qual("slices", "Equal").Call(jen.Id("c").Dot("Names").Call(), jen.Id("want"))).Block(
			fatalf("Names() = %q; want %q", jen.Id("c").Dot("Names").Call(), jen.Id("want")),
		),
		jen.For(jen.List(jen.Id("_"), jen.Id("name")).Op(":=").Range().Id("want")).Block(
			jen.List(jen.Id("p"), jen.Id("ok")).Op(":=").Id("c").Dot("Lookup").Call(jen.Id("name")),
			jen.If(jen.Op("!").Id("ok")).Block(fatalf("Lookup(%q) found nothing", jen.Id("name"))),
			jen.If(jen.List(jen.Id("got"), jen.Id("_")).Op(":=").Id("p").Dot("Schema").Call().Dot("Metadata").Call().Dot("GetValue").Call(jen.Qual(pathScan, "MetaTable")), jen.Id("got").Op("!=").Id("name")).Block(
				fatalf("Lookup(%q) returned the provider of %q", jen.Id("name"), jen.Id("got")),
			),
			jen.List(jen.Id("rr"), jen.Err()).Op(":=").Id("p").Dot("Scan").Call(jen.Qual("context", "Background").Call(), jen.Qual(pathScan, "Request").Values()),
			jen.If(jen.Err().Op("!=").Nil()).Block(fatalf("%s: scan: %v", jen.Id("name"), jen.Err())),
			jen.If(jen.Id("rr").Dot("Next").Call()).Block(fatalf("%s: an empty database returned a batch", jen.Id("name"))),
			jen.If(jen.Err().Op(":=").Id("rr").Dot("Err").Call(), jen.Err().Op("!=").Nil()).Block(fatalf("%s: scan: %v", jen.Id("name"), jen.Err())),
			jen.Id("rr").Dot("Release").Call(),
		),
		jen.If(jen.List(jen.Id("_"), jen.Id("ok")).Op(":=").Id("c").Dot("Lookup").Call(jen.Lit("no.such_table")), jen.Id("ok")).Block(
			jen.Id("t").Dot("Error").Call(jen.Lit("Lookup of an unknown table succeeded")),
		),
	)
	return f
}
