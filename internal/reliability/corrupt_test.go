package reliability

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/store"
)

const accountsName = "reliability.accounts"

// fixtureAccounts are rows covering every column shape: with and without
// email (sparse unique index), payload, and each status.
func fixtureAccounts() []Account {
	var out []Account
	for i := range 9 {
		a := Account{Org: orgs[i%3], ID: int64(i + 1), Name: fmt.Sprintf("name-%d", i), Status: int32(i % 3), Batch: int64(100 + i)}
		if i%3 != 1 {
			e := fmt.Sprintf("user%d@example.com", i)
			a.Email = &e
		}
		if i%2 == 0 {
			a.Payload = bytes.Repeat([]byte{byte(i), 0xA5}, i+1)
		}
		out = append(out, a)
	}
	return out
}

func fillAccounts(t *testing.T, ts *Tables, rows []Account) {
	t.Helper()
	for i := range rows {
		if err := ts.Accounts.Put(&rows[i]); err != nil {
			t.Fatal(err)
		}
	}
}

func rowKey(k AccountKey) []byte { return AppendAccountKey(store.RowPrefix(AccountsID), k) }

// indexValues returns the encoded values of row a in each accounts index
// (nil for a sparse index the row is not in).
func indexValues(a *Account) map[uint32][]byte {
	out := map[uint32][]byte{}
	for _, ix := range AccountSpec().Indexes {
		if v, ok := ix.AppendValues(nil, a); ok {
			out[ix.ID] = v
		}
	}
	return out
}

// isCorrupt reports whether err is a *store.CorruptError naming the accounts
// table and key k.
func isCorrupt(err error, k AccountKey) bool {
	var ce *store.CorruptError
	return errors.As(err, &ce) && ce.Table == accountsName && ce.Key == k.String() &&
		strings.Contains(err.Error(), accountsName) && strings.Contains(err.Error(), k.String())
}

// flipOutcome classifies one corrupted row value.
type flipOutcome int

const (
	flipUndecodable   flipOutcome = iota // every read path reports a CorruptError
	flipSame                             // decodes to the original row
	flipKeyChanged                       // decodes, but its key columns name another key: Verify reports it
	flipIndexChanged                     // decodes, indexed values changed: Verify and index reads report it
	flipPayloadSilent                    // decodes, only unindexed columns changed: undetectable
	numFlipOutcomes
)

var flipNames = [...]string{"undecodable", "same row", "key columns changed", "indexed columns changed", "unindexed columns changed (undetectable)"}

