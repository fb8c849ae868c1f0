// Command instr runs one headline operation of the generated bench store a
// fixed number of times after a fixed setup, so that an instruction count
// of the whole process (valgrind --tool=callgrind) measures the operation
// without the noise of a shared machine: scripts/instructions.sh runs it
// with -ops 0 and -ops N and divides the difference by N.
//
// The setup depends only on -rows and -mode, never on -ops, and every
// input is generated from a fixed seed, so two runs execute the same
// instructions up to the Go runtime's own variation (GC timing, which
// GOGC and GOMAXPROCS=1 keep small).
//
//	instr -mode scan -rows 10000 -ops 3
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/bench"
	benchgen "github.com/tablegen/tablegen/bench/generated/bench"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// The modes: what one op is.
var modes = map[string]string{
	"get":    "1000 point gets by primary key, random ids",
	"insert": "one batch of 1000 new rows (PutIn + Commit, index maintained)",
	"scan":   "full scan to Arrow, all 20 columns, schema-driven provider",
	"scan1":  "full scan to Arrow of 1 of 20 columns (score), schema-driven provider",
	"raw":    "raw Pebble iteration over the table's rows",
	"build":  "raw Pebble iteration + building the 20-column records from pre-decoded rows",
	"lookup": "10 indexed lookups of one category",
	"flush":  "flush every hot row to Parquet (only -ops 0 or 1)",
	"typedscan": "full typed scan through the generated store's Scan, every row decoded into its struct " +
		"(the bench's FullScan of tablegen: its ScanAll)",
	"rawscan": "the same rows read by the hand-written raw store's ScanAll (the bench's FullScan of raw), " +
		"the codec the typed scan is measured against",
	"baseline": "the flush's floor: raw Pebble iteration + a pqarrow write of the table's rows, " +
		"read to Arrow in the flush's Parquet form before the timed part, with the flush's writer settings",
}

func main() {
	mode := flag.String("mode", "scan", "operation to run")
	rows := flag.Int("rows", 10_000, "rows loaded before the operations")
	ops := flag.Int("ops", 1, "times the operation runs after the setup")
	list := flag.Bool("list", false, "list the modes and exit")
	dbdir := flag.String("db", "", "directory of a DB made by -mode create (default: a new temporary one, loaded first)")
	timed := flag.Bool("timed", false, "time the operations on the wall clock and print \"MODE rows=N seconds=S\"; "+
		"with -db, skip generating the rows of the setup, which only the load, get and insert use, so the process's "+
		"peak RSS is the operation's (instruction counts need the same setup in every mode: leave it off there)")
	cache := flag.Int64("cache", 0, "Pebble block cache bytes of the opened DB (store.Options.CacheSize; 0 = the bench's default)")
	memtable := flag.Uint64("memtable", 0, "Pebble memtable bytes of the opened DB (store.Options.MemTableSize; 0 = the bench's default)")
	rowGroup := flag.Int64("rowgroup", 0, "rows per Parquet row group of -mode flush and baseline (flush.Options.RowGroupSize; 0 = its default)")
	readAhead := flag.Int("readahead", 0, "batches -mode flush decodes ahead of its writer (flush.Options.ReadAhead; 0 = its default, -1 = none)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the operations to this file")
	memprofile := flag.String("memprofile", "", "write a heap profile (alloc_space and inuse) after the operations to this file")
	flag.Parse()
	if *list {
		for _, m := range []string{"get", "insert", "scan", "scan1", "raw", "build", "lookup", "flush", "baseline", "typedscan", "rawscan"} {
			fmt.Printf("%s\t%s\n", m, modes[m])
		}
		return
	}
	if err := run(*mode, *rows, *ops, *dbdir, *timed, *cache, *memtable, *rowGroup, *readAhead, *cpuprofile, *memprofile); err != nil {
		fmt.Fprintf(os.Stderr, "instr: %v\n", err)
		os.Exit(1)
	}
}

