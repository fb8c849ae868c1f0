package tabletest

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/tablegen/tablegen/runtime/scan"
)

// A generated provider test stores random rows, then runs random requests
// on the table's generated provider and on the schema-driven one
// (the scan package's row decoder) and requires the same batches from both. The
// predicates take their literals from stored rows (the generated
// random<Entity>Leaf picks a row and a column), so that filters select some
// rows rather than none.

// RandomPredicate returns a random predicate on column col with literal
// lit, as the scan binder takes it (a Go value of the column's type; an
// enum's value name; []byte for bytes): one of the six comparisons, an IN
// list of one or two copies of lit, or IS [NOT] NULL.
func RandomPredicate(r *rand.Rand, col string, lit any) scan.Expr {
	return randomPredicate(r, col, lit, false)
}

// RandomTextPredicate is RandomPredicate for a string column: it also
// returns prefix tests (LIKE 'abc%') with a prefix of lit, cut at a rune
// boundary, from empty to all of lit.
func RandomTextPredicate(r *rand.Rand, col, lit string) scan.Expr {
	return randomPredicate(r, col, lit, true)
}

func randomPredicate(r *rand.Rand, col string, lit any, text bool) scan.Expr {
	n := r.IntN(10)
	switch {
	case n < 6:
		return &scan.Cmp{Column: col, Op: scan.Op(n + 1), Value: lit}
	case n == 6:
		return &scan.In{Column: col, Values: []any{lit}}
	case n == 7:
		return &scan.IsNull{Column: col, Not: r.IntN(2) == 0}
	}
	if s, ok := lit.(string); ok && text {
		rs := []rune(s)
		return &scan.Prefix{Column: col, Prefix: string(rs[:r.IntN(len(rs)+1)])}
	}
	return &scan.In{Column: col, Values: []any{lit, lit}}
}

// RandomFilter combines up to depth levels of AND, OR and NOT over
// predicates from leaf; at each level it stops at a leaf half of the time,
// so shallow filters are as common as deep ones.
func RandomFilter(r *rand.Rand, leaf func() scan.Expr, depth int) scan.Expr {
	if depth <= 0 || r.IntN(2) == 0 {
		return leaf()
	}
	switch r.IntN(3) {
	case 0:
		return &scan.And{L: RandomFilter(r, leaf, depth-1), R: RandomFilter(r, leaf, depth-1)}
	case 1:
		return &scan.Or{L: RandomFilter(r, leaf, depth-1), R: RandomFilter(r, leaf, depth-1)}
	}
	return &scan.Not{X: RandomFilter(r, leaf, depth-1)}
}

// RandomRequest returns a random request over a table with columns cols:
//
//   - every column (nil), none (empty) or a random non-empty subset of cols
//     in random order, each column at most once;
//   - no filter one time in five, otherwise RandomFilter over leaf with
//     depth 2;
//   - a limit in [1, 40] one time in three;
//   - a batch size in [1, 30] half of the time, so that batch boundaries
//     fall inside the data.
func RandomRequest(r *rand.Rand, cols []string, leaf func() scan.Expr) scan.Request {
	var req scan.Request
	switch r.IntN(4) {
	case 0:
		// nil: every column
	case 1:
		req.Columns = []string{}
	default:
		if len(cols) == 0 {
			req.Columns = []string{}
			break
		}
		for _, i := range r.Perm(len(cols))[:1+r.IntN(len(cols))] {
			req.Columns = append(req.Columns, cols[i])
		}
	}
	if r.IntN(5) > 0 {
		req.Filter = RandomFilter(r, leaf, 2)
	}
	if r.IntN(3) == 0 {
		req.Limit = 1 + r.IntN(40)
	}
	if r.IntN(2) == 0 {
		req.BatchSize = 1 + r.IntN(30)
	}
	return req
}

// DescribeRequest formats a request for failure messages, so that a
// failing random request can be read and replayed.
func DescribeRequest(req scan.Request) string {
	filter := "none"
	if req.Filter != nil {
		filter = req.Filter.String()
	}
	cols := "all columns"
	if req.Columns != nil {
		cols = fmt.Sprintf("columns %q", req.Columns)
	}
	return fmt.Sprintf("%s, filter %s, limit %d, batch size %d", cols, filter, req.Limit, req.BatchSize)
}

// CompareScans runs req on a table's generated provider and on its
// schema-driven provider and fails the test unless both fail or both
// return the same batches, bit for bit: same schema, same batch
// boundaries, same values (NaN payloads and nulls included). The failure
// message names the request and the first row and column that differ.
//
// It returns the schema-driven provider's error, so that a test can check
// a scan that must fail (a row the build cannot read) for the right error.
func CompareScans(t testing.TB, generated, schemaDriven *scan.Provider, req scan.Request) error {
	t.Helper()
	got, gotText, gotErr := scanIPC(generated, req)
	want, wantText, wantErr := scanIPC(schemaDriven, req)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%s: generated provider error %v, schema-driven provider error %v", DescribeRequest(req), gotErr, wantErr)
	}
	if bytes.Equal(got, want) {
		return wantErr
	}
	if gotText == wantText {
		t.Fatalf("%s: the generated provider's batches differ from the schema-driven provider's in bits that their text does not show (NaN payloads, the values under null slots, buffer layout)", DescribeRequest(req))
	}
	g, w := strings.Split(gotText, "\n"), strings.Split(wantText, "\n")
	i := 0
	for i < len(g)-1 && i < len(w)-1 && g[i] == w[i] {
		i++
	}
	t.Fatalf("%s: the generated provider's batches differ from the schema-driven provider's, first at\ngot:  %s\nwant: %s", DescribeRequest(req), g[i], w[i])
	return wantErr
}

// scanIPC runs req on p and returns its batches as one Arrow IPC stream,
// which compares values bit for bit, and as text (the schema, then a
// "row i, column c: v" line per value and a line per batch end) for
// failure messages.
func scanIPC(p *scan.Provider, req scan.Request) ([]byte, string, error) {
	rr, err := p.Scan(context.Background(), req)
	if err != nil {
		return nil, "", err
	}
	defer rr.Release()
	var buf bytes.Buffer
	var text strings.Builder
	rows := 0
	w := ipc.NewWriter(&buf, ipc.WithSchema(rr.Schema()))
	fmt.Fprintf(&text, "schema %s\n", rr.Schema())
	for rr.Next() {
		rec := rr.RecordBatch()
		if err := w.Write(rec); err != nil {
			return nil, "", err
		}
		for i := range int(rec.NumRows()) {
			rows++
			for j, col := range rec.Columns() {
				fmt.Fprintf(&text, "row %d, column %s: %s\n", rows, rec.Schema().Field(j).Name, col.ValueStr(i))
			}
		}
		fmt.Fprintf(&text, "end of batch at row %d\n", rows)
	}
	if err := rr.Err(); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), text.String(), nil
}
