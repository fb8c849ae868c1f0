package store

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"pgregory.net/rapid"
)

// model is the naive reference: per scope, the rows by key.
type model map[string]map[jobKey]job

func (m model) clone() model {
	c := model{}
	for s, rows := range m {
		c[s] = maps.Clone(rows)
	}
	return c
}

// apply applies one put or delete; it returns false (and leaves m as it
// was) when a put would violate a unique index.
func (m model) apply(scope string, o modelOp) bool {
	rows := m[scope]
	if o.del {
		delete(rows, o.key)
		return true
	}
	k := jobKey{o.row.Group, o.row.Seq}
	for ok, other := range rows {
		if ok == k {
			continue
		}
		if other.Name == o.row.Name || (o.row.Email != nil && other.Email != nil && *other.Email == *o.row.Email) {
			return false
		}
	}
	rows[k] = o.row
	return true
}

func (m model) sorted(scope string) []job {
	rows := slices.Collect(maps.Values(m[scope]))
	slices.SortFunc(rows, func(a, b job) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Seq, b.Seq))
	})
	return rows
}

type modelOp struct {
	del bool
	key jobKey
	row job
}

var (
	modelNames  = []string{"n0", "n1", "n2", "n3", "n4", "n5"}
	modelEmails = []string{"e0", "e1", "e2"}
	modelScopes = []string{"alice", "bob"}
)

func genOp() *rapid.Generator[modelOp] {
	return rapid.Custom(func(t *rapid.T) modelOp {
		k := jobKey{Group: rapid.SampledFrom([]string{"a", "b"}).Draw(t, "group"), Seq: rapid.Int64Range(0, 4).Draw(t, "seq")}
		if rapid.IntRange(0, 3).Draw(t, "kind") == 0 {
			return modelOp{del: true, key: k}
		}
		v := job{
			Group: k.Group, Seq: k.Seq,
			Name:    rapid.SampledFrom(modelNames).Draw(t, "name"),
			Status:  rapid.Int32Range(0, 2).Draw(t, "status"),
			Created: rapid.Int64Range(-2, 2).Draw(t, "created"),
			Note:    rapid.SampledFrom([]string{"", "x"}).Draw(t, "note"),
		}
		if rapid.Bool().Draw(t, "hasEmail") {
			v.Email = strp(rapid.SampledFrom(modelEmails).Draw(t, "email"))
		}
		return modelOp{key: k, row: v}
	})
}

// TestModel runs random sequences of puts, updates, deletes and batches on
// a table with a unique, a composite non-unique and a sparse unique index,
// in two scopes, against the naive model; after every step every lookup
// agrees with the model and Verify finds nothing.
func TestModel(t *testing.T) {
	t.Run("plain", func(t *testing.T) { testModel(t, jobSpec(1, true)) })
	// by_status covering: its scans read the rows from the entries, which
	// every put rewrites, also when the row's status and created stay.
	t.Run("covering", func(t *testing.T) { testModel(t, coveringJobSpec(1)) })
}

func testModel(t *testing.T, spec Spec[jobKey, job]) {
	root := t.TempDir()
	rapid.Check(t, func(rt *rapid.T) {
		dir, err := os.MkdirTemp(root, "db")
		if err != nil {
			rt.Fatal(err)
		}
		db, err := Open(dir, noSync())
		if err != nil {
			rt.Fatal(err)
		}
		defer func() {
			if err := db.Close(); err != nil {
				rt.Fatal(err)
			}
		}()
		base, err := NewTable(db, spec)
		if err != nil {
			rt.Fatal(err)
		}
		views := map[string]*Table[jobKey, job]{}
		m := model{}
		for _, s := range modelScopes {
			views[s] = base.WithScope(keyenc.AppendString(nil, s))
			m[s] = map[jobKey]job{}
		}
		steps := rapid.IntRange(1, 40).Draw(rt, "steps")
		for step := range steps {
			scope := rapid.SampledFrom(modelScopes).Draw(rt, "scope")
			tbl := views[scope]
			if rapid.IntRange(0, 3).Draw(rt, "batch?") == 0 {
				ops := rapid.SliceOfN(genOp(), 1, 5).Draw(rt, "ops")
				next := m.clone()
				ok := true
				b := db.NewBatch()
				for _, o := range ops {
					ok = ok && next.apply(scope, o)
					if o.del {
						tbl.DeleteIn(b, o.key)
					} else {
						tbl.PutIn(b, &o.row)
					}
				}
				checkWrite(rt, step, b.Commit(), ok)
				if ok {
					m = next
				}
			} else {
				o := genOp().Draw(rt, "op")
				if o.del {
					checkWrite(rt, step, tbl.Delete(o.key), true)
					m.apply(scope, o)
				} else {
					checkWrite(rt, step, tbl.Put(&o.row), m.apply(scope, o))
				}
			}
			for _, s := range modelScopes {
				checkAgainstModel(rt, views[s], m, s)
			}
			problems, err := base.Verify()
			if err != nil {
				rt.Fatal(err)
			}
			if len(problems) > 0 {
				rt.Fatalf("step %d: Verify: %v", step, problems)
			}
		}
	})
}