func run(mode string, nrows, ops int, dbdir string, timed bool, cache int64, memtable uint64, rowGroup int64, readAhead int, cpuprofile, memprofile string) error {
	if _, ok := modes[mode]; !ok && mode != "setup" && mode != "create" {
		return fmt.Errorf("unknown -mode %q; -list shows the modes", mode)
	}
	if mode == "flush" && ops > 1 {
		return fmt.Errorf("-mode flush: -ops must be 0 or 1 (a flush empties the hot table)")
	}
	dir, err := os.MkdirTemp("", "instr")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	create := dbdir == "" || mode == "create"
	if dbdir == "" {
		dbdir = filepath.Join(dir, "db")
	}
	var db *store.DB
	if cache != 0 || memtable != 0 {
		// The bench's options (bench.OpenDB) with a smaller cache: a
		// process that only flushes needs little of it.
		db, err = store.Open(dbdir, &store.Options{NoSync: true, CacheSize: cache, MemTableSize: memtable})
	} else {
		db, err = bench.OpenDB(dbdir)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	s, err := benchgen.NewBenchRowStore(db)
	if err != nil {
		return err
	}
	var load, extra []bench.Row
	if !timed || create || mode == "get" || mode == "insert" || mode == "build" {
		all := bench.MakeRows(nrows+8*bench.BatchSize, 1)
		load, extra = all[:nrows], all[nrows:]
	}
	// The raw store's copy of the rows, for -mode rawscan, lives in a
	// Pebble DB of its own inside the DB directory (Pebble ignores a
	// directory it did not make), so copying the directory copies both. It
	// is opened in every counted mode so that the setup stays the same; a
	// timed run other than rawscan leaves it closed, out of its RSS.
	var raw bench.Store
	if !timed || create || mode == "rawscan" {
		if raw, err = bench.OpenRaw(filepath.Join(dbdir, "raw")); err != nil {
			return err
		}
		defer raw.Close()
	}
	if create {
		// Loading is most of a run's instructions and varies with GC
		// timing; a DB made once and copied per run keeps it out.
		if err := put(db, s, load); err != nil {
			return err
		}
		if err := rawpebble.DB(db).Flush(); err != nil {
			return err
		}
		if err := raw.Load(load); err != nil {
			return err
		}
		if err := raw.Settle(); err != nil {
			return err
		}
		if mode == "create" {
			return nil
		}
	}
	// The generated store as the bench drives it (its Close would close
	// db, which the deferred db.Close does).
	typed, err := bench.TablegenOn(db)
	if err != nil {
		return err
	}
	layout := benchgen.BenchRowSpec().Layout
	schema, err := scan.ArrowSchema(&layout, scan.Docs{})
	if err != nil {
		return err
	}
	schemaDriven, err := scan.NewProvider(db, &layout, scan.Options{Schema: schema})
	if err != nil {
		return err
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 3))
	// Everything any mode needs is set up in every mode, so one -ops 0
	// run is the setup cost of all of them.
	pre := load[:min(len(load), scan.DefaultBatchSize)]
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	fo := flush.Options{RowGroupSize: rowGroup, ReadAhead: readAhead}
	exec, err := flush.New(db, filepath.Join(dir, "cold"), &fo)
	if err != nil {
		return err
	}
	if mode == "insert" && ops > 8 {
		return fmt.Errorf("-mode insert: at most 8 ops")
	}
	var base *baseline
	if mode == "baseline" {
		if base, err = newBaseline(ctx, schemaDriven, &layout, fo, filepath.Join(dir, "baseline.parquet")); err != nil {
			return err
		}
		defer base.release()
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var bytesWritten string // the flush's file size, for -timed
	start := time.Now()
	for op := range ops {
		switch mode {
		case "get":
			for range 1000 {
				if _, err := s.Get(benchgen.BenchRowID(load[rng.IntN(nrows)].ID)); err != nil {
					return err
				}
			}
		case "insert":
			if err := put(db, s, extra[op*bench.BatchSize:(op+1)*bench.BatchSize]); err != nil {
				return err
			}
		case "scan":
			if err := drain(ctx, schemaDriven, scan.Request{}, nrows); err != nil {
				return err
			}
		case "scan1":
			if err := drain(ctx, schemaDriven, scan.Request{Columns: []string{"score"}}, nrows); err != nil {
				return err
			}
		case "raw", "build":
			if err := iterate(db, layout.ID, func(n int) error {
				if mode == "raw" {
					return nil
				}
				appendPre(rb, &pre[n%len(pre)])
				if (n+1)%scan.DefaultBatchSize == 0 || n == nrows-1 {
					rb.NewRecordBatch().Release()
				}
				return nil
			}); err != nil {
				return err
			}
		case "lookup":
			for range 10 {
				for _, err := range s.ScanByCategory(bench.CategoryName(rng.IntN(bench.Categories)), store.ScanOptions{}) {
					if err != nil {
						return err
					}
				}
			}
		case "flush":
			res, err := exec.Flush(ctx, schemaDriven)
			if err != nil {
				return err
			}
			bytesWritten = fmt.Sprintf(" file_mib=%.1f", float64(res.Bytes)/(1<<20))
			if timed && (res.Rows != int64(nrows) || res.Deleted != int64(nrows)) {
				return fmt.Errorf("flushed %d rows and deleted %d, want %d: is -rows the DB's row count?", res.Rows, res.Deleted, nrows)
			}
		case "baseline":
			if err := base.run(db, layout.ID); err != nil {
				return err
			}
		case "typedscan":
			if err := scanAll(typed, nrows); err != nil {
				return err
			}
		case "rawscan":
			if err := scanAll(raw, nrows); err != nil {
				return err
			}
		}
	}
	if timed {
		fmt.Printf("%s rows=%d seconds=%.3f%s\n", mode, nrows, time.Since(start).Seconds(), bytesWritten)
	}
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
	}
	return nil
}

// baseline is the floor a flush is measured against: the table's rows
// already in the flush's Parquet form in memory (read before the timed
// part), so that an op is only what no flush can avoid: a raw Pebble
// iteration over the rows and a pqarrow write of them, with the flush's
// writer settings, to a file that is then fsynced.
type baseline struct {
	recs  []arrow.RecordBatch
	props *parquet.WriterProperties
	out   string
}

