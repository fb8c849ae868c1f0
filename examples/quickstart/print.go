package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/google/uuid"
)

// cellWidth is the widest a printed cell gets; longer values (message
// texts) are cut and end in "…", so the tables stay readable on a terminal.
// Only the display is shortened, never the data.
const cellWidth = 56

// table writes rows as columns aligned with text/tabwriter, indented under
// the step's header.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = cell(c)
	}
	fmt.Fprintln(t.tw, "  "+strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// cell makes s printable on one line of a table: line breaks and tabs
// become visible escapes, and long values are cut at cellWidth characters.
func cell(s string) string {
	s = strings.NewReplacer("\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
	if utf8.RuneCountInString(s) > cellWidth {
		r := []rune(s)
		s = string(r[:cellWidth-1]) + "…"
	}
	return s
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optTS(t *time.Time) string {
	if t == nil {
		return "NULL"
	}
	return ts(*t)
}

func optString(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}

// printRecords prints every batch a provider scan returns as one aligned
// table and reports the number of rows.
func printRecords(w io.Writer, rdr array.RecordReader) (int, error) {
	fields := rdr.Schema().Fields()
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = f.Name
	}
	t := newTable(w, header...)
	n := 0
	for rdr.Next() {
		b := rdr.RecordBatch()
		for i := range int(b.NumRows()) {
			cells := make([]string, len(fields))
			for j := range cells {
				cells[j] = arrowText(b.Column(j), i)
			}
			t.row(cells...)
		}
		n += int(b.NumRows())
	}
	if err := rdr.Err(); err != nil {
		return n, err
	}
	return n, t.flush()
}

// countRecords drains a scan and returns its row count (for scans that
// project no column).
func countRecords(rdr array.RecordReader) (int, error) {
	n := 0
	for rdr.Next() {
		n += int(rdr.RecordBatch().NumRows())
	}
	return n, rdr.Err()
}

// arrowText renders one Arrow cell the way the typed rows are printed:
// timestamps in RFC 3339, uuids in their text form, bytes as hex.
func arrowText(a arrow.Array, i int) string {
	if a.IsNull(i) {
		return "NULL"
	}
	switch x := a.(type) {
	case *array.String:
		return x.Value(i)
	case *array.Timestamp:
		return ts(time.UnixMicro(int64(x.Value(i))))
	case *array.Binary:
		return "0x" + hex.EncodeToString(x.Value(i))
	case *array.Duration:
		return (time.Duration(x.Value(i)) * time.Microsecond).String()
	case *array.Float64:
		return strconv.FormatFloat(x.Value(i), 'g', -1, 64)
	case *extensions.UUIDArray:
		return uuid.UUID(x.Value(i)).String()
	case *extensions.JSONArray:
		return string(x.ValueBytes(i))
	}
	return a.ValueStr(i)
}

// formatElapsed rounds a step's duration to three significant digits.
func formatElapsed(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

// thousands formats n with thousands separators: 100000 → 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
