package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/tablegen/tablegen/internal/docs"
	"github.com/tablegen/tablegen/internal/jsonschema"
)

func init() {
	register(&command{
		name:    "check",
		usage:   "tablegen check [-schemas DIR] [-out DIR] [-docs DIR] [-jsonschema FILE]",
		summary: "Regenerate in memory and compare with the output directory and the lock file (and, when named, the docs pages and the JSON Schema): exit 0 when identical, 1 with a diff when stale, 2 on usage or schema errors. This is the CI codegen check.",
		example: "tablegen check -schemas schemas -out generated -docs docs/schema -jsonschema schemas/tablegen.schema.json",
		run:     runCheck,
	})
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	c := commands["check"]
	fs := newFlags(c)
	var d dirFlags
	fs.StringVar(&d.schemas, "schemas", "schemas", "directory of `<namespace>/<table>.yaml` files")
	fs.StringVar(&d.out, "out", "generated", "output directory to compare against")
	docsDir := fs.String("docs", "", "also compare the pages `tablegen docs` writes to `DIR` (empty: skip)")
	schemaFile := fs.String("jsonschema", "", "also compare the JSON Schema `tablegen jsonschema` writes to `FILE` (empty: skip)")
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	s, files, lock, ok := d.load(stderr)
	if !ok {
		return 2
	}
	old, err := existing(d.out)
	if err != nil {
		fmt.Fprintf(stderr, "tablegen check: reading %s: %v\n", d.out, err)
		return 2
	}
	var stale, missing, extra []string
	compare := func(dir string, want, have map[string][]byte) {
		for _, name := range sortedKeys(want) {
			prev, ok := have[name]
			switch {
			case !ok:
				missing = append(missing, path.Join(dir, name))
			case !bytes.Equal(prev, want[name]):
				stale = append(stale, path.Join(dir, name))
				fmt.Fprint(stdout, unifiedDiff(path.Join(dir, name), prev, want[name]))
			}
		}
		for _, name := range sortedKeys(have) {
			if _, ok := want[name]; !ok {
				extra = append(extra, path.Join(dir, name))
			}
		}
	}
	compare(d.out, files, old)
	lockPath := filepath.ToSlash(lock.path)
	switch {
	case lock.have == nil:
		missing = append(missing, lockPath)
	case lock.stale():
		stale = append(stale, lockPath)
		fmt.Fprint(stdout, unifiedDiff(lockPath, lock.have, lock.want))
	}
	if *docsDir != "" {
		want, err := docs.Generate(s)
		if err != nil {
			fmt.Fprintf(stderr, "tablegen check: docs: %v\n", err)
			return 2
		}
		have, err := existingPages(*docsDir)
		if err != nil {
			fmt.Fprintf(stderr, "tablegen check: reading %s: %v\n", *docsDir, err)
			return 2
		}
		compare(filepath.ToSlash(*docsDir), want, have)
	}
	if *schemaFile != "" {
		name := filepath.ToSlash(*schemaFile)
		have, err := os.ReadFile(*schemaFile)
		switch {
		case errors.Is(err, iofs.ErrNotExist):
			missing = append(missing, name)
		case err != nil:
			fmt.Fprintf(stderr, "tablegen check: %v\n", err)
			return 2
		case !bytes.Equal(have, jsonschema.Generate()):
			stale = append(stale, name)
			fmt.Fprint(stdout, unifiedDiff(name, have, jsonschema.Generate()))
		}
	}
	if len(stale)+len(missing)+len(extra) == 0 {
		fmt.Fprintf(stdout, "tablegen: %s and %s are up to date (%d files)\n", d.out, lockPath, len(files))
		return 0
	}
	list := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		fmt.Fprintf(stdout, "%s:\n", what)
		for _, n := range names {
			fmt.Fprintf(stdout, "\t%s\n", n)
		}
	}
	list("stale (differs from what the schemas generate)", stale)
	list("missing (tablegen generates it; it is not there)", missing)
	list("extra (generated header, but no table generates it any more)", extra)
	fmt.Fprintf(stdout, "tablegen: %s is out of date; run `go generate ./...` (or tablegen generate) and commit the result\n", d.out)
	return 1
}

// unifiedDiff is a unified diff of a file on disk (old) against what the
// generator produces now (new), with three lines of context.
func unifiedDiff(name string, old, new []byte) string {
	text, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A:        difflib.SplitLines(string(old)),
		B:        difflib.SplitLines(string(new)),
		FromFile: name + " (on disk)",
		ToFile:   name + " (generated)",
		Context:  3,
	})
	if err != nil {
		// difflib only fails writing to its buffer, which cannot fail.
		return fmt.Sprintf("--- %s differs (diff unavailable: %v)\n", name, err)
	}
	return text
}

// existingPages returns the Markdown pages in dir that `tablegen docs` wrote
// (those that start with its header), keyed by file name. A missing dir is
// empty, so check reports every page as missing.
func existingPages(dir string) (map[string][]byte, error) {
	pages := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, iofs.ErrNotExist) {
		return pages, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".md" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if bytes.HasPrefix(b, []byte(docsHeader)) {
			pages[e.Name()] = b
		}
	}
	return pages, nil
}
