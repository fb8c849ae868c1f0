package store

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
)

// userJobs registers the jobs table (with indexes) as an owner-partitioned
// user table.
func userJobs(t *testing.T, db *DB, id uint32) *Table[jobKey, job] {
	t.Helper()
	spec := jobSpec(id, true)
	spec.Layout.Kind = "user"
	tbl, err := NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// problemsAt lists the problems Verify reports as "kind index" for the raw
// key raw, and the others as "kind index key".
func problemsAt(t *testing.T, problems []Problem, raw []byte) (at, other []string) {
	t.Helper()
	for _, p := range problems {
		if bytes.Equal(p.RawKey, raw) {
			at = append(at, strings.TrimSpace(p.Kind.String()+" "+p.Index))
		} else {
			other = append(other, p.String())
		}
	}
	return at, other
}

// TestVerifyMisplacedRow copies a valid row under keys that end with the
// row's key tuple, with bytes before it that are not a scope as WithScope
// makes them. Such a row is stored where its columns do not put it: Verify
// must report it as one corrupt row, not take the bytes for a scope and
// report the row's index entries as missing under that made-up scope.
func TestVerifyMisplacedRow(t *testing.T) {
	alice := keyenc.AppendString(nil, "alice")
	k := jobKey{"g", 1}
	row := appendJob(nil, &job{Group: "g", Seq: 1, Name: "n1", Status: 1, Email: strp("a@x")})
	corrupt := []string{"corrupt row"}
	// A well-placed copy written behind the store's back has no entries.
	placed := []string{"missing entry by_name", "missing entry by_status", "missing entry by_email"}
	scoped := func(scopes ...string) []byte {
		var b []byte
		for _, s := range scopes {
			b = keyenc.AppendString(b, s)
		}
		return appendJobKey(b, k)
	}
	tests := []struct {
		name string
		kind layout.Kind
		view []byte   // the scope of the view that verifies; nil: unscoped
		ref  []byte   // where the copy is stored: scope + key tuple
		want []string // problems at the copy's key
	}{
		{"system, a byte before the key", "system", nil, appendJobKey([]byte{0x07}, k), corrupt},
		{"system, two scopes", "system", nil, scoped("x", "y"), corrupt},
		{"system, no scope", "system", nil, scoped(), placed},
		{"system, one scope", "system", nil, scoped("x"), placed},
		{"user, two scopes", "user", nil, scoped("alice", "x"), corrupt},
		{"user, owner and a stray byte", "user", nil, appendJobKey(append(slices.Clone(alice), 0x07), k), corrupt},
		{"user, scope not an encoded string", "user", nil, appendJobKey([]byte{0x07}, k), corrupt},
		{"user, no owner", "user", nil, scoped(), corrupt},
		{"user, one owner", "user", nil, scoped("bob"), placed},
		{"user scoped view, bytes after the scope", "user", alice, scoped("alice", "x"), corrupt},
		{"user scoped view, well placed", "user", alice, scoped("alice"), placed},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openDB(t, noSync())
			id := uint32(i + 1)
			spec := jobSpec(id, true)
			spec.Layout.Kind = tc.kind
			tbl, err := NewTable(db, spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := tbl.WithScope(alice).Put(&job{Group: "g", Seq: 2, Name: "n2"}); err != nil {
				t.Fatal(err)
			}
			raw := append(RowPrefix(id), tc.ref...)
			if err := db.pdb.Set(raw, row, pebble.NoSync); err != nil {
				t.Fatal(err)
			}
			view := tbl
			if tc.view != nil {
				view = tbl.WithScope(tc.view)
			}
			problems, err := view.Verify()
			if err != nil {
				t.Fatal(err)
			}
			at, other := problemsAt(t, problems, raw)
			if !slices.Equal(at, tc.want) || len(other) > 0 {
				t.Errorf("Verify at the copy: %q, want %q; elsewhere: %q", at, tc.want, other)
			}
		})
	}
}

// TestVerifyEntryOutsideScope: an index entry in alice's scope that points
// to bob's row is reported by alice's view, which never visits bob's rows.
func TestVerifyEntryOutsideScope(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := userJobs(t, db, 1)
	alice, bob := keyenc.AppendString(nil, "alice"), keyenc.AppendString(nil, "bob")
	if err := tbl.WithScope(bob).Put(&job{Group: "g", Seq: 1, Name: "n"}); err != nil {
		t.Fatal(err)
	}
	entry := keyenc.AppendString(append(IndexPrefix(1, byName), alice...), "n")
	if err := db.pdb.Set(entry, appendJobKey(slices.Clone(bob), jobKey{"g", 1}), pebble.NoSync); err != nil {
		t.Fatal(err)
	}
	problems, err := tbl.WithScope(alice).Verify()
	if err != nil {
		t.Fatal(err)
	}
	at, other := problemsAt(t, problems, entry)
	if !slices.Equal(at, []string{"stale entry by_name"}) || len(other) > 0 {
		t.Errorf("Verify of alice: at the entry %q, elsewhere %q; want one stale entry", at, other)
	}
}
