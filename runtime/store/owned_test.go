package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// TestOwnerReadsOwnDecodeBuffers is TestDecodeRowOwnsItsBuffer for an
// owner-partitioned table, with the cross-owner read: for every row the
// store hands out, DecodeRow owns b (see Spec.DecodeRow), so it may even
// overwrite it. A DecodeRow that zeroes b after decoding must leave the
// database intact: had a read path passed Pebble's own memory (a cached
// block, the memtable), the zeroes would show up in the next read.
func TestOwnerReadsOwnDecodeBuffers(t *testing.T) {
	db, _ := openDB(t, noSync())
	spec := jobSpec(1, true)
	spec.Layout.Kind = "user"
	clean, err := NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.DecodeRow = func(b []byte, v *job, a *rowenc.Arena) error {
		err := decodeJob(b, v, a) // copies its strings
		clear(b)
		return err
	}
	scribbling, err := NewTable(db, spec) // same table, same layout
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, owner := range []string{"alice", "bob"} {
		s := clean.WithScope(keyenc.AppendString(nil, owner))
		for i := range 50 {
			v := job{Group: "g", Seq: int64(i), Name: fmt.Sprintf("%s-%d", owner, i), Status: int32(i % 3)}
			if err := s.Put(&v); err != nil {
				t.Fatal(err)
			}
			want = append(want, fmt.Sprintf("%s %s/%d %s", owner, v.Group, v.Seq, v.Name))
		}
	}
	alice := scribbling.WithScope(keyenc.AppendString(nil, "alice"))
	paths := []struct {
		name string
		read func() error
	}{
		{"Get", func() error { _, err := alice.Get(jobKey{"g", 3}); return err }},
		{"GetUnique", func() error {
			_, err := alice.getUniqueBytes(byName, keyenc.AppendString(nil, "alice-4"))
			return err
		}},
		{"Scan", func() error { return drain(alice.Scan(Range{}, ScanOptions{})) }},
		{"IndexScan", func() error { return drain(alice.IndexScan(byStatus, Range{}, ScanOptions{})) }},
		{"ScanAllOwners", func() error {
			for _, err := range scribbling.ScanAllOwners(ScanOptions{}, nil) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, p := range paths {
		if err := p.read(); err != nil {
			t.Fatalf("%s through the zeroing decoder: %v", p.name, err)
		}
		var got []string
		for r, err := range clean.ScanAllOwners(ScanOptions{}, nil) {
			if err != nil {
				t.Fatalf("after %s: %v", p.name, err)
			}
			got = append(got, fmt.Sprintf("%s %s/%d %s", r.Owner, r.Row.Group, r.Row.Seq, r.Row.Name))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("after %s zeroed the buffers it was given, the table reads back differently: %d rows, first %q",
				p.name, len(got), got[:min(len(got), 1)])
		}
	}
}

// drain runs a scan to its end and returns its first error.
func drain(seq func(func(job, error) bool)) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}
