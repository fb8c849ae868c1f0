package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/load"
)

func init() {
	register(&command{
		name:  "load",
		usage: "tablegen load -db DIR [-schemas DIR] NS.TABLE -from FILE [-format ndjson|csv]",
		summary: "Load rows from an NDJSON or CSV file (the forms inspect writes) into a table, every value checked " +
			"against the YAML; a bad value is reported as file:line:column and a failed load writes nothing.",
		example: "tablegen inspect -db ./old system.jobs -format json > jobs.ndjson\n" +
			"tablegen load -db ./new system.jobs -from jobs.ndjson",
		run: runLoad,
	})
}

func runLoad(args []string, stdout, stderr io.Writer) int {
	c := commands["load"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	var db, schemas, from, format string
	fs := newFlags(c)
	fs.StringVar(&db, "db", "", "load into the database in `DIR` (required; created if missing)")
	fs.StringVar(&schemas, "schemas", proj.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml")
	fs.StringVar(&from, "from", "", "load the rows of `FILE` (required); user and stream tables need an owner field or column")
	fs.StringVar(&format, "format", "", "read FILE as `FORMAT`: ndjson or csv (default: from the file's extension, .csv or else ndjson)")
	positional, code, ok := parseInterspersed(c, fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if format == "" {
		format = "ndjson"
		if strings.EqualFold(filepath.Ext(from), ".csv") {
			format = "csv"
		}
	}
	switch {
	case len(positional) != 1:
		return usageError(c, fs, stderr, "want exactly one table name NS.TABLE, got %d arguments", len(positional))
	case db == "" || from == "":
		return usageError(c, fs, stderr, "-db and -from are required")
	case !slices.Contains([]string{"ndjson", "csv"}, format):
		return usageError(c, fs, stderr, "-format %q is not ndjson or csv", format)
	}
	n, err := loadFile(positional[0], db, schemas, from, format)
	if err != nil {
		printErr(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "loaded %d rows into %s\n", n, positional[0])
	return 0
}

func loadFile(name, dbDir, schemas, from, format string) (int, error) {
	s, err := schema.Load(schemas)
	if err != nil {
		return 0, err
	}
	t, err := findTable(s, name)
	if err != nil {
		return 0, err
	}
	f, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	db, err := openLocal(dbDir, nil) // default options: every commit synced
	if err != nil {
		return 0, err
	}
	ld, err := load.New(db, t.Layout())
	if err != nil {
		_ = db.Close()
		return 0, err
	}
	read := ld.NDJSON
	if format == "csv" {
		read = ld.CSV
	}
	n, err := read(from, f)
	if cerr := db.Close(); err == nil && cerr != nil {
		return 0, cerr
	}
	return n, err
}
