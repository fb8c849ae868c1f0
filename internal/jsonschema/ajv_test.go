package jsonschema

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/tools/txtar"
)

// ajvScript compiles both schemas with ajv 8 in strict mode (draft 2020-12,
// so the Ajv2020 class) and validates each document it is given against the
// schema it names. Strict mode refuses unknown keywords and formats, and
// ajv reports other strictness findings through console.warn, so those are
// collected too: a warning fails the test like an error.
const ajvScript = `
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
const warnings = [];
console.warn = (...a) => warnings.push(a.join(' '));
const input = JSON.parse(readFileSync(0, 'utf8'));
const out = { compile: {}, results: [], warnings };
const validators = {};
for (const [name, file] of Object.entries(input.schemas)) {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  try {
    validators[name] = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    out.compile[name] = String(e.message);
  }
}
for (const d of input.docs) {
  const v = validators[d.schema];
  if (!v) continue;
  const valid = v(d.doc);
  out.results.push({ name: d.name, valid, errors: (v.errors || []).map((e) => e.instancePath + ' ' + e.message) });
}
console.log(JSON.stringify(out));
`

// ajvDoc is one document for the script and the verdict the package's own
// validator gives it (the committed "want" of a test case, or valid for a
// shipped file).
type ajvDoc struct {
	Name   string `json:"name"`
	Schema string `json:"schema"` // "table" or "config"
	Doc    any    `json:"doc"`
	valid  bool
}

// TestAjvStrict runs ajv 8 (from npm, run by Node.js, as the DuckDB test in
// runtime/flush does with @duckdb/node-api) over the committed schemas:
// both compile in strict mode, every shipped table, tablegen.yaml and
// scaffold validates, and every case under testdata/validate and
// testdata/config gets the same verdict from ajv as from the package's
// validator, so the bad documents there are refused by ajv too. It skips
// only when node or npm is missing.
func TestAjvStrict(t *testing.T) {
	node, err1 := exec.LookPath("node")
	npm, err2 := exec.LookPath("npm")
	if err1 != nil || err2 != nil {
		t.Skip("needs Node.js and npm to run ajv; install nodejs and npm")
	}
	docs := ajvDocs(t)
	mods := ajvModules(t, npm)
	// ES modules resolve packages from the script's directory, not NODE_PATH.
	script := filepath.Join(filepath.Dir(mods), "tablegen-ajv-"+filepath.Base(t.TempDir())+".mjs")
	defer os.Remove(script)
	if err := os.WriteFile(script, []byte(ajvScript), 0o644); err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	in, err := json.Marshal(map[string]any{
		"schemas": map[string]string{
			"table":  abs(filepath.Join(repoRoot, "schemas", "tablegen.schema.json")),
			"config": abs(filepath.Join(repoRoot, "schemas", "tablegen.config.schema.json")),
		},
		"docs": docs,
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script)
	cmd.Dir = filepath.Dir(mods)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ajv: %v\n%s%s", err, out, stderr.Bytes())
	}
	var res struct {
		Compile map[string]string `json:"compile"`
		Results []struct {
			Name   string   `json:"name"`
			Valid  bool     `json:"valid"`
			Errors []string `json:"errors"`
		} `json:"results"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ajv output %q: %v", out, err)
	}
	for name, msg := range res.Compile {
		t.Errorf("ajv strict mode refuses the %s schema: %s", name, msg)
	}
	for _, w := range res.Warnings {
		t.Errorf("ajv strict mode warns: %s", w)
	}
	if len(res.Compile) > 0 {
		return
	}
	if len(res.Results) != len(docs) {
		t.Fatalf("ajv validated %d documents, want %d", len(res.Results), len(docs))
	}
	refused := 0
	for i, r := range res.Results {
		d := docs[i]
		switch {
		case r.Name != d.Name:
			t.Fatalf("ajv result %d is for %s, want %s", i, r.Name, d.Name)
		case d.valid && !r.Valid:
			t.Errorf("%s: ajv refuses a document the package's validator accepts: %s", d.Name, strings.Join(r.Errors, "; "))
		case !d.valid && r.Valid:
			t.Errorf("%s: ajv accepts a document the package's validator refuses", d.Name)
		case !r.Valid:
			refused++
		}
	}
	if refused == 0 {
		t.Error("ajv refused no document; the bad cases prove nothing")
	}
}

// ajvDocs gathers the documents: the YAML under schemas/ and tablegen.yaml
// at the module root (all valid), the scaffold goldens of `tablegen new`
// (valid), and the test cases (valid exactly when their "want" is empty).
// Each is decoded as the loader decodes it (yaml.v3) and handed over as
// JSON.
func ajvDocs(t *testing.T) []ajvDoc {
	t.Helper()
	var docs []ajvDoc
	add := func(name, schemaName string, src []byte, valid bool) {
		var v any
		if err := yaml.Unmarshal(src, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, ajvDoc{Name: name, Schema: schemaName, Doc: v, valid: valid})
	}
	shipped := 0
	err := filepath.WalkDir(filepath.Join(repoRoot, "schemas"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		shipped++
		add(p, "table", src, true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if shipped == 0 {
		t.Fatal("no *.yaml under schemas/; the test would prove nothing")
	}
	if src, err := os.ReadFile(filepath.Join(repoRoot, "tablegen.yaml")); err == nil {
		add("tablegen.yaml", "config", src, true)
	} else {
		t.Fatal(err)
	}
	archives := func(glob, schemaName, section string, valid func(ar *txtar.Archive) bool) {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files match %s (%v)", glob, err)
		}
		for _, f := range files {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, af := range ar.Files {
				if af.Name == section || (section == "" && strings.HasPrefix(af.Name, "out/") && strings.HasSuffix(af.Name, ".yaml")) {
					add(f+": "+af.Name, schemaName, af.Data, valid(ar))
				}
			}
		}
	}
	wantEmpty := func(ar *txtar.Archive) bool {
		for _, af := range ar.Files {
			if af.Name == "want" {
				return len(bytes.TrimSpace(af.Data)) == 0
			}
		}
		t.Fatalf("a test case has no want section: %s", ar.Comment)
		return false
	}
	archives("testdata/validate/*.txtar", "table", "table.yaml", wantEmpty)
	archives("testdata/config/*.txtar", "config", "tablegen.yaml", wantEmpty)
	archives(filepath.Join(repoRoot, "cmd", "tablegen", "testdata", "new", "*.txtar"), "table", "", func(*txtar.Archive) bool { return true })
	return docs
}

// ajvModules installs ajv, ajv-formats once per machine (in the user's cache
// directory) and returns their node_modules directory.
func ajvModules(t *testing.T, npm string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "tablegen-ajv")
	mods := filepath.Join(dir, "node_modules")
	_, err1 := os.Stat(filepath.Join(mods, "ajv", "dist", "2020.js"))
	_, err2 := os.Stat(filepath.Join(mods, "ajv-formats"))
	if err1 == nil && err2 == nil {
		return mods
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(npm, "install", "--silent", "--no-audit", "--no-fund", "ajv@8", "ajv-formats@3")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install ajv@8 ajv-formats@3: %v\n%s", err, out)
	}
	return mods
}
