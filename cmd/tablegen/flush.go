package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/tablegen/tablegen/internal/layout"
	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
	"github.com/tablegen/tablegen/runtime/where"
)

func init() {
	register(&command{
		name:  "flush",
		usage: "tablegen flush (-db DIR -to DIR [-schemas DIR] [-owner ID] [-older-than D] [-time-column COL] [-keep-newest N] [-where EXPR] [-quarantine DIR] NS.TABLE... | -addr HOST:PORT [-token T] NS.TABLE)",
		summary: "Move a table's hot rows from a database to Parquet files (Hive layout, with a manifest), " +
			"crash-safely, reading the YAML instead of generated code; recovers an interrupted flush first. " +
			"Tables declared flush: never are refused, or skipped when several tables are named.",
		example: "tablegen flush -db ./data -to ./cold chat.messages -older-than 720h -time-column sent_at\n" +
			"tablegen flush -db ./data -to ./cold chat.messages chat.conversations -keep-newest 100\n" +
			"TABLEGEN_TOKEN=... tablegen flush -addr 127.0.0.1:8815 chat.messages",
		run: runFlush,
	})
}

// The memory a flush process gives Pebble. A flush reads the table once
// through a snapshot, in key order, and writes only the deletions of the
// rows it moved, so unlike a service it gains nothing from the store's
// defaults (a 64 MiB cache plus three 64 MiB memtables charged to it): with
// them a flush of the bench table's 1M rows peaked at ~390 MiB of RSS, with
// these (Pebble's own memtable default) at ~200 MiB in the same time
// (scripts/flush-rss.sh, BENCHMARKS.md).
const (
	defaultFlushCacheMiB    = 16
	defaultFlushMemTableMiB = 4
	// maxFlushMiB bounds -cache-mib and -memtable-mib (1 TiB), far above
	// any machine's memory, so that the byte counts cannot overflow.
	maxFlushMiB = 1 << 20
)

// flushFlags are flush's options; flags and the table name may come in
// any order.
type flushFlags struct {
	proj                   *project // tablegen.yaml, for the defaults and file names
	db, to, schemas, owner string
	quarantine             string
	ownerSet               bool
	partitionByOwner       bool
	rowGroup               int64
	dictionary             string
	zstdLevel              int
	cacheMiB, memTableMiB  int
	remote                 remoteFlags
	// The selection: which hot rows go cold (all when none is set).
	olderThan         time.Duration
	timeColumn, where string
	keepNewest        int
}

