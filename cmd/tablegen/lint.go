package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/tablegen/tablegen/internal/gen"
)

func init() {
	register(&command{
		name:    "lint",
		usage:   "tablegen lint [-schemas DIR]",
		summary: "Validate the schemas without writing anything: exit 0 when they are valid, 1 with one file:line:col error per line when not.",
		example: "tablegen lint -schemas schemas",
		run:     runLint,
	})
}

func runLint(args []string, stdout, stderr io.Writer) int {
	c := commands["lint"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	fs := newFlags(c)
	dir := schemasFlag(fs, proj)
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	s, err := proj.loadSchemas(*dir)
	if err != nil {
		printErr(stderr, err)
		return 1
	}
	if err := proj.cfg.CheckGoTypes(s); err != nil {
		printErr(stderr, err)
		return 1
	}
	// The generator's own checks (Go name collisions between tables) are part
	// of "valid": run it without writing.
	opts, err := proj.genOptions(proj.out())
	if err != nil {
		opts.ImportPath = "lint.invalid/generated" // lint needs no module
	}
	if _, err := gen.Generate(s, opts); err != nil {
		printErr(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "tablegen lint: %d %s in %s, no errors\n", len(s.Tables), breakingPlural(len(s.Tables), "table", "tables"), filepath.ToSlash(*dir))
	return 0
}
