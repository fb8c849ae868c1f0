package layout

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// Canonical returns a copy of t with columns sorted by tag and indexes by
// id: declaration order does not change what the bytes mean, so it must
// not change the encoding or the fingerprint either. NeverFlush is
// cleared: it says nothing about the bytes. The copy shares no slice
// with t.
func (t *Table) Canonical() Table {
	c := *t
	c.NeverFlush = false
	c.Key = slices.Clone(t.Key)
	c.Columns = slices.Clone(t.Columns)
	for i := range c.Columns {
		c.Columns[i].Values = slices.Clone(c.Columns[i].Values)
	}
	c.Indexes = slices.Clone(t.Indexes)
	for i := range c.Indexes {
		c.Indexes[i].Columns = slices.Clone(c.Indexes[i].Columns)
	}
	slices.SortStableFunc(c.Columns, func(a, b Column) int { return cmp.Compare(a.Tag, b.Tag) })
	slices.SortStableFunc(c.Indexes, func(a, b Index) int { return cmp.Compare(a.ID, b.ID) })
	return c
}

// MarshalCanonical returns the canonical JSON of t: [Table.Canonical]
// encoded with the field names the store has recorded since its first
// release.
func (t *Table) MarshalCanonical() []byte {
	// Marshal of a struct of strings, ints, bools and slices of them cannot fail.
	b, _ := json.Marshal(t.Canonical())
	return b
}

// Fingerprint is the hex SHA-256 of the table's canonical JSON. Equal
// fingerprints mean the same bytes are read the same way.
func (t *Table) Fingerprint() string {
	sum := sha256.Sum256(t.MarshalCanonical())
	return hex.EncodeToString(sum[:])
}
