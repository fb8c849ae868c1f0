package scan_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// What every table shares, tested once on hand-written specs of each of
// the four kinds instead of once per generated table: paging, owner
// isolation (a 64 KiB owner id included) and the all-owners reads, the
// TTL and Expire of stream tables, unique indexes (a sparse one and a
// composite one), Verify, and provider rows equal to the typed store's.

// krow is the row of the kinds tables: key (at, id); email has a sparse
// unique index, (grp, n) a composite unique one (not on stream tables,
// which may not declare indexes).
type krow struct {
	At    time.Time
	ID    string
	Email *string
	Grp   string
	N     int64
}

type kkey struct {
	At time.Time
	ID string
}

func appendKKey(dst []byte, k kkey) []byte {
	return keyenc.AppendString(keyenc.AppendTimestamp(dst, k.At), k.ID)
}

func kindsSpec(id uint32, kind layout.Kind) store.Spec[kkey, krow] {
	l := layout.Table{
		ID: id, Namespace: "test", Name: fmt.Sprintf("kinds_%s", kind), Kind: kind,
		Key: []layout.KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "string"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "at", Type: "timestamp"},
			{Tag: 2, Name: "id", Type: "string"},
			{Tag: 3, Name: "email", Type: "string", Nullable: true},
			{Tag: 4, Name: "grp", Type: "string"},
			{Tag: 5, Name: "n", Type: "int64"},
		},
	}
	spec := store.Spec[kkey, krow]{
		AppendKey: appendKKey,
		DecodeKey: func(b []byte) (kkey, error) {
			var k kkey
			var err error
			if k.At, b, err = keyenc.DecodeTimestamp(b); err != nil {
				return k, err
			}
			k.ID, _, err = keyenc.DecodeString(b)
			return k, err
		},
		KeyOf: func(v *krow) kkey { return kkey{v.At, v.ID} },
		AppendRow: func(dst []byte, v *krow) []byte {
			dst = rowenc.AppendTimestamp(dst, 1, v.At)
			dst = rowenc.AppendString(dst, 2, v.ID)
			if v.Email != nil {
				dst = rowenc.AppendString(dst, 3, *v.Email)
			}
			dst = rowenc.AppendString(dst, 4, v.Grp)
			return rowenc.AppendInt64(dst, 5, v.N)
		},
		DecodeRow: func(b []byte, v *krow, _ *rowenc.Arena) error {
			d := rowenc.NewDecoder(b)
			*v = krow{}
			for d.Next() {
				switch d.Tag() {
				case 1:
					v.At = d.Timestamp()
				case 2:
					v.ID = d.String()
				case 3:
					s := d.String()
					v.Email = &s
				case 4:
					v.Grp = d.String()
				case 5:
					v.N = d.Int64()
				}
			}
			return d.Err()
		},
	}
	if kind.Expires() {
		l.TTL = time.Hour
	} else {
		l.Indexes = []layout.Index{
			{ID: 1, Name: "by_email", Columns: []string{"email"}, Unique: true},
			{ID: 2, Name: "by_grp_n", Columns: []string{"grp", "n"}, Unique: true},
		}
		spec.Indexes = []store.IndexSpec[krow]{
			{ID: 1, Name: "by_email", Unique: true, AppendValues: emailValues},
			{ID: 2, Name: "by_grp_n", Unique: true, AppendValues: grpNValues},
		}
	}
	spec.Layout = l
	return spec
}

func emailValues(dst []byte, v *krow) ([]byte, bool) {
	if v.Email == nil {
		return dst, false
	}
	return keyenc.AppendString(dst, *v.Email), true
}

func grpNValues(dst []byte, v *krow) ([]byte, bool) {
	return keyenc.AppendInt64(keyenc.AppendString(dst, v.Grp), v.N), true
}

func (v *krow) String() string {
	e := "<null>"
	if v.Email != nil {
		e = *v.Email
	}
	return fmt.Sprintf("%d|%s|%s|%s|%d", v.At.UnixMicro(), v.ID, e, v.Grp, v.N)
}