func runFlush(args []string, stdout, stderr io.Writer) int {
	c := commands["flush"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	o := flushFlags{proj: proj}
	fs := newFlags(c)
	fs.StringVar(&o.db, "db", "", "read the database in `DIR` (required)")
	fs.StringVar(&o.to, "to", "", "write the Parquet files under `DIR`/<ns>/<table>/ (required)")
	fs.StringVar(&o.schemas, "schemas", proj.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml")
	fs.Func("owner", "flush only the rows of owner `ID` (user and stream tables)", func(s string) error {
		o.owner, o.ownerSet = s, true
		return nil
	})
	fs.DurationVar(&o.olderThan, "older-than", 0, "flush only rows older than `DURATION` (e.g. 720h) by -time-column, or by the row id's time when the key is one int64 row id column; the others stay hot")
	fs.StringVar(&o.timeColumn, "time-column", "", "the timestamp `COLUMN` that dates a row for -older-than and -keep-newest")
	fs.IntVar(&o.keepNewest, "keep-newest", 0, "keep the newest `N` rows of each owner (of the table, for system and shared tables) hot: newest by -time-column, else by key order")
	fs.StringVar(&o.where, "where", "", "flush only the rows `EXPR` selects (the filter syntax of inspect -where)")
	fs.Int64Var(&o.rowGroup, "row-group", flush.DefaultRowGroupSize, "write `N` rows per Parquet row group")
	fs.StringVar(&o.dictionary, "dictionary", "strings", "dictionary-encode the columns in `SET`: strings (string, enum and json columns), all, or none")
	fs.IntVar(&o.zstdLevel, "zstd-level", flush.DefaultZstdLevel, "compress with ZSTD `LEVEL`, 1 (fastest) to 22 (smallest files)")
	fs.BoolVar(&o.partitionByOwner, "partition-by-owner", false, "write each owner's rows of a user or stream table to its own file under owner-dir=<owner>/ (a per-user export) instead of multi-owner files")
	fs.IntVar(&o.cacheMiB, "cache-mib", defaultFlushCacheMiB, "give Pebble's block cache `N` MiB (store.Options.CacheSize); a flush reads each block once, in key order, so a bigger cache only adds to the process's memory")
	fs.IntVar(&o.memTableMiB, "memtable-mib", defaultFlushMemTableMiB, "give each of Pebble's memtables `N` MiB (store.Options.MemTableSize); they hold the deletions of the flushed hot rows, and three of them are charged to the cache")
	fs.StringVar(&o.quarantine, "quarantine", "", "move rows whose stored value does not decode to files under `DIR` (raw key and value, fsynced) and delete them, instead of stopping at the first")
	o.remote.register(fs)
	positional, code, ok := parseInterspersed(c, fs, args, stdout, stderr)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int { return usageError(c, fs, stderr, format, a...) }
	switch {
	case len(positional) == 0:
		return usageErr("want a table name NS.TABLE (or several)")
	case o.remote.addr != "" && (o.db != "" || o.to != "" || o.ownerSet || o.olderThan != 0 || o.where != "" || o.keepNewest != 0 || o.timeColumn != "" || o.quarantine != ""):
		return usageErr("-addr asks the running service to flush with its own policy and cold root; drop -db, -to, -owner, -older-than, -time-column, -keep-newest, -where and -quarantine")
	case o.remote.addr != "" && len(positional) != 1:
		return usageErr("-addr flushes one table; want exactly one table name NS.TABLE, got %d arguments", len(positional))
	case o.remote.addr != "":
		if err := flushRemote(positional[0], &o.remote, stdout); err != nil {
			printErr(stderr, err)
			return 1
		}
		return 0
	case o.db == "":
		return usageErr("-db is required: the directory of the database to flush from")
	case o.to == "":
		return usageErr("-to is required: the directory the Parquet files go to")
	case o.ownerSet && o.owner == "":
		return usageErr("-owner is empty; name the owner whose rows to flush, or leave -owner out to flush every owner")
	case o.olderThan < 0:
		return usageErr("-older-than %s is negative", o.olderThan)
	case o.keepNewest < 0:
		return usageErr("-keep-newest %d is negative", o.keepNewest)
	case o.timeColumn != "" && o.olderThan == 0 && o.keepNewest == 0:
		return usageErr("-time-column dates rows for -older-than and -keep-newest; add one of them or drop -time-column")
	case o.rowGroup <= 0:
		return usageErr("-row-group %d must be positive", o.rowGroup)
	case o.zstdLevel < 1 || o.zstdLevel > 22:
		return usageErr("-zstd-level %d is outside 1..22", o.zstdLevel)
	case o.cacheMiB < 1 || o.cacheMiB > maxFlushMiB:
		return usageErr("-cache-mib %d is outside 1..%d", o.cacheMiB, maxFlushMiB)
	case o.memTableMiB < 1 || o.memTableMiB > maxFlushMiB:
		return usageErr("-memtable-mib %d is outside 1..%d", o.memTableMiB, maxFlushMiB)
	}
	if _, ok := dictionaries[o.dictionary]; !ok {
		return usageErr("-dictionary %q: want strings, all or none", o.dictionary)
	}
	if err := flushTables(context.Background(), positional, &o, stdout); err != nil {
		printErr(stderr, err)
		return 1
	}
	return 0
}

// flushTables flushes each named table in turn. One table declared
// flush: never is refused by the executor; among several, such tables are
// skipped, and the summary names them.
func flushTables(ctx context.Context, names []string, o *flushFlags, stdout io.Writer) error {
	s, err := o.proj.loadSchemas(o.schemas)
	if err != nil {
		return err
	}
	tables := make([]*schema.Table, len(names))
	for i, name := range names {
		if tables[i], err = findTable(s, name); err != nil {
			return err
		}
		// Refused before any table is flushed.
		if o.ownerSet && !tables[i].Kind.OwnerScoped() {
			return fmt.Errorf("%s is a %s table: it has no owners; drop -owner", name, tables[i].Kind)
		}
	}
	if len(tables) == 1 {
		return flushTable(ctx, names[0], tables[0], o, stdout)
	}
	var flushed, skipped []string
	for i, t := range tables {
		if t.NeverFlush {
			skipped = append(skipped, names[i])
			continue
		}
		if err := flushTable(ctx, names[i], t, o, stdout); err != nil {
			return err
		}
		flushed = append(flushed, names[i])
	}
	fmt.Fprintf(stdout, "flushed %d of %d tables", len(flushed), len(names))
	if len(skipped) > 0 {
		fmt.Fprintf(stdout, "; skipped %s: declared flush: never (set flush: allowed in the YAML to flush them)", strings.Join(skipped, ", "))
	}
	fmt.Fprintln(stdout)
	return nil
}

func flushTable(ctx context.Context, name string, t *schema.Table, o *flushFlags, stdout io.Writer) error {
	l := t.Layout()
	if fi, err := os.Stat(o.db); err != nil || !fi.IsDir() {
		return fmt.Errorf("no database directory at %s: pass the -db the service writes to", o.db)
	}
	db, err := openLocal(o.db, &store.Options{
		NoSync:       true,
		CacheSize:    int64(o.cacheMiB) << 20,
		MemTableSize: uint64(o.memTableMiB) << 20,
	})
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := scan.NewProvider(db, &l, scan.Options{Docs: layout.Docs(t)})
	if err != nil {
		return err
	}
	bar := newFlushBar(stdout)
	e, err := flush.New(db, o.to, &flush.Options{
		RowGroupSize: o.rowGroup, Dictionary: dictionaries[o.dictionary], CompressionLevel: o.zstdLevel,
		Progress: bar.progress, Quarantine: o.quarantine, PartitionByOwner: o.partitionByOwner,
	})
	if err != nil {
		return err
	}
	rec, err := e.Recover(p)
	if err != nil {
		return err
	}
	if len(rec.Removed) > 0 || len(rec.Finished) > 0 {
		fmt.Fprintf(stdout, "recovered %s: removed %d leftover files, finished %d interrupted segments (%d hot rows deleted)\n", name, len(rec.Removed), len(rec.Finished), rec.Deleted)
	}
	if o.ownerSet {
		p = p.WithScope(keyenc.AppendString(nil, o.owner))
	}
	if bar.tty {
		total, err := e.HotRows(ctx, p)
		if err != nil {
			return err
		}
		bar.start(total)
	}
	sel, err := o.selection()
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := e.FlushSelect(ctx, p, sel)
	bar.finish()
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	what := name
	if o.ownerSet {
		what += " owner " + o.owner
	}
	for _, q := range res.Quarantined {
		fmt.Fprintf(stdout, "quarantined a damaged row of %s: %s\n", name, q)
	}
	if res.Rows == 0 {
		if sel.OlderThan > 0 || sel.KeepNewest > 0 || sel.Where != nil {
			fmt.Fprintf(stdout, "flushed %s: no hot row selected, nothing written\n", what)
			return nil
		}
		fmt.Fprintf(stdout, "flushed %s: no hot rows, nothing written\n", what)
		return nil
	}
	fmt.Fprintf(stdout, "flushed %s: %d rows to %d files (%s) under %s in %s (%.0f rows/s); %d hot rows deleted, %d changed during the flush and stay hot\n",
		what, res.Rows, len(res.Segments), byteSize(res.Bytes), e.TableDir(&l), elapsed.Round(time.Millisecond),
		float64(res.Rows)/max(elapsed.Seconds(), 1e-9), res.Deleted, res.Rows-res.Deleted)
	return nil
}

// flushRemote asks the endpoint at r.addr to flush table.
func flushRemote(table string, r *remoteFlags, stdout io.Writer) error {
	c, err := r.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Flush(context.Background(), table)
	if err != nil {
		return fmt.Errorf("flush through %s: %w", r.addr, err)
	}
	if res.Rows == 0 {
		fmt.Fprintf(stdout, "flushed %s through %s: no hot rows, nothing written\n", table, r.addr)
		return nil
	}
	fmt.Fprintf(stdout, "flushed %s through %s: %d rows to %d files (%s)\n", table, r.addr, res.Rows, res.Files, byteSize(res.Bytes))
	return nil
}

// selection is the executor's selection of -older-than, -time-column,
// -keep-newest and -where (ANDed).
func (o *flushFlags) selection() (flush.Select, error) {
	sel := flush.Select{OlderThan: o.olderThan, TimeColumn: o.timeColumn, KeepNewest: o.keepNewest}
	if o.where != "" {
		w, err := where.Parse(o.where)
		if err != nil {
			return sel, fmt.Errorf("-where: %w", err)
		}
		sel.Where = w
	}
	return sel, nil
}

// dictionaries maps -dictionary's values to the executor's choices.
var dictionaries = map[string]flush.Dictionary{
	"strings": flush.DictionaryStrings,
	"all":     flush.DictionaryAll,
	"none":    flush.DictionaryNone,
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// flushBar shows a progress bar (rows, rows/s, ETA) when stdout is a
// terminal, and nothing otherwise: scripts get the one summary line.
type flushBar struct {
	tty  bool
	w    io.Writer
	bar  *progressbar.ProgressBar
	last int64
}

func newFlushBar(w io.Writer) *flushBar {
	return &flushBar{tty: isTerminal(w), w: w}
}

func (b *flushBar) start(total int64) {
	b.bar = newRowBar(b.w, "flush", total)
}

func (b *flushBar) progress(rows int64) {
	if b.bar != nil {
		_ = b.bar.Add64(rows - b.last)
		b.last = rows
	}
}

func (b *flushBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
		fmt.Fprintln(b.w)
	}
}
