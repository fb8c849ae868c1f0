package gen

import (
	"slices"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
)

// TestScanRefuses checks the names the Arrow and provider files add: a
// namespace cannot take the catalog's directory, a table cannot take
// another table's _arrow or _provider file, and an entity cannot take
// another table's Arrow or provider declarations.
func TestScanRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() *schema.Schema
		want  string
	}{
		{"catalog namespace", func() *schema.Schema {
			a := table("catalog", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).key("ItemId", "ItemID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t}}
		}, `schemas/catalog/items.yaml:1:1: table catalog.items: namespace "catalog" is the directory of the generated catalog of every table; rename the namespace`},
		{"provider file", func() *schema.Schema {
			a := table("app", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).key("ItemId", "ItemID", "id")
			b := table("app", "items_provider", 2, schema.KindSystem, "ItemsProvider").col("id", schema.TypeString, false).key("PId", "PID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t, b.t}}
		}, "table app.items_provider: its file items_provider.go collides with the file of table app.items; rename the table"},
		{"arrow declaration", func() *schema.Schema {
			a := table("app", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).key("ItemId", "ItemID", "id")
			b := table("app", "schemas", 2, schema.KindSystem, "ItemArrowSchema").col("id", schema.TypeString, false).key("SId", "SID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t, b.t}}
		}, "Go name ItemArrowSchema of the entity of table app.schemas collides with a generated declaration of table app.items"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := generateErr(t, tc.build()); !strings.Contains(got, tc.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", got, tc.want)
			}
		})
	}
}

// TestScanFiles checks which files the Arrow and provider generators add:
// three per table and the catalog with its test (no helper files: the
// generated tests import runtime/tabletest), and that the catalog lists
// every table in name order.
func TestScanFiles(t *testing.T) {
	files, err := Generate(fullSchema(), Options{ImportPath: testImportPath})
	if err != nil {
		t.Fatal(err)
	}
	s := fullSchema()
	for _, tbl := range s.Tables {
		for _, suffix := range []string{"_arrow.go", "_provider.go", "_provider_test.go"} {
			if _, ok := files[tbl.Namespace+"/"+tbl.Name+suffix]; !ok {
				t.Errorf("no %s/%s%s", tbl.Namespace, tbl.Name, suffix)
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
