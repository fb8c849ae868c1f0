package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/tablegen/tablegen/internal/jsonschema"
	"github.com/tablegen/tablegen/internal/schema"
)

func init() {
	register(&command{
		name:    "init",
		usage:   "tablegen init [-schemas DIR] [-out DIR] [-docs DIR] [-jsonschema FILE]",
		summary: "Write a commented tablegen.yaml at the module root (the directory of go.mod), so every other command runs without flags; never overwrites one.",
		example: "tablegen init -out internal/db",
		run:     runInit,
	})
}

func runInit(args []string, stdout, stderr io.Writer) int {
	c := commands["init"]
	def := schema.DefaultConfig()
	fset := newFlags(c)
	schemas := fset.String("schemas", def.Schemas, "read the tables from `DIR`/<namespace>/<table>.yaml (relative to the module root)")
	out := fset.String("out", def.Out, "write the generated Go to `DIR` (relative to the module root)")
	docs := fset.String("docs", "docs/schema", "write the Markdown reference to `DIR` (empty: none)")
	jsonSchema := fset.String("jsonschema", "", "write the editor JSON Schema to `FILE` (default: DIR/tablegen.schema.json in the schemas directory; empty after -jsonschema=: none)")
	if code, ok := parseFlags(c, fset, args, stdout, stderr); !ok {
		return code
	}
	js := *jsonSchema
	setJS := false
	fset.Visit(func(f *flag.Flag) { setJS = setJS || f.Name == "jsonschema" })
	if !setJS {
		js = path.Join(filepath.ToSlash(*schemas), jsonSchemaFile)
	}
	root, err := moduleRoot(".")
	if err != nil {
		fmt.Fprintf(stderr, "tablegen init: %v\n", err)
		return 1
	}
	src := initConfig(filepath.ToSlash(*schemas), filepath.ToSlash(*out), filepath.ToSlash(*docs), js)
	if _, err := schema.ParseConfig(schema.ConfigFile, src); err != nil {
		return usageError(c, fset, stderr, "the flags do not make a valid %s:\n%v", schema.ConfigFile, err)
	}
	p := filepath.Join(root, schema.ConfigFile)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		fmt.Fprintf(stderr, "tablegen init: %s already exists; tablegen init never overwrites it: edit it, or delete it first to start over\n", relToWD(p))
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "tablegen init: %v\n", err)
		return 1
	}
	if _, err := f.Write(src); err != nil {
		f.Close()
		fmt.Fprintf(stderr, "tablegen init: writing %s: %v\n", p, err)
		return 1
	}
	if err := f.Close(); err != nil {
		fmt.Fprintf(stderr, "tablegen init: writing %s: %v\n", p, err)
		return 1
	}
	fmt.Fprintf(stdout, "created %s\n", relToWD(p))
	if js != "" {
		fmt.Fprintf(stdout, "next: tablegen jsonschema (editor completion for tables and for %s), then tablegen new NS.TABLE\n", schema.ConfigFile)
	} else {
		fmt.Fprintln(stdout, "next: tablegen new NS.TABLE")
	}
	return 0
}

// moduleRoot is the directory of the go.mod that encloses dir.
func moduleRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or a parent; tablegen.yaml lives at a module root, so run go mod init first", abs)
		}
	}
}

// initConfig is the tablegen.yaml `tablegen init` writes.
func initConfig(schemas, out, docs, js string) []byte {
	var b strings.Builder
	if js != "" {
		fmt.Fprintf(&b, "# yaml-language-server: $schema=%s\n#\n", jsonschema.ConfigPath(js))
	}
	b.WriteString(`# tablegen.yaml: where every tablegen command reads and writes. tablegen finds
# it like go finds go.mod; flags (-schemas, -out, ...) override each value.
# Paths are relative to this file's directory.

# The tables: <namespace>/<table>.yaml files, and the lock file tablegen.lock.
`)
	fmt.Fprintf(&b, "schemas: %s\n\n", schemas)
	b.WriteString("# The generated Go: package <namespace> goes to <out>/<namespace>.\n")
	fmt.Fprintf(&b, "out: %s\n", out)
	b.WriteString("# Its import path; derived from go.mod when left out.\n# package: example.com/app/" + out + "\n\n")
	b.WriteString("# The Markdown reference `tablegen docs` writes and `tablegen check` compares.\n")
	if docs != "" {
		fmt.Fprintf(&b, "docs: %s\n\n", docs)
	} else {
		b.WriteString("# docs: docs/schema\n\n")
	}
	b.WriteString("# The JSON Schema for editors (the one of this file goes next to it).\n")
	if js != "" {
		fmt.Fprintf(&b, "jsonschema: %s\n\n", js)
	} else {
		b.WriteString("# jsonschema: schemas/tablegen.schema.json\n\n")
	}
	b.WriteString(`# Whether generated packages include their _test.go files.
tests: true

# json tags on entity fields: the column names (snake, the default) or their
# lowerCamelCase (camel); json: false leaves the tags out.
json: {tags: true, naming: snake}

# A column's Go type instead of the default: a named type whose underlying type
# is the column's Go type (type Cents int64 for an int64 column); keys and index
# columns keep theirs. See docs/go-types.md.
# go_types:
#   billing.invoices.amount: example.com/money.Cents
`)
	return []byte(b.String())
}
