package reliability

import (
	"bytes"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/store"
)

// FuzzRowDecode stores arbitrary bytes as the value of one row of the
// accounts table (three indexes: unique, composite, unique sparse) and runs
// every read path over it. Each must either return exactly what the spec's
// DecodeRow makes of the bytes, or a *store.CorruptError naming the table
// and the key; Verify must report the row when it does not decode or calls
// for index entries it lacks; nothing may panic.
func FuzzRowDecode(f *testing.F) {
	email := "a@example.com"
	spec := AccountSpec()
	for _, a := range []Account{
		{Org: "acme", ID: 7, Name: "seven", Status: 1, Batch: 3, Email: &email, Payload: []byte{0, 1, 2}},
		{Org: "acme", ID: 7, Name: "seven"},
		{Org: "other", ID: 8},
	} {
		f.Add(spec.AppendRow(nil, &a))
	}
	f.Add([]byte{})
	f.Add([]byte{0xFF, 0xFF, 0xFF})
	f.Add([]byte{0x0A, 0x05, 'a', 'c'})               // truncated string
	f.Add([]byte{0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}) // enum out of int32 range

	// Every input rewrites the same key; a small memtable lets Pebble flush
	// the shadowed versions away instead of making each scan step over
	// thousands of them.
	db, err := store.Open(f.TempDir(), &store.Options{NoSync: true, MemTableSize: 256 << 10})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { CheckClose(f, db, CloseTimeout) })
	ts, err := OpenTables(db)
	if err != nil {
		f.Fatal(err)
	}
	k := AccountKey{Org: "acme", ID: 7}
	raw := rowKey(k)

	f.Fuzz(func(t *testing.T, value []byte) {
		p := rawpebble.DB(db)
		if err := p.Set(raw, value, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		defer func() {
			// Leave no row behind for the next input. (Nothing writes index
			// entries: the row is set directly and Delete only removes them.)
			if err := p.Delete(raw, pebble.NoSync); err != nil {
				t.Fatal(err)
			}
		}()
		var want Account
		decErr := spec.DecodeRow(value, &want, nil)

		got, err := ts.Accounts.Get(k)
		switch {
		case decErr != nil && !isCorrupt(err, k):
			t.Fatalf("Get of undecodable bytes = %v; want a CorruptError naming %s and %v", err, accountsName, k)
		case decErr == nil && (err != nil || !got.Equal(&want)):
			t.Fatalf("Get = %+v, %v; want %+v", got, err, want)
		}
		n := 0
		for v, err := range ts.Accounts.Scan(store.Range{}, store.ScanOptions{}) {
			n++
			switch {
			case decErr != nil && !isCorrupt(err, k):
				t.Fatalf("Scan of undecodable bytes yielded %v; want a CorruptError naming %v", err, k)
			case decErr == nil && (err != nil || !v.Equal(&want)):
				t.Fatalf("Scan yielded %+v, %v; want %+v", v, err, want)
			}
		}
		if n != 1 {
			t.Fatalf("Scan yielded %d items, want 1", n)
		}
		// No index entry exists, so index reads find nothing.
		for _, ix := range spec.Indexes {
			for v, err := range ts.Accounts.IndexScan(ix.ID, store.Range{}, store.ScanOptions{}) {
				t.Fatalf("IndexScan(%s) over an empty index yielded %+v, %v", ix.Name, v, err)
			}
		}
		problems, err := ts.Accounts.Verify()
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		// Every row calls for a by_name and a by_status entry, and there are
		// none, so Verify always has something to report, all of it about
		// this row.
		if len(problems) == 0 {
			t.Fatalf("Verify found no problem (decode error %v, decoded %+v)", decErr, want)
		}
		for _, p := range problems {
			if !bytes.Equal(p.RawKey, raw) {
				t.Fatalf("Verify problem %v names key %x, not the row's %x", p, p.RawKey, raw)
			}
			if decErr != nil && (p.Kind != store.CorruptRow || p.Key != k.String() || p.Table != accountsName) {
				t.Fatalf("Verify problem %v; want a corrupt row %s %v", p, accountsName, k)
			}
		}
		// Deleting the row succeeds whether or not its bytes decode (an
		// undecodable row's entries are found through the index keyspace;
		// it used to be refused with a CorruptError) and leaves no index
		// entry of the old row behind.
		if err := ts.Accounts.Delete(k); err != nil {
			t.Fatalf("Delete (bytes decode: %v) = %v", decErr == nil, err)
		}
		if problems, err := ts.Accounts.Verify(); err != nil || len(problems) != 0 {
			t.Fatalf("after Delete: Verify = %v, %v; want nothing left behind", problems, err)
		}
	})
}
