package main

import (
	"bytes"
	"fmt"
	"io"
	"path"

	"github.com/pmezard/go-difflib/difflib"
)

func init() {
	register(&command{
		name:    "check",
		usage:   "tablegen check [-schemas DIR] [-out DIR]",
		summary: "Regenerate in memory and compare with the output directory: exit 0 when identical, 1 with a diff when stale, 2 on usage or schema errors. This is the CI codegen check.",
		example: "tablegen check -schemas schemas -out generated || echo 'run go generate ./... and commit'",
		run:     runCheck,
	})
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	c := commands["check"]
	fs := newFlags(c)
	var d dirFlags
	fs.StringVar(&d.schemas, "schemas", "schemas", "directory of `<namespace>/<table>.yaml` files")
	fs.StringVar(&d.out, "out", "generated", "output directory to compare against")
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	files, ok := d.load(stderr)
	if !ok {
		return 2
	}
	old, err := existing(d.out)
	if err != nil {
		fmt.Fprintf(stderr, "tablegen check: reading %s: %v\n", d.out, err)
		return 2
	}
	var stale, missing, extra []string
	for _, name := range sortedKeys(files) {
		prev, ok := old[name]
		switch {
		case !ok:
			missing = append(missing, name)
		case !bytes.Equal(prev, files[name]):
			stale = append(stale, name)
			fmt.Fprint(stdout, unifiedDiff(path.Join(d.out, name), prev, files[name]))
		}
	}
	for _, name := range sortedKeys(old) {
		if _, ok := files[name]; !ok {
			extra = append(extra, name)
		}
	}
	if len(stale)+len(missing)+len(extra) == 0 {
		fmt.Fprintf(stdout, "tablegen: %s is up to date (%d files)\n", d.out, len(files))
		return 0
	}
	list := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		fmt.Fprintf(stdout, "%s:\n", what)
		for _, n := range names {
			fmt.Fprintf(stdout, "\t%s\n", path.Join(d.out, n))
		}
	}
	list("stale (differs from what the schemas generate)", stale)
	list("missing (a table generates it; it is not there)", missing)
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
