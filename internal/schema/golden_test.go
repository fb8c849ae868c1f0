package schema_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the errors/ok sections of testdata/*.txtar with the current output")

// TestGolden runs every testdata/*.txtar archive: its files under schemas/ are
// written to a temporary directory and loaded with Load; the result must
// equal the archive's "errors" section (the exact error lines) or its "ok"
// section (a dump of the normalized model).
func TestGolden(t *testing.T) {
	archives, err := filepath.Glob("testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(archives) == 0 {
		t.Fatal("no testdata/*.txtar archives")
	}
	for _, path := range archives {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var want *txtar.File
			for i := range ar.Files {
				f := &ar.Files[i]
				if f.Name == "errors" || f.Name == "ok" {
					want = f
					continue
				}
				p := filepath.Join(dir, filepath.FromSlash(f.Name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, f.Data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want == nil {
				t.Fatal("archive has neither an errors nor an ok section")
			}
			section, got := run(t, filepath.Join(dir, "schemas"))
			if *update {
				want.Name, want.Data = section, []byte(got)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want.Name != section {
				t.Fatalf("expected a %q result, got %q:\n%s", want.Name, section, got)
			}
			if got != string(want.Data) {
				t.Errorf("output differs from the %s section (run go test -update to accept it)\n--- got\n%s--- want\n%s", section, got, want.Data)
			}
		})
	}
}

// run loads dir and returns the section name and its text.
func run(t *testing.T, dir string) (string, string) {
	t.Helper()
	s, err := schema.Load(dir)
	if err != nil {
		var list schema.ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("Load returned a non-ErrorList error: %v", err)
		}
		if s != nil {
			t.Fatal("Load returned both a schema and errors")
		}
		if !slices.IsSortedFunc(list, func(a, b *schema.Error) int { return strings.Compare(a.Pos.File, b.Pos.File) }) {
			t.Fatal("errors not sorted by file")
		}
		return "errors", list.Error() + "\n"
	}
	checkInvariants(t, s)
	return "ok", dump(s)
}

// dump prints the normalized model, one declaration per line.
func dump(s *schema.Schema) string {
	var b strings.Builder
	for _, t := range s.Tables {
		fmt.Fprintf(&b, "table %s id=%d kind=%s access=%q entity=%s at %s\n", t.FullName(), t.ID, t.Kind, t.Access, t.Entity, t.Pos)
		if t.Doc != "" {
			fmt.Fprintf(&b, "  doc %q\n", t.Doc)
		}
		var kc []string
		for i, c := range t.Key.Columns {
			s := c.Name
			if t.Key.Desc[i] {
				s += " desc"
			}
			kc = append(kc, s)
		}
		fmt.Fprintf(&b, "  key %s go=%s [%s] at %d:%d\n", t.Key.Name, t.Key.GoName, strings.Join(kc, ", "), t.Key.Pos.Line, t.Key.Pos.Column)
		for _, c := range t.Columns {
			null := ""
			if c.Nullable {
				null = " nullable"
			}
			fmt.Fprintf(&b, "  column %d %s %s%s go=%s at %d:%d", c.Tag, c.Name, c.Type, null, c.GoName, c.Pos.Line, c.Pos.Column)
			if c.Type == schema.TypeEnum {
				var consts []string
				for _, v := range c.Values {
					consts = append(consts, t.EnumConstName(c, v))
				}
				fmt.Fprintf(&b, " enum=%s values=[%s] consts=[%s]", t.EnumTypeName(c), strings.Join(c.Values, " "), strings.Join(consts, " "))
			}
			if c.Type == schema.TypeDecimal {
				fmt.Fprintf(&b, " digits=(%d,%d)", c.Precision, c.Scale)
			}
			if c.Doc != "" {
				fmt.Fprintf(&b, " doc=%q", c.Doc)
			}
			b.WriteByte('\n')
		}
		for _, x := range t.Indexes {
			var cols []string
			for _, c := range x.Columns {
				cols = append(cols, c.Name)
			}
			fmt.Fprintf(&b, "  index %d %s go=%s [%s] unique=%t sparse=%t at %d:%d", x.ID, x.Name, x.GoName, strings.Join(cols, ", "), x.Unique, x.Sparse, x.Pos.Line, x.Pos.Column)
			if x.Covering {
				b.WriteString(" covering") // only when set, so the other archives keep their dumps
			}
			if x.Doc != "" {
				fmt.Fprintf(&b, " doc=%q", x.Doc)
			}
			b.WriteByte('\n')
		}
		if len(t.Reserved.Tags)+len(t.Reserved.Columns) > 0 {
			fmt.Fprintf(&b, "  reserved tags=%v columns=%v\n", t.Reserved.Tags, t.Reserved.Columns)
		}
		if t.TTL != 0 || t.MaxRowsPerOwner != 0 {
			fmt.Fprintf(&b, "  ttl=%s max_rows_per_owner=%d\n", t.TTL, t.MaxRowsPerOwner)
		}
		if t.NeverFlush {
			b.WriteString("  flush=never\n")
		}
	}
	return b.String()
}

// checkInvariants asserts the normalization promises of the model that a
// dump cannot show: pointer identity, sort orders, derived fields.
func checkInvariants(t *testing.T, s *schema.Schema) {
	t.Helper()
	if !slices.IsSortedFunc(s.Tables, func(a, b *schema.Table) int {
		if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	}) {
		t.Error("tables not sorted by namespace, name")
	}
	for _, tb := range s.Tables {
		if tb.Key == nil || len(tb.Key.Columns) == 0 || len(tb.Key.Desc) != len(tb.Key.Columns) {
			t.Errorf("%s: key incomplete", tb.FullName())
			continue
		}
		for _, c := range tb.Key.Columns {
			if !slices.Contains(tb.Columns, c) {
				t.Errorf("%s: key column %s is not a pointer into Columns", tb.FullName(), c.Name)
			}
			if c.Nullable {
				t.Errorf("%s: nullable key column %s", tb.FullName(), c.Name)
			}
		}
		for _, c := range tb.Columns {
			if c.GoName != schema.GoName(c.Name) {
				t.Errorf("%s: column %s GoName %s", tb.FullName(), c.Name, c.GoName)
			}
			if c.Pos.File != tb.File || tb.Pos.File != tb.File {
				t.Errorf("%s: positions name %s, table file %s", tb.FullName(), c.Pos.File, tb.File)
			}
		}
		if !slices.IsSortedFunc(tb.Indexes, func(a, b *schema.Index) int { return int(a.ID) - int(b.ID) }) {
			t.Errorf("%s: indexes not sorted by id", tb.FullName())
		}
		for _, x := range tb.Indexes {
			sparse := false
			for _, c := range x.Columns {
				sparse = sparse || c.Nullable
				if !slices.Contains(tb.Columns, c) {
					t.Errorf("%s: index column %s is not a pointer into Columns", tb.FullName(), c.Name)
				}
			}
			if x.Sparse != sparse {
				t.Errorf("%s: index %s Sparse=%t", tb.FullName(), x.Name, x.Sparse)
			}
		}
		switch {
		case tb.Kind == schema.KindShared && tb.Access == "":
			t.Errorf("%s: shared table without access level", tb.FullName())
		case (tb.Kind == schema.KindUser || tb.Kind == schema.KindStream) && tb.Access != "":
			t.Errorf("%s: %s table with access level %s", tb.FullName(), tb.Kind, tb.Access)
		}
		if (tb.Kind == schema.KindStream) != (tb.TTL > 0) {
			t.Errorf("%s: kind %s with ttl %s", tb.FullName(), tb.Kind, tb.TTL)
		}
	}
}