func newBaseline(ctx context.Context, p *scan.Provider, l *layout.Table, o flush.Options, out string) (*baseline, error) {
	props, err := flush.WriterProperties(o, l)
	if err != nil {
		return nil, err
	}
	rdr, err := p.Scan(ctx, scan.Request{})
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	b := &baseline{props: props, out: out}
	for rdr.Next() {
		b.recs = append(b.recs, flush.ParquetForm(rdr.RecordBatch()))
	}
	if err := rdr.Err(); err != nil {
		b.release()
		return nil, err
	}
	if len(b.recs) == 0 {
		return nil, fmt.Errorf("-mode baseline: the table has no rows")
	}
	return b, nil
}

func (b *baseline) release() {
	for _, r := range b.recs {
		r.Release()
	}
}

func (b *baseline) run(db *store.DB, id uint32) error {
	if err := iterate(db, id, func(int) error { return nil }); err != nil {
		return err
	}
	f, err := os.Create(b.out)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	fw, err := pqarrow.NewFileWriter(b.recs[0].Schema(), bw, b.props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return err
	}
	for _, r := range b.recs {
		if err := fw.WriteBuffered(r); err != nil {
			_ = fw.Close()
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Sync()
}

// appendPre appends one already-decoded row to rb with the typed builders:
// the physical cost of building the record, the baseline a scan to Arrow is
// measured against (raw iteration + this).
func appendPre(rb *array.RecordBuilder, r *bench.Row) {
	f := rb.Fields()
	f[0].(*array.Int64Builder).Append(r.ID)
	for i, v := range []string{r.Category, r.Name, r.Email, r.City, r.Country} {
		f[1+i].(*array.StringBuilder).Append(v)
	}
	f[6].(*array.Int32Builder).Append(r.Quantity)
	f[7].(*array.Int32Builder).Append(r.Rank)
	f[8].(*array.Int64Builder).Append(r.Amount)
	f[9].(*array.Int64Builder).Append(r.Views)
	f[10].(*array.Float64Builder).Append(r.Price)
	f[11].(*array.Float64Builder).Append(r.Score)
	f[12].(*array.BooleanBuilder).Append(r.Active)
	f[13].(*array.BooleanBuilder).Append(r.Verified)
	f[14].(*array.TimestampBuilder).Append(arrow.Timestamp(r.CreatedAt.UnixMicro()))
	f[15].(*array.TimestampBuilder).Append(arrow.Timestamp(r.UpdatedAt.UnixMicro()))
	f[16].(*array.StringBuilder).Append(benchgen.BenchRowStatus(r.Status).String())
	if r.Note != nil {
		f[17].(*array.StringBuilder).Append(*r.Note)
	} else {
		f[17].AppendNull()
	}
	f[18].(*array.BinaryBuilder).Append(r.Payload)
	f[19].(*array.Int64Builder).Append(r.Version)
}

func put(db *store.DB, s *benchgen.BenchRowStore, rows []bench.Row) error {
	b := db.NewBatch()
	for i := range rows {
		v := toGen(&rows[i])
		s.PutIn(b, &v)
		if b.Len() == bench.BatchSize || i == len(rows)-1 {
			if err := b.Commit(); err != nil {
				return err
			}
			b.Reset()
		}
	}
	return nil
}

func drain(ctx context.Context, p *scan.Provider, r scan.Request, want int) error {
	rr, err := p.Scan(ctx, r)
	if err != nil {
		return err
	}
	defer rr.Release()
	n := 0
	for rr.Next() {
		n += int(rr.RecordBatch().NumRows())
	}
	if err := rr.Err(); err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("scan returned %d rows, want %d", n, want)
	}
	return nil
}

// scanAll reads every row through st's ScanAll, as the bench's FullScan
// does, and checks that there were want of them.
func scanAll(st bench.Store, want int) error {
	n := 0
	if err := st.ScanAll(func(*bench.Row) error { n++; return nil }); err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("ScanAll saw %d rows, want %d", n, want)
	}
	return nil
}

func iterate(db *store.DB, id uint32, each func(n int) error) error {
	lower := store.RowPrefix(id)
	it, err := rawpebble.DB(db).NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: keyenc.PrefixEnd(lower)})
	if err != nil {
		return err
	}
	n, sum := 0, 0
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return err
		}
		sum += len(v)
		if err := each(n); err != nil {
			_ = it.Close()
			return err
		}
		n++
	}
	if err := it.Close(); err != nil {
		return err
	}
	if sum == 0 {
		return fmt.Errorf("no rows")
	}
	return nil
}

func toGen(r *bench.Row) benchgen.BenchRow {
	return benchgen.BenchRow{
		ID: r.ID, Category: r.Category, Name: r.Name, Email: r.Email, City: r.City, Country: r.Country,
		Quantity: r.Quantity, Rank: r.Rank, Amount: r.Amount, Views: r.Views, Price: r.Price, Score: r.Score,
		Active: r.Active, Verified: r.Verified, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Status: benchgen.BenchRowStatus(r.Status), Note: r.Note, Payload: r.Payload, Version: r.Version,
	}
}
