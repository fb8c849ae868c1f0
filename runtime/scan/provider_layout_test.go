package scan_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestProviderUsesTheStoreLayoutRule: a provider registers its table as
// the store does (layout.Diff through store.NewTable), not by comparing
// fingerprints on its own: a safe change is applied on open and reads
// the new column as null, a refused change names its rule, and a
// read-only open of a safely older database hands back the stored layout.
func TestProviderUsesTheStoreLayoutRule(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	v1 := layout.Table{ID: 5, Namespace: "t", Name: "items", Kind: layout.System,
		Key:     []layout.KeyColumn{{Name: "id", Type: "int64"}},
		Columns: []layout.Column{{Tag: 1, Name: "id", Type: "int64"}, {Tag: 2, Name: "n", Type: "int32"}}}
	v2 := v1
	v2.Columns = append(v2.Columns[:2:2], layout.Column{Tag: 3, Name: "note", Type: "string", Nullable: true})
	v3 := v1
	v3.Columns = []layout.Column{{Tag: 1, Name: "id", Type: "int64"}, {Tag: 2, Name: "n", Type: "string"}}

	open := func(o *store.Options) *store.DB {
		db, err := store.Open(dir, o)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open(&store.Options{NoSync: true})
	spec, err := scan.LayoutSpec(&v1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.NewTable(db, spec); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Read-only and one safe change behind: refused, with the stored layout.
	db = open(&store.Options{ReadOnly: true})
	_, err = scan.NewProvider(db, &v2, scan.Options{})
	var lm *store.LayoutMismatchError
	if !errors.As(err, &lm) || !lm.ReadOnly || lm.Stored.Fingerprint() != v1.Fingerprint() {
		t.Fatalf("read-only provider one safe change behind: %v", err)
	}
	if p, err := scan.NewProvider(db, &lm.Stored, scan.Options{}); err != nil || p.Schema().NumFields() != 2 {
		t.Fatalf("provider with the stored layout: %v", err)
	}
	_ = db.Close()

	// Writable: the safe change is applied; the refused one names its rule.
	db = open(&store.Options{NoSync: true})
	p, err := scan.NewProvider(db, &v2, scan.Options{})
	if err != nil {
		t.Fatalf("provider with a new column: %v", err)
	}
	rr, err := p.Scan(context.Background(), scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	for rr.Next() {
	}
	if err := rr.Err(); err != nil {
		t.Fatal(err)
	}
	rr.Release()
	_ = db.Close()
	db = open(&store.Options{NoSync: true})
	defer db.Close()
	_, err = scan.NewProvider(db, &v3, scan.Options{})
	if !errors.As(err, &lm) || len(lm.Refused) == 0 || !strings.HasPrefix(lm.Refused[0].Rule, "COLUMN_TYPE_") {
		t.Fatalf("provider with an incompatible type change: %v", err)
	}
}
