package gen

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
)

const testImportPath = "example.com/app/generated"

func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"Job": "job", "JobID": "jobID", "ID": "id", "URLMap": "urlMap", "APIURL": "apiurl", "x": "x", "": "",
	} {
		if got := lowerFirst(in); got != want {
			t.Errorf("lowerFirst(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestParamName(t *testing.T) {
	taken := map[string]bool{"o": true}
	for _, tc := range []struct{ goName, want string }{
		{"Status", "status"}, {"Type", "typeValue"}, {"Len", "lenValue"}, {"O", "oValue"}, {"UserID", "userID"}, {"Type", "typeValue2"},
	} {
		if got := paramName(&schema.Column{GoName: tc.goName}, taken); got != tc.want {
			t.Errorf("paramName(%s) = %q; want %q", tc.goName, got, tc.want)
		}
	}
}

// generateErr generates s and returns the error lines.
func generateErr(t *testing.T, s *schema.Schema) string {
	t.Helper()
	_, err := Generate(s, Options{ImportPath: testImportPath})
	if err == nil {
		t.Fatal("Generate succeeded; want an error")
	}
	var list schema.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Generate error %T is not a schema.ErrorList: %v", err, err)
	}
	return err.Error()
}

// TestRefuses checks the generator's own guards on models the loader would
// normally have rejected: whatever the model, Generate returns positioned
// errors instead of code that does not compile.
func TestRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func() *schema.Schema
		want  string
	}{
		{"name collision", func() *schema.Schema {
			a := table("app", "jobs", 1, schema.KindSystem, "Job").col("id", schema.TypeString, false).col("status", schema.TypeEnum, false, "a").key("JobId", "JobID", "id")
			b := table("app", "job_statuses", 2, schema.KindSystem, "JobStatus").col("id", schema.TypeString, false).key("JobStatusId", "JobStatusID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t, b.t}}
		}, "schemas/app/jobs.yaml:11:5: Go name JobStatus of the enum type of column status of table app.jobs collides with the entity of table app.job_statuses (schemas/app/job_statuses.yaml:1:1); rename one of them"},
		{"file suffix", func() *schema.Schema {
			a := table("app", "load_test", 1, schema.KindSystem, "LoadTest").col("id", schema.TypeString, false).key("LoadTestId", "LoadTestID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t}}
		}, "schemas/app/load_test.yaml:1:1: table app.load_test: its generated file load_test.go ends in _test"},
		{"unknown type", func() *schema.Schema {
			a := table("app", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).col("x", "money", false).key("ItemId", "ItemID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t}}
		}, `schemas/app/items.yaml:11:5: column "x": the generator does not know type "money"`},
		{"float key", func() *schema.Schema {
			a := table("app", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeFloat64, false).key("ItemId", "ItemID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t}}
		}, `column "id": a key column must be non-nullable and of a type with an order-preserving encoding`},
		{"shared key mismatch", func() *schema.Schema {
			a := table("app", "a", 1, schema.KindSystem, "A").col("id", schema.TypeString, false).key("Id", "ID", "id")
			b := table("app", "b", 2, schema.KindSystem, "B").col("id", schema.TypeInt64, false).key("Id", "ID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t, b.t}}
		}, `key type Id of table app.b differs from its declaration in app.a: column "id" is int64 instead of string`},
		{"file collision", func() *schema.Schema {
			a := table("app", "keys", 1, schema.KindSystem, "Key").col("id", schema.TypeString, false).key("KeyId", "KeyID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t}}
		}, "table app.keys: its file keys.go collides with the file of the shared key types; rename the table"},
		{"bad enum value", func() *schema.Schema {
			a := table("app", "items", 1, schema.KindSystem, "Item").col("id", schema.TypeString, false).col("e", schema.TypeEnum, false, "a-b").key("ItemId", "ItemID", "id")
			return &schema.Schema{Tables: []*schema.Table{a.t}}
		}, `enum value "a-b" does not make a Go identifier (ItemEA-b)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := generateErr(t, tc.build()); !strings.Contains(got, tc.want) {
				t.Errorf("error:\n%s\nwant it to contain:\n%s", got, tc.want)
			}
		})
	}
	if _, err := Generate(fullSchema(), Options{}); err == nil {
		t.Error("Generate without ImportPath succeeded; want an error")
	}
}

// TestDeterministic generates the same schema twice, the second time from
// shuffled tables and columns-of-indexes order untouched, and requires
// byte-identical output.
func TestDeterministic(t *testing.T) {
	a, err := Generate(fullSchema(), Options{ImportPath: testImportPath})
	if err != nil {
		t.Fatal(err)
	}
	s := fullSchema()
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(s.Tables), func(i, j int) { s.Tables[i], s.Tables[j] = s.Tables[j], s.Tables[i] })
	b, err := Generate(s, Options{ImportPath: testImportPath})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sortedNames(a), sortedNames(b)) {
		t.Fatalf("file sets differ:\n%v\n%v", sortedNames(a), sortedNames(b))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs:\n%s", name, firstDiff(string(a[name]), string(b[name])))
		}
	}
}

// TestHeaders checks that every file starts with the generated header and
// names its sources, and that SourcePath rewrites them.
func TestHeaders(t *testing.T) {
	files, err := Generate(fullSchema(), Options{ImportPath: testImportPath, SourcePath: func(f string) string { return "x/" + f }})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		lines := strings.SplitN(string(data), "\n", 3)
		if lines[0] != Header || !strings.HasPrefix(lines[1], "// source: x/schemas/") {
			t.Errorf("%s starts %q, %q; want the header and a source line", name, lines[0], lines[1])
		}
	}
	if got := string(files["demo/keys.go"]); !strings.Contains(got, "// source: x/schemas/demo/table_stats.yaml, x/schemas/demo/tables.yaml\n") {
		t.Errorf("keys.go does not name both tables that share its key:\n%.200s", got)
	}
}

// TestCompile generates a schema that uses every type, every kind, nullable
// variants, descending and shared keys and every index shape into a
// temporary module that depends on this one through a replace directive,
// then builds, vets and runs the generated tests there, as a user's module
// would. It needs the go command and a warm module cache (GOFLAGS=-mod=mod,
// GOPROXY inherited); it is skipped under -short because it compiles Pebble.
func TestCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles and runs generated code in a temporary module; skipped under -short")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := fmt.Sprintf("module example.com/app\n\ngo 1.26.0\n\nrequire github.com/tablegen/tablegen v0.0.0\n\nreplace github.com/tablegen/tablegen => %s\n", root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := Generate(fullSchema(), Options{ImportPath: testImportPath})
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		p := filepath.Join(dir, "generated", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}, {"test", "-count=1", "./..."}} {
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the generated module: %v\n%s", strings.Join(args, " "), err, out)
		}
		t.Logf("go %s:\n%s", strings.Join(args, " "), out)
	}
}

// manyTables returns n tables of 12 columns and 2 indexes each, spread over
// 5 namespaces.
func manyTables(n int) *schema.Schema {
	var s schema.Schema
	for i := range n {
		ns := fmt.Sprintf("ns%d", i%5)
		b := table(ns, fmt.Sprintf("t%d", i), uint32(i+1), schema.KindSystem, fmt.Sprintf("T%d", i)).
			col("id", schema.TypeString, false).
			col("status", schema.TypeEnum, false, "a", "b", "c").
			col("created_at", schema.TypeTimestamp, false).
			col("email", schema.TypeString, true).
			col("n", schema.TypeInt64, false).
			col("m", schema.TypeInt32, true).
			col("f", schema.TypeFloat64, false).
			col("b", schema.TypeBytes, true).
			col("j", schema.TypeJSON, true).
			col("u", schema.TypeUUID, false).
			col("d", schema.TypeDuration, false).
			col("ok", schema.TypeBool, false).
			key(fmt.Sprintf("K%d", i), fmt.Sprintf("K%d", i), "id", "created_at").
			index("by_status", 1, false, "status", "created_at").
			index("by_email", 2, true, "email")
		s.Tables = append(s.Tables, b.t)
	}
	return &s
}

// BenchmarkGenerate100 generates 100 tables (all files, tests included);
// the goal is well under a second per run.
func BenchmarkGenerate100(b *testing.B) {
	s := manyTables(100)
	for b.Loop() {
		if _, err := Generate(s, Options{ImportPath: testImportPath}); err != nil {
			b.Fatal(err)
		}
	}
}
