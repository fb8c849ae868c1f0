package compat

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
	"pgregory.net/rapid"
)

// stripPos returns a copy of l without positions and with empty lists as nil,
// the parts of a Lock that Marshal does not write.
func stripPos(l *Lock) *Lock {
	out := &Lock{}
	for _, t := range l.Tables {
		c := &Table{ID: t.ID, Name: t.Name, Kind: t.Kind}
		for _, k := range t.Key.Columns {
			k.Pos = schema.Pos{}
			c.Key.Columns = append(c.Key.Columns, k)
		}
		for _, col := range t.Columns {
			x := *col
			x.Pos = schema.Pos{}
			if len(x.Values) == 0 {
				x.Values = nil
			}
			c.Columns = append(c.Columns, &x)
		}
		for _, ix := range t.Indexes {
			x := *ix
			x.Pos = schema.Pos{}
			c.Indexes = append(c.Indexes, &x)
		}
		for _, r := range t.RetiredTags {
			r.Pos = schema.Pos{}
			c.RetiredTags = append(c.RetiredTags, r)
		}
		for _, r := range t.RetiredIndexes {
			r.Pos = schema.Pos{}
			c.RetiredIndexes = append(c.RetiredIndexes, r)
		}
		out.Tables = append(out.Tables, c)
	}
	for _, r := range l.RetiredTables {
		r.Pos = schema.Pos{}
		out.RetiredTables = append(out.RetiredTables, r)
	}
	return out
}

// genName draws mostly identifier-like names, and sometimes any string at
// all, so that quoting is exercised.
var genName = rapid.OneOf(
	rapid.StringMatching(`[a-z_][a-z0-9_.]{0,6}`),
	rapid.String(),
)

var genType = rapid.SampledFrom(types)

// genLock draws a Lock that satisfies every rule Parse checks.
var genLock = rapid.Custom(func(t *rapid.T) *Lock {
	l := &Lock{}
	tableIDs := map[uint32]bool{}
	names := map[string]bool{}
	for range rapid.IntRange(0, 4).Draw(t, "tables") {
		name := genName.Draw(t, "table")
		id := rapid.Uint32().Draw(t, "id")
		if names[name] || tableIDs[id] {
			continue
		}
		names[name], tableIDs[id] = true, true
		tb := &Table{ID: id, Name: name, Kind: rapid.SampledFrom(kinds).Draw(t, "kind")}
		for range rapid.IntRange(1, 3).Draw(t, "keys") {
			tb.Key.Columns = append(tb.Key.Columns, KeyColumn{
				Name: genName.Draw(t, "key"), Type: genType.Draw(t, "keytype"), Desc: rapid.Bool().Draw(t, "desc"),
			})
		}
		tags, cnames := map[int32]bool{}, map[string]bool{}
		for range rapid.IntRange(0, 5).Draw(t, "columns") {
			c := &Column{
				Tag:      rapid.Int32Range(1, maxTag).Draw(t, "tag"),
				Name:     genName.Draw(t, "column"),
				Type:     genType.Draw(t, "type"),
				Nullable: rapid.Bool().Draw(t, "nullable"),
			}
			if tags[c.Tag] || cnames[c.Name] {
				continue
			}
			tags[c.Tag], cnames[c.Name] = true, true
			if c.Type == schema.TypeEnum {
				seen := map[string]bool{}
				for _, v := range rapid.SliceOf(genName).Draw(t, "values") {
					if !seen[v] {
						seen[v] = true
						c.Values = append(c.Values, v)
					}
				}
			}
			if c.Type == schema.TypeDecimal {
				c.Precision = rapid.Int32Range(1, schema.MaxDecimalPrecision).Draw(t, "precision")
				c.Scale = rapid.Int32Range(0, c.Precision).Draw(t, "scale")
			}
			tb.Columns = append(tb.Columns, c)
		}
		ids := map[uint32]bool{}
		for range rapid.IntRange(0, 3).Draw(t, "indexes") {
			x := &Index{
				ID:      rapid.Uint32().Draw(t, "index id"),
				Name:    genName.Draw(t, "index"),
				Columns: rapid.SliceOfN(genName, 1, 3).Draw(t, "index columns"),
			}
			switch rapid.IntRange(0, 2).Draw(t, "index kind") { // never both: Parse refuses it
			case 1:
				x.Unique = true
			case 2:
				x.Covering = true
			}
			if !ids[x.ID] {
				ids[x.ID] = true
				tb.Indexes = append(tb.Indexes, x)
			}
		}
		rtags := map[int32]bool{}
		for range rapid.IntRange(0, 3).Draw(t, "retired tags") {
			r := RetiredTag{Tag: rapid.Int32Range(1, maxTag).Draw(t, "retired tag")}
			if rapid.Bool().Draw(t, "named") {
				r.Name, r.Type = genName.Draw(t, "retired name"), genType.Draw(t, "retired type")
			}
			if !rtags[r.Tag] {
				rtags[r.Tag] = true
				tb.RetiredTags = append(tb.RetiredTags, r)
			}
		}
		rids := map[uint32]bool{}
		for range rapid.IntRange(0, 3).Draw(t, "retired indexes") {
			r := RetiredIndex{ID: rapid.Uint32().Draw(t, "retired index"), Name: genName.Draw(t, "retired index name")}
			if !rids[r.ID] {
				rids[r.ID] = true
				tb.RetiredIndexes = append(tb.RetiredIndexes, r)
			}
		}
		l.Tables = append(l.Tables, tb)
	}
	rt := map[uint32]bool{}
	for range rapid.IntRange(0, 3).Draw(t, "retired tables") {
		r := RetiredTable{ID: rapid.Uint32().Draw(t, "retired table"), Name: genName.Draw(t, "retired table name")}
		if !rt[r.ID] {
			rt[r.ID] = true
			l.RetiredTables = append(l.RetiredTables, r)
		}
	}
	return l
})

