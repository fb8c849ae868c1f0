package store

import (
	"encoding/json"
	"fmt"

	"github.com/tablegen/tablegen/runtime/layout"
)

// layoutRecord is the JSON stored under a table's metadata key: the layout
// the table's bytes were last written with, plus the history an upgrade on
// open needs (see upgrade.go).
type layoutRecord struct {
	Fingerprint string       `json:"fingerprint"` // of Layout
	Layout      layout.Table `json:"layout"`
	// Retired are columns removed from the layout. Old rows may still hold
	// values under their tags, so a later column may take a tag back only as
	// the same column (same name and type).
	Retired []layout.Column `json:"retired,omitempty"`
	// Building lists the ids of indexes in Layout whose backfill has not
	// finished: their entries exist for the rows up to and including After
	// (scope + key tuple) only. NewTable finishes them before it returns.
	Building []uint32 `json:"building,omitempty"`
	After    []byte   `json:"after,omitempty"`
}

// layoutChanges lists, in words, every difference between the layout
// recorded in the database and the one the program declares. An empty list
// means they are the same.
func layoutChanges(stored, current *layout.Table) []string {
	var out []string
	for _, c := range layout.Diff(stored, current, layout.History{}) {
		out = append(out, c.Text)
	}
	return out
}

// jsonRecord encodes the record of a table first registered with layout
// canon (already canonical): no history yet.
func jsonRecord(canon *layout.Table) ([]byte, error) {
	return json.Marshal(layoutRecord{Fingerprint: canon.Fingerprint(), Layout: *canon})
}

// marshal encodes r with its fingerprint recomputed from its layout.
func (r *layoutRecord) marshal() ([]byte, error) {
	r.Layout = r.Layout.Canonical()
	r.Fingerprint = r.Layout.Fingerprint()
	return json.Marshal(r)
}

// parseRecord decodes a stored record. It checks the JSON only; check
// says whether the record is intact.
func parseRecord(b []byte) (*layoutRecord, error) {
	var rec layoutRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	if rec.Fingerprint == "" {
		return nil, fmt.Errorf("record has no fingerprint")
	}
	return &rec, nil
}

// check reports damage to a record read from the metadata key of table id:
// a layout that no longer hashes to the recorded fingerprint, or the layout
// of another table. The fingerprint doubles as a checksum of the stored
// layout, so damage is not mistaken for a changed declaration (an intact
// record that differs from the build's layout), which would be diffed and
// reported as a *LayoutMismatchError asking for a migration.
func (r *layoutRecord) check(id uint32) error {
	if got := r.Layout.Fingerprint(); got != r.Fingerprint {
		return fmt.Errorf("has fingerprint %s, but its layout hashes to %s", r.Fingerprint, got)
	}
	if r.Layout.ID != id {
		return fmt.Errorf("holds the layout of table id %d", r.Layout.ID)
	}
	return nil
}
