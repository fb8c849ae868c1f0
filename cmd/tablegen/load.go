package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/load"
)

func init() {
	register(&command{
		name:  "load",
		usage: "tablegen load -db DIR [-schemas DIR] NS.TABLE -from FILE [-format ndjson|csv|parquet]",
		summary: "Load rows from an NDJSON, CSV or Parquet file (the forms inspect and flush write) into a table, every value checked " +
			"against the YAML; a bad value is reported as file:line:column (file:row:column for Parquet) and a failed load writes nothing.",
		example: "tablegen inspect -db ./old system.jobs -format json > jobs.ndjson\n" +
			"tablegen load -db ./new system.jobs -from jobs.ndjson\n" +
			"tablegen load -db ./new chat.messages -from cold/chat/messages/owner-dir=alice/seg-1.parquet",
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
	fs.StringVar(&format, "format", "", "read FILE as `FORMAT`: ndjson, csv or parquet (default: from the file's extension: .csv, .parquet, else ndjson)")
	positional, code, ok := parseInterspersed(c, fs, args, stdout, stderr)
	if !ok {
		return code
	}
	if format == "" {
		switch ext := strings.ToLower(filepath.Ext(from)); ext {
		case ".csv", ".parquet":
			format = ext[1:]
		default:
			format = "ndjson"
		}
	}
	switch {
	case len(positional) != 1:
		return usageError(c, fs, stderr, "want exactly one table name NS.TABLE, got %d arguments", len(positional))
	case db == "" || from == "":
		return usageError(c, fs, stderr, "-db and -from are required")
	case !slices.Contains([]string{"ndjson", "csv", "parquet"}, format):
		return usageError(c, fs, stderr, "-format %q is not ndjson, csv or parquet", format)
	}
	n, err := loadFile(positional[0], db, schemas, from, format, stderr)
	if err != nil {
		printErr(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "loaded %d rows into %s\n", n, positional[0])
	return 0
}

// loadFile loads one file; on a terminal stderr it shows a progress bar.
func loadFile(name, dbDir, schemas, from, format string, stderr io.Writer) (int, error) {
	s, err := schema.Load(schemas)
	if err != nil {
		return 0, err
	}
	t, err := findTable(s, name)
	if err != nil {
		return 0, err
	}
	var read func(ld *load.Loader) (int, error)
	total := int64(-1)
	switch format {
	case "parquet":
		// Parquet is opened first, so a file that is not Parquet fails
		// before the database is opened.
		pf, err := file.OpenParquetFile(from, false)
		if err != nil {
			return 0, fmt.Errorf("%s: not a readable Parquet file: %w", from, err)
		}
		defer pf.Close()
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 16 << 10}, memory.DefaultAllocator)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", from, err)
		}
		total = pf.NumRows()
		read = func(ld *load.Loader) (int, error) {
			rr, err := fr.GetRecordReader(context.Background(), nil, nil)
			if err != nil {
				return 0, fmt.Errorf("%s: %w", from, err)
			}
			defer rr.Release()
			return ld.Records(from, rr)
		}
	default:
		f, err := os.Open(from)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		read = func(ld *load.Loader) (int, error) {
			if format == "csv" {
				return ld.CSV(from, f)
			}
			return ld.NDJSON(from, f)
		}
	}
	db, err := openLocal(dbDir, nil) // default options: every commit synced
	if err != nil {
		return 0, err
	}
	ld, err := load.New(db, t.Layout())
	if err != nil {
		_ = db.Close()
		return 0, err
	}
	if isTerminal(stderr) {
		bar := newRowBar(stderr, "load "+name, total)
		ld.Progress = func(rows int) { _ = bar.Set(rows) }
		defer func() { _ = bar.Finish() }()
	}
	n, err := read(ld)
	if cerr := db.Close(); err == nil && cerr != nil {
		return 0, cerr
	}
	return n, err
}