// TestCorruptRowValues flips every byte of every stored row (one bit, and
// all bits) and checks each read path against a naive reference: decode
// the corrupted bytes with the spec's DecodeRow and predict what Get, Has,
// Scan, Count, IndexScan, GetUnique, Verify, Put and Delete must do. Reads
// never panic and never return a row other than the one stored; a value
// that does not decode is reported by every path that decodes, as a
// *store.CorruptError naming the table and key.
func TestCorruptRowValues(t *testing.T) {
	db, _ := OpenDB(t, &store.Options{NoSync: true})
	ts, err := OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	rows := fixtureAccounts()
	fillAccounts(t, ts, rows)
	spec := AccountSpec()
	var counts [numFlipOutcomes]int
	for ri := range rows {
		orig := &rows[ri]
		k := orig.Key()
		raw := spec.AppendRow(nil, orig)
		for pos := range raw {
			for _, mask := range []byte{1 << (pos % 8), 0xFF} {
				bad := bytes.Clone(raw)
				bad[pos] ^= mask
				if err := rawpebble.DB(db).Set(rowKey(k), bad, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("row %v byte %d ^ %#x", k, pos, mask)
				counts[checkCorruptRow(t, db, ts, rows, ri, bad, what)]++
				if err := rawpebble.DB(db).Set(rowKey(k), raw, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
				if t.Failed() {
					t.FailNow()
				}
			}
		}
	}
	if p, err := ts.Accounts.Verify(); err != nil || len(p) != 0 {
		t.Fatalf("after restoring every row: Verify = %v, %v", p, err)
	}
	var sum []string
	for o, n := range counts {
		sum = append(sum, fmt.Sprintf("%s %d", flipNames[o], n))
	}
	t.Logf("row value flips: %s", strings.Join(sum, ", "))
	if counts[flipUndecodable] == 0 || counts[flipIndexChanged] == 0 || counts[flipKeyChanged] == 0 {
		t.Errorf("the flips did not cover every outcome: %v", counts)
	}
}

// checkCorruptRow checks every read path with row ri stored as bad.
func checkCorruptRow(t *testing.T, db *store.DB, ts *Tables, rows []Account, ri int, bad []byte, what string) flipOutcome {
	t.Helper()
	orig := &rows[ri]
	k := orig.Key()
	var dec Account
	decErr := AccountSpec().DecodeRow(bad, &dec, nil)
	outcome := flipUndecodable
	if decErr == nil {
		origIx, decIx := indexValues(orig), indexValues(&dec)
		switch {
		case dec.Equal(orig):
			outcome = flipSame
		case dec.Key() != k:
			outcome = flipKeyChanged
		case !maps.EqualFunc(origIx, decIx, bytes.Equal):
			outcome = flipIndexChanged
		default:
			outcome = flipPayloadSilent
		}
	}

	// Get: the stored row exactly, or a CorruptError.
	got, err := ts.Accounts.Get(k)
	if decErr != nil {
		if !isCorrupt(err, k) {
			t.Errorf("%s: Get = %+v, %v; want a CorruptError naming %s and %v", what, got, err, accountsName, k)
		}
	} else if err != nil || !got.Equal(&dec) {
		t.Errorf("%s: Get = %+v, %v; want the decodable stored row %+v", what, got, err, dec)
	}
	// Has and Count do not decode rows.
	if ok, err := ts.Accounts.Has(k); !ok || err != nil {
		t.Errorf("%s: Has = %t, %v", what, ok, err)
	}
	if n, err := ts.Accounts.Count(store.Range{}); n != len(rows) || err != nil {
		t.Errorf("%s: Count = %d, %v; want %d", what, n, err, len(rows))
	}
	// Scans: every other row intact; this one as stored or as a CorruptError.
	for _, reverse := range []bool{false, true} {
		n := 0
		for v, err := range ts.Accounts.Scan(store.Range{}, store.ScanOptions{Reverse: reverse}) {
			n++
			if err != nil {
				if decErr == nil || !isCorrupt(err, k) {
					t.Errorf("%s: Scan(reverse %t) error %v", what, reverse, err)
				}
				continue
			}
			want := findRow(rows, v.Key())
			if v.Key() != dec.Key() || decErr != nil {
				if want == nil || !want.Equal(&v) {
					t.Errorf("%s: Scan(reverse %t) returned %+v, which is not a stored row", what, reverse, v)
				}
			} else if !v.Equal(&dec) {
				t.Errorf("%s: Scan(reverse %t) returned %+v, want the stored %+v", what, reverse, v, dec)
			}
		}
		if n != len(rows) {
			t.Errorf("%s: Scan(reverse %t) yielded %d items, want %d", what, reverse, n, len(rows))
		}
	}
	// Index reads through the original entries: the row only when it still
	// has the values the entry promises, else a CorruptError; never a row
	// whose values do not match.
	origIx := indexValues(orig)
	for _, ix := range AccountSpec().Indexes {
		vals, ok := origIx[ix.ID]
		if !ok {
			continue
		}
		for v, err := range ts.Accounts.IndexScan(ix.ID, ts.Accounts.PrefixRange(vals), store.ScanOptions{}) {
			if err != nil {
				if !isCorrupt(err, k) {
					t.Errorf("%s: IndexScan(%s) error %v; want a CorruptError naming %v", what, ix.Name, err, k)
				}
				continue
			}
			if got, ok := ix.AppendValues(nil, &v); !ok || !bytes.HasPrefix(got, vals) {
				t.Errorf("%s: IndexScan(%s, %q) returned row %v whose values are %q", what, ix.Name, vals, v.Key(), got)
			}
		}
		if ix.Unique {
			v, err := ts.Accounts.GetUnique(ix.ID, orig)
			switch {
			case err != nil && !isCorrupt(err, k):
				t.Errorf("%s: GetUnique(%s) error %v; want a CorruptError naming %v", what, ix.Name, err, k)
			case err == nil && !v.Equal(&dec):
				t.Errorf("%s: GetUnique(%s) = %+v, want the stored %+v", what, ix.Name, v, dec)
			case err == nil && outcome != flipSame && outcome != flipPayloadSilent:
				if got, _ := ix.AppendValues(nil, &v); !bytes.Equal(got, vals) {
					t.Errorf("%s: GetUnique(%s, %q) returned a row with values %q", what, ix.Name, vals, got)
				}
			}
		}
	}
	// Verify reports exactly what a reader cannot trust.
	problems, err := ts.Accounts.Verify()
	if err != nil {
		t.Errorf("%s: Verify error %v", what, err)
	}
	switch outcome {
	case flipUndecodable:
		if len(problems) != 1 || problems[0].Kind != store.CorruptRow || problems[0].Key != k.String() {
			t.Errorf("%s: Verify = %v; want one corrupt row %v", what, problems, k)
		}
	case flipKeyChanged, flipIndexChanged:
		// A problem must point at this row's raw key. (When the encoding
		// of the new key columns happens to be a suffix of the stored key —
		// org "acme" read as "" — Verify takes the rest for a scope and
		// files missing entries instead of a corrupt row: Verify's key
		// check is a suffix match so that it works across user scopes.)
		if !slices.ContainsFunc(problems, func(p store.Problem) bool { return bytes.Equal(p.RawKey, rowKey(k)) }) {
			t.Errorf("%s: Verify = %v; want a problem at row %v (its columns now say %+v)", what, problems, k, dec)
		}
	case flipSame, flipPayloadSilent:
		if len(problems) != 0 {
			t.Errorf("%s: Verify = %v; want none (the indexed values are intact)", what, problems)
		}
	}
	// Writes over an undecodable row succeed and leave no index entry of
	// the old row behind: Delete removes the row with every entry that
	// points to it (found through the index keyspace), and Put replaces it
	// the same way. (They used to be refused with a CorruptError, which left
	// a damaged row that nothing could remove.)
	if decErr != nil {
		if err := ts.Accounts.Delete(k); err != nil {
			t.Errorf("%s: Delete of the corrupt row = %v; want it deleted", what, err)
		}
		if p, err := ts.Accounts.Verify(); err != nil || len(p) != 0 {
			t.Errorf("%s: after Delete of the corrupt row: Verify = %v, %v; want no entry left behind", what, p, err)
		}
		if err := ts.Accounts.Put(orig); err != nil {
			t.Errorf("%s: Put after deleting the corrupt row = %v", what, err)
		}
		if err := rawpebble.DB(db).Set(rowKey(k), bad, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		if err := ts.Accounts.Put(orig); err != nil {
			t.Errorf("%s: Put over the corrupt row = %v; want it replaced", what, err)
		}
		if p, err := ts.Accounts.Verify(); err != nil || len(p) != 0 {
			t.Errorf("%s: after Put over the corrupt row: Verify = %v, %v; want the row and its entries as before", what, p, err)
		}
	}
	return outcome
}

func findRow(rows []Account, k AccountKey) *Account {
	for i := range rows {
		if rows[i].Key() == k {
			return &rows[i]
		}
	}
	return nil
}

// TestCorruptIndexEntries flips bytes in the keys and values of index
// entries. Index reads must never return a row whose values do not match
// the entry (the store re-checks the row), and Verify, run over every
// table, must report the damage.
func TestCorruptIndexEntries(t *testing.T) {
	db, _ := OpenDB(t, &store.Options{NoSync: true})
	ts, err := OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	rows := fixtureAccounts()
	fillAccounts(t, ts, rows)
	p := rawpebble.DB(db)
	type entry struct{ key, val []byte }
	var entries []entry
	for _, ix := range AccountSpec().Indexes {
		pre := store.IndexPrefix(AccountsID, ix.ID)
		it, err := p.NewIter(&pebble.IterOptions{LowerBound: pre, UpperBound: keyenc.PrefixEnd(pre)})
		if err != nil {
			t.Fatal(err)
		}
		for ok := it.First(); ok; ok = it.Next() {
			entries = append(entries, entry{bytes.Clone(it.Key()), bytes.Clone(it.Value())})
		}
		if err := it.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(entries) < 20 {
		t.Fatalf("only %d index entries", len(entries))
	}
	cases, detected := 0, 0
	for _, e := range entries {
		for _, inKey := range []bool{false, true} {
			target := e.val
			if inKey {
				target = e.key
			}
			for pos := range target {
				bad := bytes.Clone(target)
				bad[pos] ^= 1 << (pos % 8)
				key, val := e.key, bad
				if inKey {
					key, val = bad, e.val
					if err := p.Delete(e.key, pebble.NoSync); err != nil {
						t.Fatal(err)
					}
				}
				if err := p.Set(key, val, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
				what := fmt.Sprintf("entry %x (in key %t) byte %d", e.key, inKey, pos)
				cases++
				if checkIndexReads(t, ts, what) {
					detected++
				}
				if inKey {
					if err := p.Delete(key, pebble.NoSync); err != nil {
						t.Fatal(err)
					}
				}
				if err := p.Set(e.key, e.val, pebble.NoSync); err != nil {
					t.Fatal(err)
				}
				if t.Failed() {
					t.FailNow()
				}
			}
		}
	}
	if all, err := ts.Verify(); err != nil || len(all) != 0 {
		t.Fatalf("after restoring every entry: Verify = %v, %v", all, err)
	}
	t.Logf("index entry flips: %d cases, %d reported by Verify", cases, detected)
	if detected != cases {
		t.Errorf("Verify missed %d of %d damaged index entries", cases-detected, cases)
	}
}

// checkIndexReads scans every accounts index and checks that each row
// returned matches the range asked for, and that errors are CorruptErrors
// naming the table. It reports whether Verify (over all tables) found a
// problem.
func checkIndexReads(t *testing.T, ts *Tables, what string) bool {
	t.Helper()
	for _, ix := range AccountSpec().Indexes {
		for v, err := range ts.Accounts.IndexScan(ix.ID, store.Range{}, store.ScanOptions{}) {
			var ce *store.CorruptError
			if err != nil {
				if !errors.As(err, &ce) || ce.Table != accountsName {
					t.Errorf("%s: IndexScan(%s) error %v; want a CorruptError naming %s", what, ix.Name, err, accountsName)
				}
				continue
			}
			vals, ok := ix.AppendValues(nil, &v)
			if !ok {
				t.Errorf("%s: IndexScan(%s) returned row %v, which has no entry in it", what, ix.Name, v.Key())
				continue
			}
			// The row must be found again through exactly its own values.
			if ix.Unique {
				if got, err := ts.Accounts.GetUnique(ix.ID, &v); err == nil && got.Key() != v.Key() {
					t.Errorf("%s: GetUnique(%s, %q) = row %v, but IndexScan returned %v for it", what, ix.Name, vals, got.Key(), v.Key())
				}
			}
		}
	}
	problems, err := ts.Verify()
	if err != nil {
		t.Errorf("%s: Verify error %v", what, err)
	}
	return len(problems) > 0
}

// metaKey is the metadata key of a table: 0x01 + BE uint32 table id.
func metaKey(id uint32) []byte {
	return []byte{0x01, byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
}

// TestCorruptMetadata flips every byte of the accounts table's layout
// record (and truncates and deletes it) and reopens the database. NewTable
// must refuse with an error naming the table, or accept; it accepts only
// damage that cannot change how rows are read (a JSON key's letter case),
// and then every row must read back unchanged.
func TestCorruptMetadata(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(dir, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := OpenTables(db)
	if err != nil {
		t.Fatal(err)
	}
	rows := fixtureAccounts()
	fillAccounts(t, ts, rows)
	key := metaKey(AccountsID)
	orig, closer, err := rawpebble.DB(db).Get(key)
	if err != nil {
		t.Fatal(err)
	}
	orig = bytes.Clone(orig)
	_ = closer.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	type damage struct {
		what  string
		value []byte // nil: delete the record
	}
	var cases []damage
	step := 4 // every byte class is covered; every byte under TABLEGEN_SLOW
	if slow() {
		step = 1
	}
	for pos := 0; pos < len(orig); pos += step {
		bad := bytes.Clone(orig)
		bad[pos] ^= 1 << (pos % 8)
		cases = append(cases, damage{fmt.Sprintf("byte %d (%q) ^ %#x", pos, orig[pos], 1<<(pos%8)), bad})
	}
	cases = append(cases,
		damage{"truncated to half", orig[:len(orig)/2]},
		damage{"emptied", []byte{}},
		damage{"deleted", nil})
	refused, accepted := 0, 0
	for _, c := range cases {
		db, err := store.Open(dir, &store.Options{NoSync: true, MemTableSize: 1 << 20, CacheSize: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		if c.value == nil {
			err = rawpebble.DB(db).Delete(key, pebble.NoSync)
		} else {
			err = rawpebble.DB(db).Set(key, c.value, pebble.NoSync)
		}
		if err != nil {
			t.Fatal(err)
		}
		tbl, err := store.NewTable(db, AccountSpec())
		var lm *store.LayoutMismatchError
		switch {
		case err != nil:
			refused++
			if !strings.Contains(err.Error(), accountsName) {
				t.Errorf("%s: NewTable error %q does not name the table", c.what, err)
			}
			if !errors.As(err, &lm) && !strings.Contains(err.Error(), "metadata is damaged") {
				t.Errorf("%s: NewTable error %v is neither a LayoutMismatchError nor says the metadata is damaged", c.what, err)
			}
		default:
			accepted++
			n := 0
			for v, err := range tbl.Scan(store.Range{}, store.ScanOptions{}) {
				if want := findRow(rows, v.Key()); err != nil || want == nil || !want.Equal(&v) {
					t.Errorf("%s: accepted, then Scan yielded %+v, %v", c.what, v, err)
				}
				n++
			}
			if n != len(rows) {
				t.Errorf("%s: accepted, then Scan yielded %d rows, want %d", c.what, n, len(rows))
			}
		}
		if err := rawpebble.DB(db).Set(key, orig, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("metadata damage: %d cases, %d refused by NewTable, %d accepted (rows read back unchanged)", len(cases), refused, accepted)
	if refused == 0 {
		t.Errorf("no damage was refused")
	}
}
