package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/layout"
)

// TestAsSharedAndSystemColumns checks As views of shared and system tables
// against the README's access table, written out here rather than taken
// from runtime/access, so a change of either shows: per access level the
// least role that may read (Get, Has, Count, Scan) and write (Put, Create,
// Update, Delete, a batched PutIn). A refusal is a *access.DeniedError
// naming the table and the operation, and writes nothing.
func TestAsSharedAndSystemColumns(t *testing.T) {
	db, _ := openDB(t, nil)
	cases := []struct {
		kind        layout.Kind
		level       access.Level
		read, write access.Role
	}{
		{layout.Shared, access.Public, access.RoleUser, access.RoleService},
		{layout.Shared, "", access.RoleService, access.RoleService},
		{layout.Shared, access.Private, access.RoleService, access.RoleService},
		{layout.Shared, access.Restricted, access.RoleService, access.RoleDBA},
		{layout.Shared, access.DBA, access.RoleDBA, access.RoleDBA},
		{layout.System, "", access.RoleService, access.RoleSystem},
		{layout.System, access.Private, access.RoleService, access.RoleSystem},
		{layout.System, access.Restricted, access.RoleService, access.RoleSystem},
		{layout.System, access.Public, access.RoleUser, access.RoleSystem},
		{layout.System, access.DBA, access.RoleDBA, access.RoleSystem},
	}
	at := epoch.Add(time.Hour)
	for i, c := range cases {
		spec := eventSpec(uint32(40+i), c.kind)
		spec.Access = c.level
		tbl, err := NewTable(db, spec)
		if err != nil {
			t.Fatal(err)
		}
		seed := event{At: at, ID: "seed", Note: "n"}
		if err := tbl.Put(&seed); err != nil {
			t.Fatal(err)
		}
		key := eventKey{seed.At, seed.ID}
		for role := access.RoleUser; role <= access.RoleSystem; role++ {
			name := fmt.Sprintf("%s/%q/%s", c.kind, c.level, role)
			v := tbl.As(access.Actor{UserID: "someone", Role: role})
			check := func(op access.Op, allowed bool, what string, err error) {
				t.Helper()
				var d *access.DeniedError
				switch {
				case allowed && err != nil:
					t.Fatalf("%s: %s = %v; the README allows it", name, what, err)
				case !allowed && !errors.As(err, &d):
					t.Fatalf("%s: %s = %v; want a *access.DeniedError", name, what, err)
				case !allowed && (d.Op != op || d.Table != spec.Layout.FullName() || !strings.Contains(err.Error(), spec.Layout.FullName())):
					t.Fatalf("%s: %s: denial %+v does not name the %s of table %s", name, what, d, op, spec.Layout.FullName())
				}
			}
			r, w := role >= c.read, role >= c.write
			_, err := v.Get(key)
			check(access.Read, r, "Get", err)
			_, err = v.Has(key)
			check(access.Read, r, "Has", err)
			_, err = v.Count(v.All())
			check(access.Read, r, "Count", err)
			for _, err := range v.Scan(v.All(), ScanOptions{}) {
				check(access.Read, r, "Scan", err)
				break
			}
			id := fmt.Sprintf("w-%s", role)
			check(access.Write, w, "Put", v.Put(&event{At: at, ID: id}))
			check(access.Write, w, "Update", v.Update(key, func(e *event) error { e.Note = role.String(); return nil }))
			check(access.Write, w, "Create", v.Create(&event{At: at, ID: id + "-c"}))
			b := db.NewBatch()
			v.PutIn(b, &event{At: at, ID: id + "-b"})
			check(access.Write, w, "Commit of PutIn", b.Commit())
			for _, suffix := range []string{"", "-c", "-b"} {
				if ok, err := tbl.Has(eventKey{at, id + suffix}); err != nil || ok != w {
					t.Fatalf("%s: row %s written = %v, %v; want %v", name, id+suffix, ok, err, w)
				}
			}
			if w {
				check(access.Write, w, "Delete", v.Delete(eventKey{at, id}))
			} else {
				check(access.Write, w, "Delete", v.Delete(key))
				if ok, _ := tbl.Has(key); !ok {
					t.Fatalf("%s: a refused Delete removed the row", name)
				}
			}
			if got, err := tbl.Get(key); err != nil || (!w && got.Note == role.String()) {
				t.Fatalf("%s: a refused Update changed the row: %+v, %v", name, got, err)
			}
		}
	}
}
