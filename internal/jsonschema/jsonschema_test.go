package jsonschema

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/internal/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with the current output")

// repoRoot is the module root, relative to this package's directory.
const repoRoot = "../.."

func TestGenerateIsDeterministicJSON(t *testing.T) {
	a, b := Generate(), Generate()
	if !bytes.Equal(a, b) {
		t.Fatal("two calls of Generate returned different bytes")
	}
	var v map[string]any
	if err := json.Unmarshal(a, &v); err != nil {
		t.Fatalf("Generate returned invalid JSON: %v", err)
	}
	if v["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", v["$schema"])
	}
	if !bytes.HasSuffix(a, []byte("}\n")) {
		t.Error("output does not end in a newline")
	}
	if bytes.Contains(a, []byte(`\u003c`)) {
		t.Error("output HTML-escapes '<'; descriptions should stay readable")
	}
}

// TestCommittedFileIsCurrent fails when schemas/tablegen.schema.json was not
// regenerated after a change to this package (`make generate` fixes it).
func TestCommittedFileIsCurrent(t *testing.T) {
	got, err := os.ReadFile(filepath.Join(repoRoot, "schemas", "tablegen.schema.json"))
	if err != nil {
		t.Fatalf("reading the committed schema: %v (create it with `go run ./cmd/tablegen jsonschema > schemas/tablegen.schema.json`)", err)
	}
	if !bytes.Equal(got, Generate()) {
		t.Error("schemas/tablegen.schema.json is stale; run `go run ./cmd/tablegen jsonschema > schemas/tablegen.schema.json`")
	}
}

