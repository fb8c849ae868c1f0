package gen

import (
	"slices"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
)

// TestCatalogRefuses checks that a namespace cannot take the catalog's
// directory, a table cannot take another table's _store file, and an
// entity cannot take another table's generated declarations.
func TestCatalogRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() *schema.Schema
		want  string
	}{
		{"catalog namespace", func() *schema.Schema {
			a := table("catalog", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).key("ItemId", "ItemID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t}}
		}, `schemas/catalog/items.yaml:1:1: table catalog.items: namespace "catalog" is the directory of the generated catalog of every table; rename the namespace`},
		{"store file", func() *schema.Schema {
			a := table("app", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).key("ItemId", "ItemID", "id")
			b := table("app", "items_store", 2, schema.KindSystem, "ItemsStoreRow").col("id", schema.TypeString, false).key("PId", "PID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t, b.t}}
		}, "table app.items_store: its file items_store.go collides with the file of table app.items; rename the table"},
		{"generated declaration", func() *schema.Schema {
			a := table("app", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).key("ItemId", "ItemID", "id")
			b := table("app", "specs", 2, schema.KindSystem, "ItemSpec").col("id", schema.TypeString, false).key("SId", "SID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t, b.t}}
		}, "Go name ItemSpec of the entity of table app.specs collides with a generated declaration of table app.items"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := generateErr(t, tc.build()); !strings.Contains(got, tc.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", got, tc.want)
			}
		})
	}
}

// TestFiles checks which files the generator writes: the entity, store and
// test file per table (no Arrow or provider file: the schema-driven provider
// serves scans) and the catalog with its test (no helper files: the
// generated tests import runtime/tabletest), and that the catalog lists
// every table in name order.
func TestFiles(t *testing.T) {
	files, err := Generate(fullSchema(), Options{ImportPath: testImportPath})
	if err != nil {
		t.Fatal(err)
	}
	s := fullSchema()
	for _, tbl := range s.Tables {
		for _, suffix := range []string{".go", "_store.go", "_test.go"} {
			if _, ok := files[tbl.Namespace+"/"+tbl.Name+suffix]; !ok {
				t.Errorf("no %s/%s%s", tbl.Namespace, tbl.Name, suffix)
			}
		}
		for _, suffix := range []string{"_arrow.go", "_provider.go", "_provider_test.go"} {
			if _, ok := files[tbl.Namespace+"/"+tbl.Name+suffix]; ok {
				t.Errorf("%s/%s%s is generated; scans use the schema-driven provider", tbl.Namespace, tbl.Name, suffix)
			}
		}
		for _, helpers := range []string{"helpers_test.go", "scan_helpers_test.go"} {
			if _, ok := files[tbl.Namespace+"/"+helpers]; ok {
				t.Errorf("%s/%s is generated; the shared test helpers are runtime/tabletest's", tbl.Namespace, helpers)
			}
		}
	}
	catalog := string(files["catalog/catalog.go"])
	if catalog == "" || files["catalog/catalog_test.go"] == nil {
		t.Fatalf("no catalog/catalog.go and catalog_test.go among %v", sortedNames(files))
	}
	last := -1
	for _, name := range sortedTableNames(s) {
		i := strings.Index(catalog, "\t\""+name+"\",\n")
		if i < 0 || i < last {
			t.Fatalf("catalog.go does not list %s after the tables before it:\n%s", name, catalog)
		}
		last = i
	}
	if _, err := Generate(&schema.Schema{}, Options{ImportPath: testImportPath}); err != nil {
		t.Errorf("an empty schema: %v", err)
	}
}

// sortedTableNames returns the full names of s's tables in order.
func sortedTableNames(s *schema.Schema) []string {
	var names []string
	for _, t := range s.Tables {
		names = append(names, t.FullName())
	}
	slices.Sort(names)
	return names
}

// TestNoTests checks that Options.NoTests leaves out every _test.go file
// and nothing else.
func TestNoTests(t *testing.T) {
	all, err := Generate(fullSchema(), Options{ImportPath: testImportPath})
	if err != nil {
		t.Fatal(err)
	}
	some, err := Generate(fullSchema(), Options{ImportPath: testImportPath, NoTests: true})
	if err != nil {
		t.Fatal(err)
	}
	for name := range all {
		_, kept := some[name]
		if isTest := strings.HasSuffix(name, "_test.go"); kept == isTest {
			t.Errorf("%s: generated with NoTests = %v; want %v", name, kept, !isTest)
		}
	}
}
