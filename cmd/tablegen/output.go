package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/gen"
	"github.com/tablegen/tablegen/internal/schema"
)

// dirFlags are the -schemas and -out flags shared by generate and check,
// with the project they default from.
type dirFlags struct {
	proj         *project
	schemas, out string
}

// define adds -schemas and -out to fs, defaulting to tablegen.yaml's.
func (d *dirFlags) define(fs *flag.FlagSet, p *project, outUsage string) {
	d.proj = p
	fs.StringVar(&d.schemas, "schemas", p.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml")
	fs.StringVar(&d.out, "out", p.out(), outUsage)
}

// load reads and validates the schemas and generates every file in memory.
// Schema and generator errors are printed to stderr, one per line.
// It also reads the lock file and refuses schemas that reuse retired ids.
func (d *dirFlags) load(stderr io.Writer) (*schema.Schema, map[string][]byte, *lockFile, bool) {
	s, err := d.proj.loadSchemas(d.schemas)
	if err != nil {
		printErr(stderr, err)
		return nil, nil, nil, false
	}
	if err := d.proj.cfg.CheckGoTypes(s); err != nil {
		printErr(stderr, err)
		return nil, nil, nil, false
	}
	lock, ok := readLock(d.schemas, s, stderr)
	if !ok {
		return nil, nil, nil, false
	}
	opts, err := d.proj.genOptions(d.out)
	if err != nil {
		fmt.Fprintf(stderr, "tablegen: %v\n", err)
		return nil, nil, nil, false
	}
	files, err := gen.Generate(s, opts)
	if err != nil {
		printErr(stderr, err)
		return nil, nil, nil, false
	}
	return s, files, lock, true
}

// printErr prints err; an ErrorList is already one "file:line:col: msg" per
// line, like compiler output.
func printErr(w io.Writer, err error) {
	var list schema.ErrorList
	if errors.As(err, &list) {
		fmt.Fprintln(w, list.Error())
		fmt.Fprintf(w, "%d error(s)\n", len(list))
		return
	}
	fmt.Fprintf(w, "tablegen: %v\n", err)
}

// existing returns the generated files under out (those that start with the
// generated header), keyed by slash-separated path relative to out. Other
// files are not tablegen's and are left alone. A missing out is empty.
func existing(out string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == out {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !bytes.HasPrefix(data, []byte(gen.Header+"\n")) {
			return nil
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	return files, err
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
