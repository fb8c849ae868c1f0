package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/internal/schema"
)

// TestConfigGolden runs testdata/config/*.txtar: the archive's tablegen.yaml
// is parsed with ParseConfig and, when it has schemas/ files, checked with
// CheckGoTypes against them; the result must equal the "errors" section or
// the "ok" section (a dump of the Config).
func TestConfigGolden(t *testing.T) {
	archives, err := filepath.Glob("testdata/config/*.txtar")
	if err != nil || len(archives) == 0 {
		t.Fatalf("no testdata/config/*.txtar archives (%v)", err)
	}
	for _, path := range archives {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var cfgSrc []byte
			var want *txtar.File
			schemas := map[string][]byte{}
			for i := range ar.Files {
				f := &ar.Files[i]
				switch {
				case f.Name == schema.ConfigFile:
					cfgSrc = f.Data
				case f.Name == "errors" || f.Name == "ok":
					want = f
				case strings.HasPrefix(f.Name, "schemas/"):
					schemas[f.Name] = f.Data
				}
			}
			if want == nil {
				t.Fatal("archive has neither an errors nor an ok section")
			}
			cfg, err := schema.ParseConfig(schema.ConfigFile, cfgSrc)
			if err == nil && len(schemas) > 0 {
				s, lerr := schema.ParseFiles(schemas)
				if lerr != nil {
					t.Fatalf("the archive's schemas do not load: %v", lerr)
				}
				err = cfg.CheckGoTypes(s)
			}
			section, got := "ok", ""
			if err != nil {
				section, got = "errors", err.Error()+"\n"
			} else {
				got = fmt.Sprintf("schemas=%s out=%s package=%s docs=%s jsonschema=%s tests=%t json.tags=%t json.naming=%s\n",
					cfg.Schemas, cfg.Out, cfg.Package, cfg.Docs, cfg.JSONSchema, cfg.Tests, cfg.JSONTags, cfg.JSONNaming)
				for _, g := range cfg.GoTypes {
					got += fmt.Sprintf("go_type %s = %s (%s)\n", g.Column, g.Type, g.Pos)
				}
			}
			if *update {
				want.Name, want.Data = section, []byte(got)
				if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want.Name != section || got != string(want.Data) {
				t.Errorf("got %s:\n%s--- want %s:\n%s", section, got, want.Name, want.Data)
			}
		})
	}
}
