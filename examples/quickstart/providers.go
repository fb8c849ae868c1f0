package main

import (
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// provider is the schema-driven Arrow scan provider of the table spec
// describes: generated code holds the table's layout, the scan package
// does the rest.
func provider[K, V any](db *store.DB, spec store.Spec[K, V]) (*scan.Provider, error) {
	return scan.NewProvider(db, &spec.Layout, scan.Options{})
}

// guarded puts p behind the access policy of the table spec describes
// (runtime/access.PolicyOf its layout and declared level); stream tables
// also hide rows older than their TTL.
func guarded[K, V any](p *scan.Provider, spec store.Spec[K, V]) (*scan.Guarded, error) {
	return scan.NewGuarded(p, access.PolicyOf(&spec.Layout, spec.Access))
}
