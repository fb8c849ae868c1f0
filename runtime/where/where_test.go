package where_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/where"
)

var users = layout.Table{
	ID: 1, Namespace: "system", Name: "users", Kind: "system",
	Key: []layout.KeyColumn{{Name: "user_id", Type: "string"}},
	Columns: []layout.Column{
		{Tag: 1, Name: "user_id", Type: "string"},
		{Tag: 2, Name: "role", Type: "enum", Values: []string{"user", "dba", "system"}},
		{Tag: 3, Name: "email", Type: "string", Nullable: true},
		{Tag: 4, Name: "created_at", Type: "timestamp"},
		{Tag: 5, Name: "age", Type: "int32", Nullable: true},
		{Tag: 6, Name: "quota", Type: "uint64"},
		{Tag: 7, Name: "score", Type: "float64"},
		{Tag: 8, Name: "active", Type: "bool"},
		{Tag: 9, Name: "ttl", Type: "duration"},
		{Tag: 10, Name: "uid", Type: "uuid"},
		{Tag: 11, Name: "prefs", Type: "json", Nullable: true},
		{Tag: 12, Name: "avatar", Type: "bytes", Nullable: true},
		{Tag: 13, Name: "balance", Type: "decimal", Precision: 12, Scale: 2},
	},
}

// dump prints an expression as a tree with its positions, so the golden
// files show precedence and where each token was found.
func dump(b *strings.Builder, e scan.Expr, indent string) {
	switch x := e.(type) {
	case *scan.And:
		b.WriteString(indent + "AND\n")
		dump(b, x.L, indent+"  ")
		dump(b, x.R, indent+"  ")
	case *scan.Or:
		b.WriteString(indent + "OR\n")
		dump(b, x.L, indent+"  ")
		dump(b, x.R, indent+"  ")
	case *scan.Not:
		b.WriteString(indent + "NOT\n")
		dump(b, x.X, indent+"  ")
	case *scan.Cmp:
		fmt.Fprintf(b, "%s%s (%T) @%d,%d\n", indent, x, x.Value, x.Pos, x.ValuePos)
	case *scan.In:
		fmt.Fprintf(b, "%s%s @%d values %v\n", indent, x, x.Pos, x.ValuePos)
	case *scan.IsNull:
		fmt.Fprintf(b, "%s%s @%d\n", indent, x, x.Pos)
	case *scan.Prefix:
		fmt.Fprintf(b, "%sprefix %s %q @%d,%d\n", indent, x.Column, x.Prefix, x.Pos, x.ValuePos)
	}
}

// TestGolden runs testdata/parse: "parse" prints the tree of a filter or
// its syntax error; "compile" also binds it to system.users and prints the
// round-tripped text or the type error. Regenerate with -rewrite.
func TestGolden(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			src := strings.TrimSuffix(d.Input, "\n")
			switch d.Cmd {
			case "parse":
				e, err := where.Parse(src)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				var b strings.Builder
				dump(&b, e, "")
				return b.String()
			case "compile":
				e, err := where.Compile(src, &users)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				return e.String() + "\n"
			}
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		})
	})
}

// TestRoundTrip checks that String of a parsed filter parses back to the
// same expression (same String), so plans and messages can be pasted back.
func TestRoundTrip(t *testing.T) {
	for _, src := range []string{
		"role = 'dba' AND created_at >= '2026-01-01T00:00:00Z' AND (email IS NULL OR email LIKE 'a%')",
		"NOT (a = 1 AND b = 2) OR c IN (1, 2.5, -3e2)",
		"NOT NOT a = TRUE",
		"a LIKE 'x\\%y\\_z\\\\%' AND b NOT LIKE 'q%'",
		"(a = 1 OR b = 2) AND (c = 3 OR d = 'it''s')",
		"a = 1 OR b = 2 AND c = 3",
	} {
		e, err := where.Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		again, err := where.Parse(e.String())
		if err != nil {
			t.Fatalf("%s → %s: %v", src, e, err)
		}
		if again.String() != e.String() {
			t.Errorf("round trip: %s → %s → %s", src, e, again)
		}
	}
}

// TestErrorType checks errors are *where.Error with 1-based line and
// character column, counting characters, not bytes.
func TestErrorType(t *testing.T) {
	_, err := where.Compile("email = 'é' AND\n  rol = 'dba'", &users)
	var we *where.Error
	if !errors.As(err, &we) {
		t.Fatalf("error %v is %T, want *where.Error", err, err)
	}
	if we.Line != 2 || we.Col != 3 {
		t.Fatalf("error at %d:%d, want 2:3: %v", we.Line, we.Col, err)
	}
	_, err = where.Compile("é = 'x'", &users)
	if err == nil || !strings.HasPrefix(err.Error(), "1:1: ") {
		t.Fatalf("got %v, want an error at 1:1", err)
	}
	_, err = where.Compile("email = 'é' AND rol = 1", &users)
	if err == nil || !strings.HasPrefix(err.Error(), "1:17: ") {
		t.Fatalf("got %v, want an error at 1:17 (characters, not bytes)", err)
	}
}

// FuzzParse checks that no input makes Parse panic, that every error is a
// positioned *where.Error inside the input, and that accepted filters
// round-trip through String.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"role = 'dba' AND created_at >= '2026-01-01T00:00:00Z' AND (email IS NULL OR email LIKE 'a%')",
		"a IN (1, 2, 3) OR NOT b IS NOT NULL",
		"x NOT IN ('a''b') AND y <> -1.5e3",
		"((((a = 1))))",
		"a LIKE 'a\\%%'",
		"\"quoted col\" = TRUE",
		"a = ",
		"'unterminated",
		"a = 1 AND",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := where.Parse(src)
		if err != nil {
			var we *where.Error
			if !errors.As(err, &we) {
				t.Fatalf("error %v is %T, want *where.Error", err, err)
			}
			lines := strings.Split(src, "\n")
			if we.Line < 1 || we.Line > len(lines) || we.Col < 1 || we.Col > len([]rune(lines[we.Line-1]))+1 {
				t.Fatalf("error position %d:%d outside the input %q", we.Line, we.Col, src)
			}
			return
		}
		again, err := where.Parse(e.String())
		if err != nil {
			t.Fatalf("%q parsed to %s, which does not parse: %v", src, e, err)
		}
		if again.String() != e.String() {
			t.Fatalf("round trip: %q → %s → %s", src, e, again)
		}
		_ = scan.Check(&users, e) // must not panic on any parsed filter
	})
}
