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
	"strings"

	"github.com/pmezard/go-difflib/difflib"

	"github.com/tablegen/tablegen/internal/docs"
)

func init() {
	register(&command{
		name:    "check",
		usage:   "tablegen check [-schemas DIR] [-out DIR] [-docs DIR] [-jsonschema FILE]",
		summary: "Regenerate in memory and compare with the output directory and the lock file (and, when named, the docs pages and the JSON Schema): exit 0 when identical, 1 with a diff when stale, 2 on usage errors and when the schemas do not load. This is the CI codegen check.",
		example: "tablegen check\ntablegen check -schemas schemas -out generated -docs docs/schema -jsonschema schemas/tablegen.schema.json",
		run:     runCheck,
	})
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	c := commands["check"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	fs := newFlags(c)
	var d dirFlags
	d.define(fs, proj, "compare with the generated code in `DIR`")
	docsDir := fs.String("docs", proj.docs(), "also compare the Markdown pages in `DIR` with what tablegen docs writes (empty: skip)")
	schemaFile := fs.String("jsonschema", proj.jsonSchema(), "also compare `FILE` with what tablegen jsonschema writes (empty: skip)")
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
	found := func() int { return len(stale) + len(missing) + len(extra) }
	compare(d.out, files, old)
	lockPath := filepath.ToSlash(lock.path)
	switch {
	case lock.have == nil:
		missing = append(missing, lockPath)
	case lock.stale():
		stale = append(stale, lockPath)
		fmt.Fprint(stdout, unifiedDiff(lockPath, lock.have, lock.want))
	}
	var redo fixes
	redo.generate = found() > 0
	if *docsDir != "" {
		want, err := docs.Generate(s, docsOptions(proj, d.out))
		if err != nil {
			fmt.Fprintf(stderr, "tablegen check: docs: %v\n", err)
			return 2
		}
		have, err := existingPages(*docsDir)
		if err != nil {
			fmt.Fprintf(stderr, "tablegen check: reading %s: %v\n", *docsDir, err)
			return 2
		}
		before := found()
		compare(filepath.ToSlash(*docsDir), want, have)
		redo.docs = found() > before
	}
	if *schemaFile != "" {
		before := found()
		for _, f := range jsonSchemaFiles(*schemaFile) {
			name := filepath.ToSlash(f.path)
			have, err := os.ReadFile(f.path)
			switch {
			case errors.Is(err, iofs.ErrNotExist):
				missing = append(missing, name)
			case err != nil:
				fmt.Fprintf(stderr, "tablegen check: %v\n", err)
				return 2
			case !bytes.Equal(have, f.data):
				stale = append(stale, name)
				fmt.Fprint(stdout, unifiedDiff(name, have, f.data))
			}
		}
		redo.jsonSchema = found() > before
	}
	if len(stale)+len(missing)+len(extra) == 0 {
		also := ""
		if *docsDir != "" {
			also += ", " + filepath.ToSlash(*docsDir)
		}
		if *schemaFile != "" {
			also += ", " + filepath.ToSlash(*schemaFile)
		}
		fmt.Fprintf(stdout, "tablegen check: %d %s; %s (%d files), %s%s are up to date\n", len(s.Tables), breakingPlural(len(s.Tables), "table", "tables"), filepath.ToSlash(d.out), len(files), lockPath, also)
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
	fmt.Fprintf(stdout, "tablegen check: %d %s out of date; run %s and commit the result\n", found(), breakingPlural(found(), "file is", "files are"), fixCommand(proj, &d, redo, *docsDir, *schemaFile))
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

// fixCommand is the command that repairs what check found stale: the
// commands that write each checked output, with the flags that differ from
// tablegen.yaml. Suggesting `go generate ./...` would be wrong in a module
// whose go:generate lines do not run tablegen.
func fixCommand(p *project, d *dirFlags, redo fixes, docsDir, schemaFile string) string {
	flagIf := func(name, v, def string) string {
		if filepath.Clean(v) == filepath.Clean(def) {
			return ""
		}
		return " -" + name + " " + v
	}
	var cmds []string
	if redo.generate {
		cmds = append(cmds, "tablegen generate"+flagIf("schemas", d.schemas, p.schemas())+flagIf("out", d.out, p.out()))
	}
	if redo.docs {
		cmds = append(cmds, "tablegen docs"+flagIf("schemas", d.schemas, p.schemas())+flagIf("out", docsDir, p.docs()))
	}
	if redo.jsonSchema {
		cmds = append(cmds, "tablegen jsonschema"+flagIf("o", schemaFile, p.jsonSchema()))
	}
	return "`" + strings.Join(cmds, "` and `") + "`"
}

// fixes are the outputs check found stale, by the command that writes them.
type fixes struct{ generate, docs, jsonSchema bool }
