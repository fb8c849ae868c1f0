package main

import (
	"fmt"
	"io"
	"os"

	"github.com/tablegen/tablegen/internal/jsonschema"
)

func init() {
	register(&command{
		name:    "jsonschema",
		usage:   "tablegen jsonschema [-o FILE]",
		summary: "Print the JSON Schema of the table language, for editor completion and validation (yaml-language-server).",
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
	fset := newFlags(c)
	out := fset.String("o", "", "write the schema to `FILE` instead of standard output")
	if code, ok := parseFlags(c, fset, args, stdout, stderr); !ok {
		return code
	}
	doc := jsonschema.Generate()
	if *out == "" {
		if _, err := stdout.Write(doc); err != nil {
			fmt.Fprintf(stderr, "tablegen jsonschema: %v\n", err)
			return 1
		}
		return 0
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintf(stderr, "tablegen jsonschema: writing the schema: %v\n", err)
		return 1
	}
	return 0
}