// kindOwners are the owners of the owner-scoped kinds: prefixes of each
// other, the key encoding's escape bytes, unicode, and a 64 KiB id.
var kindOwners = []string{"u1", "u10", "u1\x00", "é", strings.Repeat("o", 64<<10)}

// TestEveryKindShares runs random puts and deletes on a table of each kind
// against a model and then checks every shared promise on the result.
func TestEveryKindShares(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for i, kind := range []layout.Kind{layout.User, layout.Stream, layout.Shared, layout.System} {
		t.Run(string(kind), func(t *testing.T) {
			// One database per kind, a new table per case: opening
			// Pebble would cost more than the case.
			db, err := store.Open(t.TempDir(), &store.Options{NoSync: true, Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			id := uint32(1000 * (i + 1))
			rapid.Check(t, func(rt *rapid.T) {
				id++
				checkKind(rt, db, kindsSpec(id, kind), now)
			})
		})
	}
}

func checkKind(t *rapid.T, db *store.DB, spec store.Spec[kkey, krow], now time.Time) {
	l := spec.Layout
	tbl, err := store.NewTable(db, spec)
	if err != nil {
		t.Fatal(err)
	}
	owners := []string{""}
	views := map[string]*store.Table[kkey, krow]{"": tbl}
	if l.Kind.OwnerScoped() {
		owners = kindOwners
		for _, o := range owners {
			scope, err := store.OwnerScope(o)
			if err != nil {
				t.Fatal(err)
			}
			views[o] = tbl.WithScope(scope)
		}
	}
	model := map[string]map[string]krow{}
	for _, o := range owners {
		model[o] = map[string]krow{}
	}
	cutoff, expires := l.LiveCutoff(now)
	emails := []string{"x", "y"}
	for range rapid.IntRange(1, 25).Draw(t, "steps") {
		o := rapid.SampledFrom(owners).Draw(t, "owner")
		v := krow{
			At:  now.Add(-time.Duration(rapid.IntRange(0, 120).Draw(t, "age")) * time.Minute),
			ID:  rapid.SampledFrom([]string{"a", "b"}).Draw(t, "id"),
			Grp: rapid.SampledFrom([]string{"g", "h"}).Draw(t, "grp"),
			N:   int64(rapid.IntRange(0, 2).Draw(t, "n")),
		}
		if e := rapid.IntRange(-1, 1).Draw(t, "email"); e >= 0 {
			v.Email = &emails[e]
		}
		ek := string(appendKKey(nil, kkey{v.At, v.ID}))
		if rapid.IntRange(0, 3).Draw(t, "op") == 0 {
			if err := views[o].Delete(kkey{v.At, v.ID}); err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Delete: %v", err)
			}
			delete(model[o], ek)
			continue
		}
		conflict := false
		if len(l.Indexes) > 0 {
			for k, w := range model[o] {
				if k != ek && ((v.Email != nil && w.Email != nil && *v.Email == *w.Email) || (v.Grp == w.Grp && v.N == w.N)) {
					conflict = true
				}
			}
		}
		err := views[o].Put(&v)
		var uv *store.UniqueViolationError
		switch {
		case conflict && !errors.As(err, &uv):
			t.Fatalf("Put of %s conflicting in a unique index = %v; want a *store.UniqueViolationError", v.String(), err)
		case !conflict && err != nil:
			t.Fatalf("Put of %s: %v", v.String(), err)
		case !conflict:
			model[o][ek] = v
		}
	}
	// visible is an owner's model rows in key order, without expired ones.
	visible := func(o string) []string {
		var keys []string
		for k, v := range model[o] {
			if !expires || !v.At.Before(cutoff) {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		out := make([]string, len(keys))
		for i, k := range keys {
			r := model[o][k]
			out[i] = r.String()
		}
		return out
	}
	scanRows := func(v *store.Table[kkey, krow], o store.ScanOptions) []string {
		var out []string
		for r, err := range v.Scan(v.All(), o) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, r.String())
		}
		return out
	}
	prov, err := scan.NewProvider(db, &l, scan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkReads := func(stage string) {
		var union []string
		for _, o := range owners {
			v, want := views[o], visible(o)
			union = append(union, want...)
			if got := scanRows(v, store.ScanOptions{}); !slices.Equal(got, want) {
				t.Fatalf("%s: owner %.10q: Scan = %v; want %v", stage, o, got, want)
			}
			rev := slices.Clone(want)
			slices.Reverse(rev)
			if got := scanRows(v, store.ScanOptions{Reverse: true}); !slices.Equal(got, rev) {
				t.Fatalf("%s: owner %.10q: reverse Scan = %v; want %v", stage, o, got, rev)
			}
			// Paging: pages of two, each after the previous page's last key.
			var paged []string
			var after store.Cursor
			for {
				n := 0
				for r, err := range v.Scan(v.All(), store.ScanOptions{Limit: 2, After: after, Next: &after}) {
					if err != nil {
						t.Fatal(err)
					}
					paged = append(paged, r.String())
					n++
				}
				if n < 2 {
					break
				}
			}
			if !slices.Equal(paged, want) {
				t.Fatalf("%s: owner %.10q: paged Scan = %v; want %v", stage, o, paged, want)
			}
			if n, err := v.Count(v.All()); err != nil || n != len(want) {
				t.Fatalf("%s: owner %.10q: Count = %d, %v; want %d", stage, o, n, err, len(want))
			}
			// Isolation: another owner's keys find nothing here unless
			// this owner has the same key.
			for _, p := range owners {
				for k, w := range model[p] {
					if _, mine := model[o][k]; mine {
						continue
					}
					if _, err := v.Get(kkey{w.At, w.ID}); !errors.Is(err, store.ErrNotFound) {
						t.Fatalf("%s: owner %.10q: Get of owner %.10q's key = %v; want ErrNotFound", stage, o, p, err)
					}
					if ok, err := v.Has(kkey{w.At, w.ID}); ok || err != nil {
						t.Fatalf("%s: owner %.10q: Has of owner %.10q's key = %v, %v; want false", stage, o, p, ok, err)
					}
				}
			}
			// A key range (a prefix of the key: one event time) holds
			// the owner's rows of that time only.
			for _, r := range model[o] {
				var expect []string
				for _, x := range want {
					if findRow(model[o], x).At.Equal(r.At) {
						expect = append(expect, x)
					}
				}
				var got []string
				for x, err := range v.Scan(v.KeyRange(kkey{r.At, ""}, kkey{r.At.Add(time.Microsecond), ""}), store.ScanOptions{}) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, x.String())
				}
				if !slices.Equal(got, expect) {
					t.Fatalf("%s: owner %.10q: KeyRange of %v = %v; want %v", stage, o, r.At, got, expect)
				}
				break
			}
			// Unique lookups find this owner's row, never another's.
			for _, r := range model[o] {
				if expires && r.At.Before(cutoff) || len(l.Indexes) == 0 {
					continue
				}
				got, err := v.GetUnique(2, &krow{Grp: r.Grp, N: r.N})
				if err != nil || got.String() != r.String() {
					t.Fatalf("%s: owner %.10q: GetUnique(by_grp_n) = %v, %v; want %v", stage, o, got.String(), err, r.String())
				}
				if r.Email != nil {
					if got, err := v.GetUnique(1, &krow{Email: r.Email}); err != nil || got.String() != r.String() {
						t.Fatalf("%s: owner %.10q: GetUnique(by_email) = %v, %v; want %v", stage, o, got.String(), err, r.String())
					}
				}
			}
			// Provider rows equal the store's, scoped as the store view.
			p := prov
			if l.Kind.OwnerScoped() {
				p = p.WithScope(keyenc.AppendString(nil, o))
			}
			if got := providerRows(t, p); !slices.Equal(got, want) {
				t.Fatalf("%s: owner %.10q: provider rows = %v; want the store's %v", stage, o, got, want)
			}
		}
		if l.Kind.OwnerScoped() {
			// AllOwners sees every row once with its owner, in pages
			// whose cursors cross owners, the 64 KiB one included.
			var got, paged []string
			for r, err := range store.NewAllOwners[string](tbl).Scan(store.ScanOptions{}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r.Row.String())
				if mr, ok := model[r.Owner][string(appendKKey(nil, kkey{r.Row.At, r.Row.ID}))]; !ok || mr.String() != r.Row.String() {
					t.Fatalf("%s: AllOwners returned %v for owner %.10q, which the model does not hold", stage, r.Row.String(), r.Owner)
				}
			}
			var after store.Cursor
			for {
				n := 0
				for r, err := range store.NewAllOwners[string](tbl).Scan(store.ScanOptions{Limit: 3, After: after, Next: &after}) {
					if err != nil {
						t.Fatal(err)
					}
					paged = append(paged, r.Row.String())
					n++
				}
				if n < 3 {
					break
				}
			}
			slices.Sort(got)
			slices.Sort(paged)
			slices.Sort(union)
			if !slices.Equal(got, union) || !slices.Equal(paged, union) {
				t.Fatalf("%s: AllOwners = %v, paged %v; want %v", stage, got, paged, union)
			}
			var listed []string
			for o, err := range store.NewAllOwners[string](tbl).Owners() {
				if err != nil {
					t.Fatal(err)
				}
				listed = append(listed, o)
			}
			var want []string
			for _, o := range owners {
				if len(visible(o)) > 0 {
					want = append(want, o)
				}
			}
			slices.Sort(want)
			if !slices.Equal(listed, want) {
				t.Fatalf("%s: Owners = %d owners; want %d", stage, len(listed), len(want))
			}
		}
		if problems, err := tbl.Verify(); err != nil || len(problems) != 0 {
			t.Fatalf("%s: Verify = %v, %v", stage, problems, err)
		}
	}
	checkReads("after the writes")
	if expires {
		// Expire removes exactly the rows the reads already hid.
		hidden := 0
		for _, o := range owners {
			hidden += len(model[o]) - len(visible(o))
		}
		if n, err := tbl.Expire(cutoff, 0); err != nil || n != hidden {
			t.Fatalf("Expire = %d, %v; want the %d hidden rows", n, err, hidden)
		}
		stored := 0
		prefix := store.RowPrefix(l.ID)
		it, err := rawpebble.DB(db).NewIter(nil)
		if err != nil {
			t.Fatal(err)
		}
		for ok := it.SeekGE(prefix); ok && bytes.HasPrefix(it.Key(), prefix); ok = it.Next() {
			stored++
		}
		_ = it.Close()
		live := 0
		for _, o := range owners {
			live += len(visible(o))
		}
		if stored != live {
			t.Fatalf("after Expire %d rows are stored; want the %d live ones", stored, live)
		}
		checkReads("after Expire")
	}
}

// findRow returns the row of m rendered as s.
func findRow(m map[string]krow, s string) krow {
	for _, r := range m {
		if r.String() == s {
			return r
		}
	}
	return krow{}
}

// providerRows scans p and renders each row as krow.String does.
func providerRows(t *rapid.T, p *scan.Provider) []string {
	rdr, err := p.Scan(context.Background(), scan.Request{})
	if err != nil {
		t.Fatal(err)
	}
	defer rdr.Release()
	var out []string
	for rdr.Next() {
		b := rdr.RecordBatch()
		at := b.Column(0).(*array.Timestamp)
		id := b.Column(1).(*array.String)
		email := b.Column(2).(*array.String)
		grp := b.Column(3).(*array.String)
		n := b.Column(4).(*array.Int64)
		for i := range int(b.NumRows()) {
			r := krow{At: time.UnixMicro(int64(at.Value(i))), ID: id.Value(i), Grp: grp.Value(i), N: n.Value(i)}
			if !email.IsNull(i) {
				e := email.Value(i)
				r.Email = &e
			}
			out = append(out, r.String())
		}
	}
	if err := rdr.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
