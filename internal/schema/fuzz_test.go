package schema_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/internal/schema"
)

const fuzzFile = "schemas/fuzz/t.yaml"

var errorLine = regexp.MustCompile(`^` + regexp.QuoteMeta(fuzzFile) + `:\d+:\d+: \S`)

// FuzzLoad feeds arbitrary bytes to the loader as one YAML file: the result
// is either a model or an ErrorList whose every line is "file:line:col: msg";
// nothing panics, and the same input always gives the same answer. It is
// seeded with the shipped schemas and every YAML file of the golden tests.
func FuzzLoad(f *testing.F) {
	seeds := 0
	err := filepath.WalkDir("../../schemas", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		b, err := os.ReadFile(p)
		f.Add(b)
		seeds++
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	archives, _ := filepath.Glob("testdata/*.txtar")
	for _, a := range archives {
		ar, err := txtar.ParseFile(a)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range ar.Files {
			if strings.HasSuffix(file.Name, ".yaml") {
				f.Add(file.Data)
				seeds++
			}
		}
	}
	if seeds < 10 {
		f.Fatalf("only %d seeds found", seeds)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		s, err := schema.Parse(fuzzFile, src)
		s2, err2 := schema.Parse(fuzzFile, src)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("not deterministic:\n%v\n---\n%v", err, err2)
		}
		if err == nil {
			if s == nil || len(s.Tables) != 1 || s2 == nil {
				t.Fatalf("no error but schema %+v", s)
			}
			checkInvariants(t, s)
			return
		}
		if s != nil {
			t.Fatal("both a schema and an error")
		}
		var list schema.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error is not a non-empty ErrorList: %T %v", err, err)
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !errorLine.MatchString(line) {
				t.Fatalf("error line %q does not start with file:line:col: ", line)
			}
		}
	})
}
