package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tablegen/tablegen/internal/jsonschema"
)

func init() {
	register(&command{
		name:    "jsonschema",
		usage:   "tablegen jsonschema [-o FILE]",
		summary: "Print the JSON Schema of the table language, for editor completion and validation (yaml-language-server); with -o FILE, write it to FILE and the schema of tablegen.yaml next to it (" + jsonschema.ConfigFileName + ").",
		example: "tablegen jsonschema -o schemas/tablegen.schema.json",
		run:     runJSONSchema,
	})
}

// runJSONSchema is the `tablegen jsonschema` command: it prints the JSON
// Schema of the table language, or writes it to -o FILE (which is how
// `go generate` refreshes the committed schemas/tablegen.schema.json, since
// go:generate lines cannot redirect output).
func runJSONSchema(args []string, stdout, stderr io.Writer) int {
	c := commands["jsonschema"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	fset := newFlags(c)
	out := fset.String("o", proj.jsonSchema(), "write the schema to `FILE` (and the one of tablegen.yaml next to it); - or empty: standard output")
	if code, ok := parseFlags(c, fset, args, stdout, stderr); !ok {
		return code
	}
	doc := jsonschema.Generate()
	if *out == "" || *out == "-" {
		if _, err := stdout.Write(doc); err != nil {
			fmt.Fprintf(stderr, "tablegen jsonschema: %v\n", err)
			return 1
		}
		return 0
	}
	for _, f := range jsonSchemaFiles(*out) {
		if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
			fmt.Fprintf(stderr, "tablegen jsonschema: writing the schema: %v\n", err)
			return 1
		}
	}
	return 0
}

// schemaFile is one JSON Schema file tablegen writes.
type schemaFile struct {
	path string
	data []byte
}

// jsonSchemaFiles are the files `tablegen jsonschema -o FILE` writes: the
// table schema at FILE and the schema of tablegen.yaml next to it.
func jsonSchemaFiles(file string) []schemaFile {
	return []schemaFile{
		{file, jsonschema.Generate()},
		{filepath.FromSlash(jsonschema.ConfigPath(filepath.ToSlash(file))), jsonschema.GenerateConfig()},
	}
}