func checkWrite(t *rapid.T, step int, err error, wantOK bool) {
	t.Helper()
	var uv *UniqueViolationError
	switch {
	case wantOK && err != nil:
		t.Fatalf("step %d: write failed: %v", step, err)
	case !wantOK && !errors.As(err, &uv):
		t.Fatalf("step %d: write = %v, want a UniqueViolationError", step, err)
	}
}

func checkAgainstModel(t *rapid.T, tbl *Table[jobKey, job], m model, scope string) {
	t.Helper()
	want := m.sorted(scope)
	got, err := scanAll(tbl.Scan(Range{}, ScanOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	if !rowsEqual(got, want) {
		t.Fatalf("scope %s: rows\n got  %+v\n want %+v", scope, got, want)
	}
	for _, w := range want {
		if v, err := tbl.Get(jobKey{w.Group, w.Seq}); err != nil || !reflect.DeepEqual(v, w) {
			t.Fatalf("scope %s: Get(%v) = %+v, %v", scope, jobKey{w.Group, w.Seq}, v, err)
		}
	}
	// Unique lookups for every possible value, present or not.
	for _, n := range modelNames {
		checkUnique(t, tbl, byName, n, want, func(v job) bool { return v.Name == n })
	}
	for _, e := range modelEmails {
		checkUnique(t, tbl, byEmail, e, want, func(v job) bool { return v.Email != nil && *v.Email == e })
	}
	// Composite index: equality on status, ordered by created then key.
	for st := int32(0); st <= 2; st++ {
		var wantRows []job
		for _, v := range want {
			if v.Status == st {
				wantRows = append(wantRows, v)
			}
		}
		slices.SortStableFunc(wantRows, func(a, b job) int { return cmp.Compare(a.Created, b.Created) })
		got, err := scanAll(tbl.IndexScan(byStatus, tbl.PrefixRange(keyenc.AppendEnum(nil, st)), ScanOptions{}))
		if err != nil {
			t.Fatal(err)
		}
		if !rowsEqual(got, wantRows) {
			t.Fatalf("scope %s: by_status %d\n got  %+v\n want %+v", scope, st, got, wantRows)
		}
	}
	// Sparse: the email index holds exactly the rows with an email.
	withEmail := 0
	for _, v := range want {
		if v.Email != nil {
			withEmail++
		}
	}
	got, err = scanAll(tbl.IndexScan(byEmail, Range{}, ScanOptions{}))
	if err != nil || len(got) != withEmail {
		t.Fatalf("scope %s: by_email holds %d rows (err %v), want %d", scope, len(got), err, withEmail)
	}
}

func checkUnique(t *rapid.T, tbl *Table[jobKey, job], index uint32, value string, rows []job, match func(job) bool) {
	t.Helper()
	i := slices.IndexFunc(rows, match)
	got, err := tbl.getUniqueBytes(index, keyenc.AppendString(nil, value))
	switch {
	case i < 0 && !errors.Is(err, ErrNotFound):
		t.Fatalf("GetUnique(%d, %q) = %+v, %v; want not found", index, value, got, err)
	case i >= 0 && (err != nil || !reflect.DeepEqual(got, rows[i])):
		t.Fatalf("GetUnique(%d, %q) = %+v, %v; want %+v", index, value, got, err, rows[i])
	}
}

func scanAll(seq func(func(job, error) bool)) ([]job, error) {
	var out []job
	for v, err := range seq {
		if err != nil {
			return out, fmt.Errorf("scan: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

func rowsEqual(a, b []job) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}