// TestEveryKeyIsDocumented walks the schema: every property has a
// description (editors show it on hover), every object is closed, and every
// enum value has its own description (editors show it in completion lists).
func TestEveryKeyIsDocumented(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Generate(), &root); err != nil {
		t.Fatal(err)
	}
	var walk, walkBranch func(path string, s map[string]any)
	// walkBranch checks the properties an if/then/else branch offers; the
	// branch itself is not a closed object (the object it refines is).
	walkBranch = func(path string, s map[string]any) {
		props, _ := s["properties"].(map[string]any)
		for _, k := range sortedKeys(props) {
			p := props[k].(map[string]any)
			if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
				t.Errorf("%s.%s: no description", path, k)
			}
			walk(path+"."+k, p)
		}
	}
	walk = func(path string, s map[string]any) {
		pn, _ := s["propertyNames"].(map[string]any)
		_, closedNames := pn["enum"]
		if s["type"] == "object" && s["properties"] != nil && s["additionalProperties"] != false && !closedNames {
			t.Errorf("%s: object without additionalProperties: false or a propertyNames enum; typos would go unnoticed", path)
		}
		if e, ok := s["enum"].([]any); ok && s["type"] != nil && !strings.HasSuffix(path, ".propertyNames") {
			d, _ := s["description"].(string)
			for _, v := range e {
				if !strings.Contains(d, fmt.Sprintf("\n%s: ", v)) {
					t.Errorf("%s: enum value %v is not documented in the description", path, v)
				}
			}
		}
		if pn, ok := s["propertyNames"].(map[string]any); ok {
			walk(path+".propertyNames", pn)
		}
		for _, kw := range []string{"then", "else"} {
			if sub, ok := s[kw].(map[string]any); ok {
				walkBranch(path+"."+kw, sub)
			}
		}
		if all, ok := s["allOf"].([]any); ok {
			for i, sub := range all {
				walkBranch(fmt.Sprintf("%s.allOf[%d]", path, i), sub.(map[string]any))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for _, k := range sortedKeys(props) {
			p := props[k].(map[string]any)
			if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
				t.Errorf("%s.%s: no description", path, k)
			}
			walk(path+"."+k, p)
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
	}
	walk("$", root)
	defs := root["$defs"].(map[string]any)
	for _, name := range sortedKeys(defs) {
		walk("$defs."+name, defs[name].(map[string]any))
	}
}

// TestEnumsMatchTheModel: the enums offered to editors are exactly the
// model's constants, so completion never proposes a value the loader rejects.
func TestEnumsMatchTheModel(t *testing.T) {
	var gotTypes []schema.Type
	for _, x := range types {
		gotTypes = append(gotTypes, x.Type)
	}
	wantTypes := []schema.Type{schema.TypeBool, schema.TypeInt32, schema.TypeInt64, schema.TypeUint64,
		schema.TypeFloat64, schema.TypeString, schema.TypeBytes, schema.TypeTimestamp, schema.TypeDuration,
		schema.TypeUUID, schema.TypeEnum, schema.TypeJSON, schema.TypeDecimal}
	if !slices.Equal(gotTypes, wantTypes) {
		t.Errorf("types = %v, want %v", gotTypes, wantTypes)
	}
	var gotKinds []schema.Kind
	for _, x := range kinds {
		gotKinds = append(gotKinds, x.Kind)
	}
	if want := []schema.Kind{schema.KindSystem, schema.KindShared, schema.KindUser, schema.KindStream}; !slices.Equal(gotKinds, want) {
		t.Errorf("kinds = %v, want %v", gotKinds, want)
	}
	var gotAccess []schema.Access
	for _, x := range accesses {
		gotAccess = append(gotAccess, x.Access)
	}
	if want := []schema.Access{schema.AccessPublic, schema.AccessPrivate, schema.AccessRestricted, schema.AccessDBA}; !slices.Equal(gotAccess, want) {
		t.Errorf("accesses = %v, want %v", gotAccess, want)
	}
}

// TestShippedSchemasValidate: every table that ships in schemas/ passes the
// JSON Schema, so an editor never flags a file the loader accepts.
func TestShippedSchemasValidate(t *testing.T) {
	v := newValidator(t, Generate())
	dir := filepath.Join(repoRoot, "schemas")
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		n++
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		errs, err := v.validateYAML(src)
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
		for _, e := range errs {
			t.Errorf("%s: %s", p, e)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no *.yaml under %s; the test would prove nothing", dir)
	}
}

// TestScaffoldsValidate: every scaffold `tablegen new` writes (its golden
// files) passes the JSON Schema.
func TestScaffoldsValidate(t *testing.T) {
	v := newValidator(t, Generate())
	files, err := filepath.Glob(filepath.Join(repoRoot, "cmd", "tablegen", "testdata", "new", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range ar.Files {
			if !strings.HasSuffix(af.Name, ".yaml") || !strings.HasPrefix(af.Name, "out/") {
				continue
			}
			n++
			errs, err := v.validateYAML(af.Data)
			if err != nil {
				t.Errorf("%s: %s: %v", f, af.Name, err)
			}
			for _, e := range errs {
				t.Errorf("%s: %s: %s", f, af.Name, e)
			}
		}
	}
	if n == 0 {
		t.Fatal("found no scaffold goldens (out/*.yaml in cmd/tablegen/testdata/new/*.txtar)")
	}
}

// TestCases runs testdata/validate/*.txtar. Each archive holds a table.yaml
// and the exact validator findings in "want" (empty: valid). The loader must
// agree: it accepts the file exactly when the schema does, so the schema
// never flags what tablegen accepts nor passes what it rejects (within the
// per-file rules a JSON Schema can express).
func TestCases(t *testing.T) {
	v := newValidator(t, Generate())
	files, err := filepath.Glob("testdata/validate/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no test cases in testdata/validate")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src, want := section(t, ar, "table.yaml"), section(t, ar, "want")
			errs, err := v.validateYAML(src)
			if err != nil {
				t.Fatalf("table.yaml is not YAML: %v", err)
			}
			got := strings.Join(errs, "\n")
			if len(errs) > 0 {
				got += "\n"
			}
			if *update {
				setSection(ar, "want", []byte(got))
				if err := os.WriteFile(f, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(want) {
				t.Errorf("validator findings:\n%s\nwant:\n%s", got, want)
			}
			_, loadErr := schema.Parse("table.yaml", src)
			switch {
			case len(errs) == 0 && loadErr != nil:
				t.Errorf("the JSON Schema accepts the file but the loader rejects it:\n%v", loadErr)
			case len(errs) > 0 && loadErr == nil:
				t.Errorf("the JSON Schema rejects the file but the loader accepts it")
			}
		})
	}
}

func section(t *testing.T, ar *txtar.Archive, name string) []byte {
	t.Helper()
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	if *update && name == "want" {
		return nil
	}
	t.Fatalf("archive has no %q section", name)
	return nil
}

func setSection(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}

// TestKindDependentKeys: ttl and max_rows_per_owner are offered (declared
// as properties) only in the stream branch and access only in the
// shared/system branch, never at the top level, so an editor completes them
// only where they apply; propertyNames still lists them so the object stays
// closed to typos.
func TestKindDependentKeys(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(Generate(), &root); err != nil {
		t.Fatal(err)
	}
	top := root["properties"].(map[string]any)
	for _, k := range []string{"ttl", "max_rows_per_owner", "access"} {
		if _, ok := top[k]; ok {
			t.Errorf("%s is offered for every kind", k)
		}
		if !slices.Contains(root["propertyNames"].(map[string]any)["enum"].([]any), any(k)) {
			t.Errorf("%s is missing from propertyNames", k)
		}
	}
	offered := map[string][]string{}
	for _, b := range root["allOf"].([]any) {
		branch := b.(map[string]any)
		kinds := branch["if"].(map[string]any)["properties"].(map[string]any)["kind"].(map[string]any)["enum"].([]any)
		for k := range branch["then"].(map[string]any)["properties"].(map[string]any) {
			for _, kind := range kinds {
				offered[k] = append(offered[k], kind.(string))
			}
		}
	}
	for k, want := range map[string][]string{"ttl": {"stream"}, "max_rows_per_owner": {"stream"}, "access": {"shared", "system"}} {
		got := offered[k]
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s is offered for kinds %v; want %v", k, got, want)
		}
	}
}

// TestConfigCases runs testdata/config/*.txtar against the schema of
// tablegen.yaml: each archive holds a tablegen.yaml and the exact validator
// findings in "want"; schema.ParseConfig must agree on valid or not.
func TestConfigCases(t *testing.T) {
	v := newValidator(t, GenerateConfig())
	files, err := filepath.Glob("testdata/config/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test cases in testdata/config (%v)", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src, want := section(t, ar, schema.ConfigFile), section(t, ar, "want")
			errs, err := v.validateYAML(src)
			if err != nil {
				t.Fatalf("tablegen.yaml is not YAML: %v", err)
			}
			got := strings.Join(errs, "\n")
			if len(errs) > 0 {
				got += "\n"
			}
			if *update {
				setSection(ar, "want", []byte(got))
				if err := os.WriteFile(f, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(want) {
				t.Errorf("validator findings:\n%s\nwant:\n%s", got, want)
			}
			_, loadErr := schema.ParseConfig(schema.ConfigFile, src)
			switch {
			case len(errs) == 0 && loadErr != nil:
				t.Errorf("the JSON Schema accepts the file but ParseConfig rejects it:\n%v", loadErr)
			case len(errs) > 0 && loadErr == nil:
				t.Errorf("the JSON Schema rejects the file but ParseConfig accepts it")
			}
		})
	}
}
