package gen

import (
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"
)

// This file generates catalog/catalog.go, which registers the schema-driven
// scan provider of every table by "namespace.table", and its test. Tables
// get no generated provider: the runtime's schema-driven one is the
// measured-fast path (BENCHMARKS.md).

// catalogPkg is the directory and package of the generated catalog, under
// the output root. A namespace of that name would share its directory, so
// checkTable refuses it.
const catalogPkg = "catalog"

// pathScan is the import path of the scan package the catalog uses.
const pathScan = "github.com/tablegen/tablegen/runtime/scan"

// owned reports whether the table's rows are partitioned by owner (user and
// stream tables): their stored keys start with the owner's scope.
func (tp *tablePlan) owned() bool {
	return tp.t.Kind.OwnerScoped()
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
		if !slices.Contains([]string{"access", "fmt", "layout", "slices", "scan", "store"}, p.ns) {
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
	f.ImportName(pathScan, "scan")
	f.ImportName(pathLayout, "layout")
	f.ImportName(pathAccess, "access")
	return f
}

// catalogFile is catalog/catalog.go over tables, sorted by full name.
func catalogFile(importPath string, sources []string, tables []*tablePlan) *jen.File {
	f := newCatalogFile(importPath, sources)
	for _, l := range []string{
		"Package catalog registers the scan provider of every table tablegen generated, by",
		"\"namespace.table\", for tools and query engines that pick a table by name (tablegen inspect,",
		"a SQL front end). User and stream tables are listed with their all-owners provider; scope one",
		"with WithScope(keyenc.AppendString(nil, owner)).",
	} {
		f.PackageComment(l)
	}

	f.Add(docComment("Catalog holds one provider per table of a database. It is safe for concurrent use."))
	f.Type().Id("Catalog").Struct(
		jen.Id("providers").Map(jen.String()).Op("*").Qual(pathScan, "Provider"),
		jen.Id("layouts").Index().Qual(pathLayout, "Table").Comment("parallel to names"),
		jen.Id("levels").Index().Qual(pathAccess, "Level").Comment("parallel to names: each table's declared access level"),
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
		jen.Id("layouts").Op(":=").Index().Qual(pathLayout, "Table").Add(fields(func(g *jen.Group) {
			for _, tp := range tables {
				g.Qual(tp.pkg.importPath, tp.entity+"Spec").Call().Dot("Layout")
			}
		})),
		jen.Id("levels").Op(":=").Index().Qual(pathAccess, "Level").Add(fields(func(g *jen.Group) {
			for _, tp := range tables {
				g.Qual(tp.pkg.importPath, tp.entity+"Spec").Call().Dot("Access")
			}
		})),
		jen.Id("c").Op(":=").Op("&").Id("Catalog").Add(fields(func(g *jen.Group) {
			g.Add(kv("providers", jen.Make(jen.Map(jen.String()).Op("*").Qual(pathScan, "Provider"), jen.Len(jen.Id("names")))))
			g.Add(kv("layouts", jen.Id("layouts")))
			g.Add(kv("levels", jen.Id("levels")))
		})),
		jen.For(jen.List(jen.Id("i"), jen.Id("name")).Op(":=").Range().Id("names")).Block(
			jen.List(jen.Id("p"), jen.Err()).Op(":=").Qual(pathScan, "NewProvider").Call(jen.Id("db"), jen.Op("&").Id("layouts").Index(jen.Id("i")), jen.Qual(pathScan, "Options").Values()),
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

	f.Add(docComment("Guarded returns every table's provider behind its access policy (access.PolicyOf its layout\nand declared level), by \"namespace.table\": what an endpoint serving other processes scans\nthrough (runtime/flight), so that each of its scans is checked as in process. The map is the caller's."))
	f.Func().Params(jen.Id("c").Op("*").Id("Catalog")).Id("Guarded").Params().Params(jen.Map(jen.String()).Op("*").Qual(pathScan, "Guarded"), jen.Error()).Block(
		jen.Id("out").Op(":=").Make(jen.Map(jen.String()).Op("*").Qual(pathScan, "Guarded"), jen.Len(jen.Id("names"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("name")).Op(":=").Range().Id("names")).Block(
			jen.Id("l").Op(":=").Op("&").Id("c").Dot("layouts").Index(jen.Id("i")),
			jen.List(jen.Id("g"), jen.Err()).Op(":=").Qual(pathScan, "NewGuarded").Call(
				jen.Id("c").Dot("providers").Index(jen.Id("name")),
				jen.Qual(pathAccess, "PolicyOf").Call(jen.Id("l"), jen.Id("c").Dot("levels").Index(jen.Id("i"))),
			),
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
