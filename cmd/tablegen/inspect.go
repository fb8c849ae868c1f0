package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/google/uuid"

	"github.com/tablegen/tablegen/internal/layout"
	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
	"github.com/tablegen/tablegen/runtime/where"
)

func init() {
	register(&command{
		name:  "inspect",
		usage: "tablegen inspect (-db DIR [-schemas DIR] [-cold DIR] | -addr HOST:PORT [-token T]) NS.TABLE [-columns a,b] [-where EXPR] [-limit N] [-hot-only] [-format table|csv|json|arrow]",
		summary: "Print a table's rows from a database, reading the YAML instead of generated code: projection, " +
			"a SQL-style filter and a limit are pushed down to the scan.",
		example: "tablegen inspect -db ./data system.jobs -columns job_id,status -where \"status = 'failed' AND created_at >= '2026-01-01T00:00:00Z'\" -limit 20",
		run:     runInspect,
	})
}

// inspectFlags are inspect's options; flags and the table name may come in
// any order.
type inspectFlags struct {
	proj                                *project // tablegen.yaml, for the defaults and file names
	db, schemas, columns, where, format string
	owner, cold                         string
	hotOnly                             bool
	limit                               int
	remote                              remoteFlags
}

func runInspect(args []string, stdout, stderr io.Writer) int {
	c := commands["inspect"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	o := inspectFlags{proj: proj}
	fs := newFlags(c)
	fs.StringVar(&o.db, "db", "", "read the database in `DIR` (required unless -addr)")
	fs.StringVar(&o.schemas, "schemas", proj.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml")
	fs.StringVar(&o.columns, "columns", "", "print the columns in `LIST` (comma-separated), in order (default: all)")
	fs.StringVar(&o.where, "where", "", "print the rows that match `EXPR`, e.g. \"role = 'dba' AND (email IS NULL OR email LIKE 'a%')\"")
	fs.IntVar(&o.limit, "limit", 0, "print at most `N` rows (0: all)")
	fs.StringVar(&o.format, "format", "table", "write rows as `FORMAT`: table (aligned per batch of 8192 rows; NULL for null), csv (RFC 4180; null is an empty unquoted field, an empty string is \"\"), json (one object per line; null) or arrow (IPC stream). Bytes are 0x-prefixed hex in table and csv and base64 in json (as encoding/json writes []byte); timestamps are RFC 3339 in UTC with 6 fraction digits")
	fs.StringVar(&o.owner, "owner", "", "user and stream tables: only the rows of owner `ID` (default: every owner, or with -addr the token's own)")
	fs.StringVar(&o.cold, "cold", "", "read the table's flushed rows from the cold root `DIR` (the -to of tablegen flush; default: the root the last flush executor recorded in the database)")
	fs.BoolVar(&o.hotOnly, "hot-only", false, "print only the rows not yet flushed (by default a flushed table is read hot and cold, as one)")
	o.remote.register(fs)
	positional, code, ok := parseInterspersed(c, fs, args, stdout, stderr)
	if !ok {
		return code
	}
	usageErr := func(format string, a ...any) int { return usageError(c, fs, stderr, format, a...) }
	switch {
	case len(positional) != 1:
		return usageErr("want exactly one table name NS.TABLE, got %d arguments", len(positional))
	case o.db != "" && o.remote.addr != "":
		return usageErr("-db and -addr exclude each other: read the database directly or through the running service")
	case o.remote.addr != "" && o.cold != "":
		return usageErr("-cold is for -db: the running service reads its own flushed rows; drop -cold")
	case o.remote.addr != "":
	case o.db == "":
		return usageErr("-db is required: the directory of the database to read")
	case o.cold != "" && o.hotOnly:
		return usageErr("-cold and -hot-only exclude each other: -hot-only skips the flushed rows -cold reads")
	case o.limit < 0:
		return usageErr("-limit %d is negative; use 0 for no limit", o.limit)
	case !slices.Contains([]string{"table", "csv", "json", "arrow"}, o.format):
		return usageErr("-format %q is not one of table, csv, json, arrow", o.format)
	}
	run := inspect
	if o.remote.addr != "" {
		run = inspectRemote
	}
	if err := run(context.Background(), positional[0], &o, stdout, stderr); err != nil {
		printReadErr(stderr, err, o.db)
		return 1
	}
	return 0
}

func inspect(ctx context.Context, name string, o *inspectFlags, stdout, stderr io.Writer) error {
	s, err := o.proj.loadSchemas(o.schemas)
	if err != nil {
		return err
	}
	t, err := findTable(s, name)
	if err != nil {
		return err
	}
	l := t.Layout()
	req := scan.Request{Limit: o.limit, HotOnly: o.hotOnly}
	if o.columns != "" {
		req.Columns = strings.Split(o.columns, ",")
		for i := range req.Columns {
			req.Columns[i] = strings.TrimSpace(req.Columns[i])
		}
	}
	if o.where != "" {
		if req.Filter, err = where.Compile(o.where, &l); err != nil {
			return whereError(o.where, err)
		}
	}
	// Read-only: inspecting never changes the database, and a directory
	// that holds no database (a mistyped -db) is an error, not a new one.
	db, err := openLocal(o.db, &store.Options{ReadOnly: true})
	if errors.Is(err, store.ErrLocked) {
		return err
	}
	if err != nil {
		return fmt.Errorf("%w; pass the -db directory the service writes to", err)
	}
	defer db.Close()
	if o.cold == "" && !o.hotOnly {
		// The root the service's flush executor recorded in the DB.
		root, err := flush.RecordedRoot(db)
		if err != nil {
			return err
		}
		if root != "" {
			if _, err := os.Stat(root); err != nil {
				return fmt.Errorf("the database records its cold root as %s, which cannot be read (%v); pass -cold DIR, or -hot-only", root, err)
			}
			o.cold = root
		}
	}
	if o.cold != "" {
		// The executor only reads on a read-only database: its recovery
		// changes nothing and no file is written under the cold root.
		if _, err := flush.New(db, o.cold, nil); err != nil {
			return fmt.Errorf("-cold %s: %w", o.cold, err)
		}
	}
	p, err := scan.NewProvider(db, &l, scan.Options{Docs: layout.Docs(t)})
	var lm *store.LayoutMismatchError
	if errors.As(err, &lm) && lm.ReadOnly {
		// An older, compatible database: read it as it was written.
		fmt.Fprintf(stderr, "tablegen: %s: the database holds an older compatible layout (%d safe change(s) behind the YAML); reading it with its stored layout, read-only\n", name, len(lm.Changes))
		l = lm.Stored
		if o.where != "" {
			if req.Filter, err = where.Compile(o.where, &l); err != nil {
				return whereError(o.where, err)
			}
		}
		p, err = scan.NewProvider(db, &l, scan.Options{Docs: layout.Docs(t)})
	}
	if err != nil {
		return err
	}
	var rdr array.RecordReader
	switch {
	case l.Kind.OwnerScoped():
		rdr, err = ownedRows(ctx, db, p, req, o.owner)
	case o.owner != "":
		return fmt.Errorf("-owner: %s is a %s table; its rows have no owner", name, l.Kind)
	default:
		rdr, err = p.Scan(ctx, req)
	}
	if errors.Is(err, store.ErrNoColdReader) {
		return fmt.Errorf("%s has flushed rows: pass -cold DIR, the directory tablegen flush -to wrote them under, or -hot-only to print the hot rows alone", name)
	}
	if err != nil {
		return err
	}
	defer rdr.Release()
	return writeRows(withRowCounter(rdr, stdout, stderr, "inspect "+name), o.format, stdout)
}

// findTable finds NS.TABLE, suggesting the nearest table or namespace when
// it is missing.
func findTable(s *schema.Schema, name string) (*schema.Table, error) {
	var names, namespaces []string
	for _, t := range s.Tables {
		if t.FullName() == name {
			return t, nil
		}
		names = append(names, t.FullName())
		if !slices.Contains(namespaces, t.Namespace) {
			namespaces = append(namespaces, t.Namespace)
		}
	}
	ns, table, qualified := strings.Cut(name, ".")
	if !qualified {
		for _, t := range s.Tables {
			if t.Name == name {
				return nil, fmt.Errorf("unknown table %q; did you mean %q? tables are named NS.TABLE", name, t.FullName())
			}
		}
	}
	if best, ok := schema.Closest(name, names); ok {
		return nil, fmt.Errorf("unknown table %q; did you mean %q?", name, best)
	}
	if qualified && !slices.Contains(namespaces, ns) {
		if best, ok := schema.Closest(ns, namespaces); ok {
			return nil, fmt.Errorf("unknown namespace %q in %q; did you mean %q (%s.%s)?", ns, name, best, best, table)
		}
		return nil, fmt.Errorf("unknown namespace %q in %q; the schemas declare the namespaces %s", ns, name, strings.Join(namespaces, ", "))
	}
	return nil, fmt.Errorf("unknown table %q%s", name, schema.Suggest(name, names))
}

// whereError shows the filter with a caret under the offending token.
func whereError(src string, err error) error {
	var we *where.Error
	if !errors.As(err, &we) {
		return fmt.Errorf("-where: %w", err)
	}
	lines := strings.Split(src, "\n")
	line := lines[min(we.Line, len(lines))-1]
	return fmt.Errorf("-where: %w\n  %s\n  %s^", err, line, strings.Repeat(" ", max(we.Col-1, 0)))
}

func writeRows(rdr array.RecordReader, format string, w io.Writer) error {
	bw := bufio.NewWriter(w)
	var err error
	switch format {
	case "arrow":
		err = writeArrow(rdr, bw)
	case "csv":
		err = writeCSV(rdr, bw)
	case "json":
		err = writeJSON(rdr, bw)
	default:
		err = writeTable(rdr, bw)
	}
	if err != nil {
		return err
	}
	if err := rdr.Err(); err != nil {
		return err
	}
	return bw.Flush()
}

func writeArrow(rdr array.RecordReader, w io.Writer) error {
	iw := ipc.NewWriter(w, ipc.WithSchema(rdr.Schema()))
	for rdr.Next() {
		if err := iw.Write(rdr.RecordBatch()); err != nil {
			return fmt.Errorf("write Arrow IPC: %w", err)
		}
	}
	return iw.Close()
}

// writeCSV writes RFC 4180 CSV in which null and the empty string differ,
// as in PostgreSQL's CSV format: a null is an empty unquoted field, an empty
// string (or bytes, or json) is "" (encoding/csv cannot tell them apart,
// so fields are quoted here).
func writeCSV(rdr array.RecordReader, w io.Writer) error {
	fields := rdr.Schema().Fields()
	var line []byte
	for i, f := range fields {
		line = appendCSVField(line, i, f.Name, true)
	}
	line = append(line, '\n')
	if _, err := w.Write(line); err != nil {
		return err
	}
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			line = line[:0]
			for j := range fields {
				col := b.Column(j)
				line = appendCSVField(line, j, textValue(col, i, ""), !col.IsNull(i))
			}
			line = append(line, '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendCSVField appends field i of a CSV record: quoted when it holds a
// separator, quote, line break or leading space, or when it is an empty
// value (not null).
func appendCSVField(dst []byte, i int, v string, notNull bool) []byte {
	if i > 0 {
		dst = append(dst, ',')
	}
	if (v == "" && notNull) || strings.ContainsAny(v, ",\"\r\n") || strings.HasPrefix(v, " ") {
		dst = append(dst, '"')
		dst = append(dst, strings.ReplaceAll(v, `"`, `""`)...)
		return append(dst, '"')
	}
	return append(dst, v...)
}

func writeTable(rdr array.RecordReader, w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := make([]string, rdr.Schema().NumFields())
	for i, f := range rdr.Schema().Fields() {
		header[i] = f.Name
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	cells := make([]string, len(header))
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			for j := range cells {
				cells[j] = printable(textValue(b.Column(j), i, "NULL"))
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		// Align within each batch: memory stays bounded by the batch size.
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// printable quotes a cell that would break the table's layout: tabs,
// control characters and bytes that are not UTF-8 (which IndexFunc would
// see as the printable U+FFFD) come out escaped.
func printable(s string) string {
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r == '\t' || !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

func writeJSON(rdr array.RecordReader, w io.Writer) error {
	fields := rdr.Schema().Fields()
	keys := make([][]byte, len(fields))
	for i, f := range fields {
		k, err := json.Marshal(f.Name)
		if err != nil {
			return err
		}
		keys[i] = k
	}
	var line []byte
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			line = append(line[:0], '{')
			for j := range fields {
				if j > 0 {
					line = append(line, ',')
				}
				line = append(line, keys[j]...)
				line = append(line, ':')
				v, err := jsonValue(b.Column(j), i)
				if err != nil {
					return fmt.Errorf("column %s: %w", fields[j].Name, err)
				}
				line = append(line, v...)
			}
			line = append(line, '}', '\n')
			if _, err := w.Write(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// timestampFormat is RFC 3339 with a fixed microsecond fraction: every
// timestamp of a column has the same width, and sorts as text.
const timestampFormat = "2006-01-02T15:04:05.000000Z07:00"

// textValue renders one cell for table and csv output: timestamps in RFC
// 3339 (UTC, 6 fraction digits), durations in Go syntax, uuids in their text form, bytes as
// 0x-prefixed hex, json as its text, decimals with all their scale's digits.
func textValue(a arrow.Array, i int, null string) string {
	if a.IsNull(i) {
		return null
	}
	switch x := a.(type) {
	case *array.String:
		return x.Value(i)
	case *array.Binary:
		return "0x" + hex.EncodeToString(x.Value(i))
	case *array.Timestamp:
		return time.UnixMicro(int64(x.Value(i))).UTC().Format(timestampFormat)
	case *array.Duration:
		return (time.Duration(x.Value(i)) * time.Microsecond).String()
	case array.ExtensionArray:
		if v, ok := extValue(x, i); ok {
			return v
		}
	case *array.Float64:
		return strconv.FormatFloat(x.Value(i), 'g', -1, 64)
	case *array.Decimal128:
		// Every digit of the column's scale, as Postgres and DuckDB print
		// a DECIMAL(p,s); JSON gets the same text as a string, exact.
		return x.Value(i).ToString(x.DataType().(*arrow.Decimal128Type).Scale)
	}
	return a.ValueStr(i)
}

// extValue renders a cell of the canonical extension types arrow.uuid and
// arrow.json, whichever Go type defines them (a scan's, or arrow-go's when a
// Parquet file is read back).
func extValue(x array.ExtensionArray, i int) (string, bool) {
	switch st := x.Storage().(type) {
	case *array.FixedSizeBinary:
		if x.ExtensionType().ExtensionName() == "arrow.uuid" && len(st.Value(i)) == 16 {
			return uuid.UUID(st.Value(i)).String(), true
		}
	case *array.String:
		if x.ExtensionType().ExtensionName() == "arrow.json" {
			return st.Value(i), true
		}
	}
	return "", false
}

// jsonValue renders one cell as JSON: numbers as numbers (non-finite floats
// as strings, which JSON cannot express), bytes as base64 like
// encoding/json, json columns embedded as JSON when valid.
func jsonValue(a arrow.Array, i int) ([]byte, error) {
	if a.IsNull(i) {
		return []byte("null"), nil
	}
	switch x := a.(type) {
	case *array.Boolean:
		return strconv.AppendBool(nil, x.Value(i)), nil
	case *array.Int32:
		return strconv.AppendInt(nil, int64(x.Value(i)), 10), nil
	case *array.Int64:
		return strconv.AppendInt(nil, x.Value(i), 10), nil
	case *array.Uint64:
		return strconv.AppendUint(nil, x.Value(i), 10), nil
	case *array.Float64:
		f := x.Value(i)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return json.Marshal(strconv.FormatFloat(f, 'g', -1, 64))
		}
		return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
	case *array.Binary:
		return json.Marshal(base64.StdEncoding.EncodeToString(x.Value(i)))
	case array.ExtensionArray:
		if v, ok := extValue(x, i); ok && x.ExtensionType().ExtensionName() == "arrow.json" {
			var buf bytes.Buffer // compacted, so one row stays one line
			if err := json.Compact(&buf, []byte(v)); err == nil {
				return buf.Bytes(), nil
			}
		}
	}
	return json.Marshal(textValue(a, i, ""))
}