// TestMarshalParseRoundTrip: Parse(Marshal(l)) is l, for any lock, including
// names that need quoting; and Marshal's output does not depend on the order
// of l's lists.
func TestMarshalParseRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := genLock.Draw(t, "lock")
		text := Marshal(l)
		got, err := Parse("tablegen.lock", text)
		if err != nil {
			t.Fatalf("Parse(Marshal(l)): %v\n%s", err, text)
		}
		want := stripPos(l)
		want.sort()
		if g := stripPos(got); !reflect.DeepEqual(g, want) {
			t.Fatalf("round trip changed the lock:\n%s\nwant %s\ngot  %s", text, dump(want), dump(g))
		}
		if again := Marshal(got); !bytes.Equal(again, text) {
			t.Fatalf("Marshal is not canonical:\n%s\nvs\n%s", text, again)
		}
	})
}

func dump(l *Lock) string {
	var b strings.Builder
	for _, t := range l.Tables {
		fmt.Fprintf(&b, "%+v key=%+v", *t, t.Key.Columns)
		for _, c := range t.Columns {
			fmt.Fprintf(&b, " col=%+v", *c)
		}
		for _, x := range t.Indexes {
			fmt.Fprintf(&b, " idx=%+v", *x)
		}
		b.WriteString("; ")
	}
	fmt.Fprintf(&b, "retired=%+v", l.RetiredTables)
	return b.String()
}

// TestParsePositions: a parsed lock points findings at the lock file's lines.
func TestParsePositions(t *testing.T) {
	src := "tablegen-lock 1\n\ntable a.b\n  id 3\n  kind shared\n  key\n    column k string\n  column 1 k string\n  index 2 by_k\n    column k\n\nretired table 4 a.c\n"
	l, err := Parse("schemas/tablegen.lock", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	tb := l.Tables[0]
	check := func(what string, p schema.Pos, line, col int) {
		t.Helper()
		want := schema.Pos{File: "schemas/tablegen.lock", Line: line, Column: col}
		if p != want {
			t.Errorf("%s at %v, want %v", what, p, want)
		}
	}
	check("table", tb.Pos, 3, 1)
	check("key", tb.Key.Pos, 6, 3)
	check("key column", tb.Key.Columns[0].Pos, 7, 5)
	check("column", tb.Columns[0].Pos, 8, 3)
	check("index", tb.Indexes[0].Pos, 9, 3)
	check("retired table", l.RetiredTables[0].Pos, 12, 1)
}

// FuzzParse: Parse never panics, and whatever it accepts survives a
// Marshal/Parse round trip unchanged.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleLock))
	f.Add([]byte("tablegen-lock 1\n"))
	f.Add([]byte("tablegen-lock 1\ntable \"a b\\x00\"\n  id 0\n  kind user\n  key\n    column \"\" bytes desc\n"))
	f.Add([]byte("tablegen-lock 1\ntable a\n  id 1\n  kind system\n  key\n    column k string\n  column 2 e enum\n    value 0 x\n    value 2 y\n"))
	f.Add([]byte("tablegen-lock 2\n"))
	f.Add([]byte("tablegen-lock 1\n\t\"unterminated\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := Parse("fuzz.lock", b)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.lock:") {
				t.Fatalf("error without a position: %v", err)
			}
			return
		}
		text := Marshal(l)
		l2, err := Parse("again.lock", text)
		if err != nil {
			t.Fatalf("Parse(Marshal(Parse(b))): %v\n%s", err, text)
		}
		if !reflect.DeepEqual(stripPos(l), stripPos(l2)) {
			t.Fatalf("round trip changed the lock:\n%s", text)
		}
	})
}

const sampleLock = `# comment
tablegen-lock 1

table system.jobs
  id 5
  kind system
  key
    column job_id string
  column 1 job_id string
  column 2 status enum
    value 0 new
    value 1 running
  column 3 parameters json nullable
  index 1 by_status
    column status
  index 2 by_key unique
    column job_id
  index 4 by_status_key covering
    column status
    column job_id
  retired tag 4 old_name string
  retired tag 9
  retired index 3 by_old

retired table 9 system.old_table
`

// TestLockLayoutIsSchemaLayout: the layout Compare judges a lock table by
// is the one the generator compiles for the schema table it was built
// from (apart from expiry, which the lock does not record), so that
// `tablegen breaking` and the store's upgrade on open see the same
// changes. The schemas are those of the golden archives, which between
// them use every index option.
func TestLockLayoutIsSchemaLayout(t *testing.T) {
	checked := 0
	for _, dir := range []string{"lock", "breaking"} {
		for _, ar := range readArchives(t, dir) {
			yaml, _ := ar.files("new/", true)
			if dir == "lock" {
				yaml, _ = ar.files("", true)
			}
			s, err := schema.ParseFiles(yaml)
			if err != nil {
				continue // an archive whose schemas the loader refuses tests that
			}
			lock := Build(s, nil)
			for _, st := range s.Tables {
				want := st.Layout()
				want.TTL, want.MaxRowsPerOwner = 0, 0
				lt := lock.Table(st.FullName())
				if lt == nil {
					t.Errorf("%s: table %s is not in the lock", ar.path, st.FullName())
					continue
				}
				got := lt.layout()
				if g, w := got.MarshalCanonical(), want.MarshalCanonical(); !bytes.Equal(g, w) {
					t.Errorf("%s: table %s:\nlock layout   %s\nschema layout %s", ar.path, st.FullName(), g, w)
				}
				checked++
			}
		}
	}
	if checked < 10 {
		t.Fatalf("compared only %d tables", checked)
	}
}
