package gen

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// This file generates <table>_provider.go, the table's scan provider with
// its generated row source, and catalog/catalog.go, which registers every
// table's provider by "namespace.table".

// catalogPkg is the directory and package of the generated catalog, under
// the output root. A namespace of that name would share its directory, so
// checkTable refuses it.
const catalogPkg = "catalog"

// scanDecls are the package-level names the arrow and provider files (and
// their tests) declare for tp, for checkNames.
func (tp *tablePlan) scanDecls() []string {
	e, l := tp.entity, tp.lower
	names := []string{e + "ArrowSchema", l + "ArrowSchema", "Append" + e, "Append" + e + "Columns", "append" + e + "Column",
		"New" + e + "Provider", l + "Source", "new" + e + "Source",
		"Test" + e + "ArrowSchema", "Test" + e + "Provider", "Benchmark" + e + "Provider", "random" + e + "Leaf", "valid" + e}
	if tp.owned() {
		names = append(names, "New"+e+"OwnerProvider")
	}
	return names
}

// owned reports whether the table's rows are partitioned by owner (user and
// stream tables): their stored keys start with the owner's scope.
func (tp *tablePlan) owned() bool {
	return tp.t.Kind == schema.KindUser || tp.t.Kind == schema.KindStream
}

// providerFile is <table>_provider.go.
func (tp *tablePlan) providerFile() *jen.File {
	f := tp.pkg.newFile([]string{tp.source})
	arrowImports(f)
	t, e := tp.t, tp.entity
	n := len(t.Columns)
	src := tp.lower + "Source"

	f.Add(docf("New%sProvider returns the scan provider of %s in db: Arrow record batches with\nprojection, filter and limit pushdown (see package scan). Its row source decodes only the\nprojected and filtered columns with the generated codec into a %s and appends them with\nAppend%sColumns, so a scan interprets no layout per row; its output equals the schema-driven\nprovider's. It fails with a *store.LayoutMismatchError when db was written with another layout.", e, t.FullName(), e, e))
	if tp.owned() {
		f.Add(docf("The provider scans every owner's rows; New%sOwnerProvider, or WithScope, limits it to one owner.", e))
	}
	f.Func().Id("New"+e+"Provider").Params(jen.Id("db").Op("*").Qual(pathStore, "DB")).Params(jen.Op("*").Qual(pathScan, "Provider"), jen.Error()).Block(
		jen.Id("l").Op(":=").Id(tp.lower+"Layout").Call(),
		jen.Return(jen.Qual(pathScan, "NewProvider").Call(jen.Id("db"), jen.Op("&").Id("l"), jen.Qual(pathScan, "Options").Values(
			kv("Schema", jen.Id(e+"ArrowSchema").Call()),
			kv("NewSource", jen.Id("new"+e+"Source")),
		))),
	)
	f.Line()

	if tp.owned() {
		f.Add(docf("New%sOwnerProvider returns the provider of owner's rows of %s: the provider of\nNew%sProvider scoped with WithScope(keyenc.AppendString(nil, owner)), the scope the store\nprefixes every key of the owner with, so it never reads another owner's rows. owner must not be empty.", e, t.FullName(), e))
		f.Func().Id("New"+e+"OwnerProvider").Params(jen.Id("db").Op("*").Qual(pathStore, "DB"), jen.Id("owner").String()).Params(jen.Op("*").Qual(pathScan, "Provider"), jen.Error()).Block(
			jen.If(jen.Id("owner").Op("==").Lit("")).Block(
				jen.Return(jen.Nil(), jen.Qual("errors", "New").Call(jen.Lit(fmt.Sprintf("%s: owner is empty; every row of a %s table belongs to a user, pass the owner's user id", t.FullName(), t.Kind)))),
			),
			jen.List(jen.Id("p"), jen.Err()).Op(":=").Id("New"+e+"Provider").Call(jen.Id("db")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.Return(jen.Id("p").Dot("WithScope").Call(jen.Qual(pathKeyenc, "AppendString").Call(jen.Nil(), jen.Id("owner"))), jen.Nil()),
		)
		f.Line()
	}

	hasText := slices.ContainsFunc(t.Columns, func(c *schema.Column) bool { return c.Type == schema.TypeString })
	f.Add(docf("%s is the generated scan.RowSource of %s: it decodes the columns a scan needs\ninto row, gives the filter their values and appends the projected ones with Append%sColumns.", src, t.FullName(), e))
	f.Type().Id(src).StructFunc(func(g *jen.Group) {
		g.Id("decode").Index().Bool().Comment("per column: projected or filtered")
		g.Id("project").Index().Int().Comment("projected columns, in output order")
		g.Id("row").Id(e)
		if hasText {
			g.Id("text").Index(jen.Lit(n)).Index().Byte().Comment("per string column: its bytes for Value, reused from row to row")
		}
	})
	f.Line()

	f.Add(docf("new%sSource is the scan.NewRowSource of %s.", e, t.FullName()))
	f.Func().Id("new"+e+"Source").Params(jen.Id("decode").Index().Bool(), jen.Id("project").Index().Int()).Params(jen.Qual(pathScan, "RowSource"), jen.Error()).Block(
		jen.If(jen.Len(jen.Id("decode")).Op("!=").Lit(n)).Block(
			jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: decode set has %%d entries for %d columns", t.FullName(), n)), jen.Len(jen.Id("decode")))),
		),
		jen.For(jen.List(jen.Id("_"), jen.Id("c")).Op(":=").Range().Id("project")).Block(
			jen.If(jen.Id("c").Op("<").Lit(0).Op("||").Id("c").Op(">=").Lit(n).Op("||").Op("!").Id("decode").Index(jen.Id("c"))).Block(
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s: projected column %%d is out of range or not decoded", t.FullName())), jen.Id("c"))),
			),
		),
		jen.Return(jen.Op("&").Id(src).Values(kv("decode", jen.Id("decode")), kv("project", jen.Id("project"))), jen.Nil()),
	)
	f.Line()

	f.Add(docf("Load implements scan.RowSource. Like the schema-driven decoder, it reports an enum\nordinal this build does not declare as a corrupt row."))
	f.Func().Params(jen.Id("s").Op("*").Id(src)).Id("Load").Params(jen.Id("value").Index().Byte()).Error().BlockFunc(func(g *jen.Group) {
		g.If(jen.Err().Op(":=").Id("decode"+e+"Columns").Call(jen.Id("value"), jen.Op("&").Id("s").Dot("row"), jen.Id("s").Dot("decode")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
		for i, c := range t.Columns {
			if c.Type != schema.TypeEnum {
				continue
			}
			names := lowerFirst(tp.enums[c]) + "Names"
			val := colValue(jen.Id("s").Dot("row"), c)
			cond := jen.Id("s").Dot("decode").Index(jen.Lit(i))
			if c.Nullable {
				cond = cond.Op("&&").Id("s").Dot("row").Dot(c.GoName).Op("!=").Nil()
			}
			g.If(cond.Op("&&").Parens(val.Clone().Op("<").Lit(0).Op("||").Int().Call(val.Clone()).Op(">=").Len(jen.Id(names)))).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(
					jen.Lit(fmt.Sprintf("field %d (%s enum): ordinal %%d is not one of the %d declared values; a newer build may have added values: %%w", c.Tag, c.Name, len(c.Values))),
					jen.Int32().Call(val.Clone()), jen.Qual(pathRowenc, "ErrCorrupt"),
				)),
			)
		}
		g.Return(jen.Nil())
	})
	f.Line()

	f.Add(docf("Value implements scan.RowSource: column col of the loaded row in the form filters compare."))
	f.Func().Params(jen.Id("s").Op("*").Id(src)).Id("Value").Params(jen.Id("col").Int()).Qual(pathScan, "Value").Block(
		jen.Id("v").Op(":=").Op("&").Id("s").Dot("row"),
		jen.Switch(jen.Id("col")).BlockFunc(func(sw *jen.Group) {
			for i, c := range t.Columns {
				sw.Case(jen.Lit(i)).BlockFunc(func(g *jen.Group) { scanValue(g, c, i) })
			}
		}),
		jen.Return(jen.Qual(pathScan, "Value").Values(kv("Null", jen.True()))),
	)
	f.Line()

	f.Add(docf("Append implements scan.RowSource."))
	f.Func().Params(jen.Id("s").Op("*").Id(src)).Id("Append").Params(jen.Id("b").Op("*").Qual(pathArray, "RecordBuilder")).Error().Block(
		jen.Return(jen.Id("Append"+e+"Columns").Call(jen.Id("b"), jen.Op("&").Id("s").Dot("row"), jen.Id("s").Dot("project"))),
	)
	f.Line()
	return f
}

// scanValue emits the body of case i of a source's Value: the column's value
// as a scan.Value (see scan.Value for which field holds what).
func scanValue(g *jen.Group, c *schema.Column, i int) {
	field := jen.Id("v").Dot(c.GoName)
	x := colValue(jen.Id("v"), c)
	value := func(name string, v jen.Code) *jen.Statement {
		return jen.Return(jen.Qual(pathScan, "Value").Values(kv(name, v)))
	}
	if c.Nullable {
		g.If(field.Clone().Op("==").Nil()).Block(jen.Return(jen.Qual(pathScan, "Value").Values(kv("Null", jen.True()))))
	}
	switch c.Type {
	case schema.TypeBool:
		g.If(x).Block(value("I", jen.Lit(1)))
		g.Return(jen.Qual(pathScan, "Value").Values())
	case schema.TypeInt32, schema.TypeEnum:
		g.Add(value("I", jen.Int64().Call(x)))
	case schema.TypeInt64:
		g.Add(value("I", x))
	case schema.TypeUint64:
		g.Add(value("U", x))
	case schema.TypeFloat64:
		g.Add(value("F", x))
	case schema.TypeTimestamp:
		g.Add(value("I", recv(x).Dot("UnixMicro").Call()))
	case schema.TypeDuration:
		g.Add(value("I", recv(x).Dot("Microseconds").Call()))
	case schema.TypeString:
		buf := jen.Id("s").Dot("text").Index(jen.Lit(i))
		g.Add(buf.Clone()).Op("=").Append(buf.Clone().Index(jen.Empty(), jen.Lit(0)), x.Op("..."))
		g.Add(value("B", buf.Clone()))
	case schema.TypeBytes:
		g.Add(value("B", x))
	case schema.TypeJSON:
		g.Add(value("B", jen.Index().Byte().Call(x)))
	case schema.TypeUUID:
		g.Add(value("B", field.Clone().Index(jen.Empty(), jen.Empty())))
	}
}

// catalogFiles returns catalog/catalog.go, which registers every table's
// provider by name, and its test. The catalog imports every namespace
// package, which is why it is a package of its own.
func catalogFiles(pkgs []*pkgPlan, opts Options) (catalog, test *jen.File) {
	var sources []string
	var tables []*tablePlan
	for _, p := range pkgs {
		sources = append(sources, p.sources...)
		tables = append(tables, p.tables...)
	}

	slices.Sort(sources)
	slices.SortFunc(tables, func(a, b *tablePlan) int { return strings.Compare(a.t.FullName(), b.t.FullName()) })
	var names []string
	for _, tp := range tables {
		names = append(names, tp.t.FullName())
	}
	catalog = catalogFile(opts.ImportPath, sources, tables)
	for _, p := range pkgs {
		// A namespace named like a package the catalog imports keeps
		// the alias jennifer picks for it.
		if !slices.Contains([]string{"fmt", "slices", "scan", "store"}, p.ns) {
			catalog.ImportName(p.importPath, p.ns)
		}
	}
	return catalog, catalogTestFile(opts.ImportPath, sources, names)
}

// newCatalogFile starts a file of the catalog package.
func newCatalogFile(importPath string, sources []string) *jen.File {
	f := jen.NewFilePathName(strings.TrimSuffix(importPath, "/")+"/"+catalogPkg, catalogPkg)
	f.NoFormat = true // groupImports formats once
	f.HeaderComment(strings.TrimPrefix(Header, "// "))
	f.HeaderComment("source: " + strings.Join(sources, ", "))
	f.ImportName(pathStore, "store")
	arrowImports(f)
	return f
}

// catalogFile is catalog/catalog.go over tables, sorted by full name.
func catalogFile(importPath string, sources []string, tables []*tablePlan) *jen.File {
	f := newCatalogFile(importPath, sources)
	for _, l := range []string{
		"Package catalog registers the scan provider of every table tablegen generated, by",
		"\"namespace.table\", for tools and query engines that pick a table by name (tablegen inspect,",
		"a SQL front end). User and stream tables are listed with their all-owners provider; scope one",
		"with WithScope or the table package's New<Entity>OwnerProvider.",
	} {
		f.PackageComment(l)
	}

	f.Add(docComment("Catalog holds one provider per table of a database. It is safe for concurrent use."))
	f.Type().Id("Catalog").Struct(
		jen.Id("providers").Map(jen.String()).Op("*").Qual(pathScan, "Provider"),
	)
	f.Line()

	f.Add(docComment("names are the tables of the catalog, in order."))
	f.Var().Id("names").Op("=").Index().String().Add(fields(func(g *jen.Group) {
		for _, tp := range tables {
			g.Lit(tp.t.FullName())
		}
	}))
	f.Line()

	f.Add(docComment("Open builds the provider of every table over db. It fails when db was written with a\ndifferent layout of any table, naming the table (a *store.LayoutMismatchError, use errors.As)."))
	f.Func().Id("Open").Params(jen.Id("db").Op("*").Qual(pathStore, "DB")).Params(jen.Op("*").Id("Catalog"), jen.Error()).Block(
		jen.Id("open").Op(":=").Index().Func().Params(jen.Op("*").Qual(pathStore, "DB")).Params(jen.Op("*").Qual(pathScan, "Provider"), jen.Error()).Add(fields(func(g *jen.Group) {
			for _, tp := range tables {
				g.Qual(tp.pkg.importPath, "New"+tp.entity+"Provider")
			}
		})),
		jen.Id("c").Op(":=").Op("&").Id("Catalog").Values(kv("providers", jen.Make(jen.Map(jen.String()).Op("*").Qual(pathScan, "Provider"), jen.Len(jen.Id("names"))))),
		jen.For(jen.List(jen.Id("i"), jen.Id("name")).Op(":=").Range().Id("names")).Block(
			jen.List(jen.Id("p"), jen.Err()).Op(":=").Id("open").Index(jen.Id("i")).Call(jen.Id("db")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("catalog: %s: %w"), jen.Id("name"), jen.Err()))),
			jen.Id("c").Dot("providers").Index(jen.Id("name")).Op("=").Id("p"),
		),
		jen.Return(jen.Id("c"), jen.Nil()),
	)
	f.Line()

	f.Add(docComment("Lookup returns the provider of the table called name (\"namespace.table\"), and whether\nthere is one."))
	f.Func().Params(jen.Id("c").Op("*").Id("Catalog")).Id("Lookup").Params(jen.Id("name").String()).Params(jen.Op("*").Qual(pathScan, "Provider"), jen.Bool()).Block(
		jen.List(jen.Id("p"), jen.Id("ok")).Op(":=").Id("c").Dot("providers").Index(jen.Id("name")),
		jen.Return(jen.Id("p"), jen.Id("ok")),
	)
	f.Line()

	f.Add(docComment("Guarded returns every table's provider behind its access policy (the table package's\nGuard<Entity>Provider), by \"namespace.table\": what an endpoint serving other processes scans\nthrough (runtime/flight), so that each of its scans is checked as in process. The map is the caller's."))
	f.Func().Params(jen.Id("c").Op("*").Id("Catalog")).Id("Guarded").Params().Params(jen.Map(jen.String()).Op("*").Qual(pathScan, "Guarded"), jen.Error()).Block(
		jen.Id("guard").Op(":=").Index().Func().Params(jen.Op("*").Qual(pathScan, "Provider")).Params(jen.Op("*").Qual(pathScan, "Guarded"), jen.Error()).Add(fields(func(g *jen.Group) {
			for _, tp := range tables {
				g.Qual(tp.pkg.importPath, "Guard"+tp.entity+"Provider")
			}
		})),
		jen.Id("out").Op(":=").Make(jen.Map(jen.String()).Op("*").Qual(pathScan, "Guarded"), jen.Len(jen.Id("names"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("name")).Op(":=").Range().Id("names")).Block(
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Id("guard").Index(jen.Id("i")).Call(jen.Id("c").Dot("providers").Index(jen.Id("name"))),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("catalog: %s: %w"), jen.Id("name"), jen.Err()))),
			jen.Id("out").Index(jen.Id("name")).Op("=").Id("g"),
		),
		jen.Return(jen.Id("out"), jen.Nil()),
	)
	f.Line()

	f.Add(docComment("Names returns the name of every table of the catalog, sorted; the slice is the caller's."))
	f.Func().Params(jen.Id("c").Op("*").Id("Catalog")).Id("Names").Params().Index().String().Block(
		jen.Return(jen.Qual("slices", "Clone").Call(jen.Id("names"))),
	)
	f.Line()
	return f
}
