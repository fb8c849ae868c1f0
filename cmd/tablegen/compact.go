package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tablegen/tablegen/internal/layout"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/keyenc"
	rtlayout "github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

func init() {
	register(&command{
		name:  "compact",
		usage: "tablegen compact (-db DIR -to DIR [-schemas DIR] [-owner ID] [-target BYTES] | -addr HOST:PORT [-token T]) NS.TABLE",
		summary: "Merge a table's small flushed Parquet segments into files of a useful size, keeping only the live rows " +
			"(stream tables: segments wholly past the TTL are removed first), crash-safely; recovers an interrupted flush or compaction first.",
		example: "tablegen compact -db ./data -to ./cold chat.messages\n" +
			"TABLEGEN_TOKEN=... tablegen compact -addr 127.0.0.1:8815 chat.messages",
		run: runCompact,
	})
}

// compactFlags are compact's options.
type compactFlags struct {
	proj                   *project
	db, to, schemas, owner string
	ownerSet               bool
	target                 int64
	remote                 remoteFlags
}

func runCompact(args []string, stdout, stderr io.Writer) int {
	c := commands["compact"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	o := compactFlags{proj: proj}
	fs := newFlags(c)
	fs.StringVar(&o.db, "db", "", "open the database in `DIR` (required)")
	fs.StringVar(&o.to, "to", "", "the cold root the table was flushed to: `DIR`/<ns>/<table>/ (required)")
	fs.StringVar(&o.schemas, "schemas", proj.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml")
	fs.Func("owner", "compact only the segments of owner `ID` (user and stream tables)", func(s string) error {
		o.owner, o.ownerSet = s, true
		return nil
	})
	fs.Int64Var(&o.target, "target", flush.DefaultCompactTarget, "merge segments smaller than `BYTES` into files of at least that size")
	o.remote.register(fs)
	positional, code, ok := parseInterspersed(c, fs, args, stdout, stderr)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int { return usageError(c, fs, stderr, format, a...) }
	switch {
	case len(positional) != 1:
		return usageErr("want exactly one table name NS.TABLE, got %d arguments", len(positional))
	case o.remote.addr != "" && (o.db != "" || o.to != "" || o.ownerSet || o.target != flush.DefaultCompactTarget):
		return usageErr("-addr asks the running service to compact with its own cold root and settings; drop -db, -to, -owner and -target")
	case o.remote.addr != "":
		if err := compactRemote(positional[0], &o.remote, stdout); err != nil {
			printErr(stderr, err)
			return 1
		}
		return 0
	case o.db == "":
		return usageErr("-db is required: the directory of the database whose table was flushed")
	case o.to == "":
		return usageErr("-to is required: the cold root the table was flushed to")
	case o.ownerSet && o.owner == "":
		return usageErr("-owner is empty; name the owner whose segments to compact, or leave -owner out for every owner")
	case o.target <= 0:
		return usageErr("-target %d must be positive", o.target)
	}
	if err := compactTable(context.Background(), positional[0], &o, stdout); err != nil {
		printErr(stderr, err)
		return 1
	}
	return 0
}

func compactTable(ctx context.Context, name string, o *compactFlags, stdout io.Writer) error {
	s, err := o.proj.loadSchemas(o.schemas)
	if err != nil {
		return err
	}
	t, err := findTable(s, name)
	if err != nil {
		return err
	}
	l := t.Layout()
	if o.ownerSet && !l.Kind.OwnerScoped() {
		return fmt.Errorf("%s is a %s table: it has no owners; drop -owner", name, l.Kind)
	}
	if fi, err := os.Stat(o.db); err != nil || !fi.IsDir() {
		return fmt.Errorf("no database directory at %s: pass the -db the service writes to", o.db)
	}
	if fi, err := os.Stat(o.to); err != nil || !fi.IsDir() {
		return fmt.Errorf("no cold root at %s: pass the -to the table was flushed to", o.to)
	}
	db, err := openLocal(o.db, &store.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := scan.NewProvider(db, &l, scan.Options{Docs: layout.Docs(t)})
	if err != nil {
		return err
	}
	e, err := flush.New(db, o.to, nil)
	if err != nil {
		return err
	}
	rec, err := e.Recover(p)
	if err != nil {
		return err
	}
	if len(rec.Removed) > 0 || len(rec.Finished) > 0 {
		fmt.Fprintf(stdout, "recovered %s: removed %d leftover files, finished %d interrupted segments\n", name, len(rec.Removed), len(rec.Finished))
	}
	what := name
	if o.ownerSet {
		p = p.WithScope(keyenc.AppendString(nil, o.owner))
		what += " owner " + o.owner
	}
	expired := 0
	if l.Kind == rtlayout.Stream {
		x, err := e.Expire(ctx, p)
		if err != nil {
			return err
		}
		expired = len(x.Retired)
	}
	res, err := e.Compact(ctx, p, &flush.CompactOptions{TargetBytes: o.target})
	if err != nil {
		return err
	}
	if len(res.Retired) == 0 && expired == 0 {
		fmt.Fprintf(stdout, "compacted %s: nothing to merge\n", what)
		return nil
	}
	fmt.Fprintf(stdout, "compacted %s: %d segments into %d files (%s, %d rows) under %s; %d dead rows dropped, %d expired segments removed, %d tombstones dropped\n",
		what, len(res.Retired), len(res.Segments), byteSize(res.Bytes), res.Rows, e.TableDir(&l), res.Dropped, expired, res.Tombstones)
	return nil
}

// compactRemote asks the endpoint at r.addr to compact table.
func compactRemote(table string, r *remoteFlags, stdout io.Writer) error {
	c, err := r.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := c.Compact(context.Background(), table)
	if err != nil {
		return fmt.Errorf("compact through %s: %w", r.addr, err)
	}
	if res.Retired == 0 {
		fmt.Fprintf(stdout, "compacted %s through %s: nothing to merge\n", table, r.addr)
		return nil
	}
	fmt.Fprintf(stdout, "compacted %s through %s: %d segments into %d files (%s, %d rows)\n", table, r.addr, res.Retired, res.Files, byteSize(res.Bytes), res.Rows)
	return nil
}
