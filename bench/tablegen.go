package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"

	benchgen "github.com/tablegen/tablegen/bench/generated/bench"
	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// tablegenStore is the store generated from schemas/bench/rows.yaml, used
// the way its documentation says: PutIn + Commit batches, Get, the
// generated index scan, Scan with a limit, and the Arrow scan provider for
// projection. Rows convert to and from bench.Row field by field (a struct
// copy, no allocation) so that the harness sees one row type.
type tablegenStore struct {
	db    *store.DB
	s     *benchgen.BenchRowStore
	score *scan.Provider
}

// OpenTablegen opens the generated store in dir.
func OpenTablegen(dir string) (Store, error) { return openTablegen(dir, false) }

// OpenCovering opens the generated store in dir with its index declared
// covering (`covering: true` on by_category, the one line of the layout
// the generator would emit differently): the same table, types and code,
// whose index entries carry their rows.
func OpenCovering(dir string) (Store, error) { return openTablegen(dir, true) }

func openTablegen(dir string, covering bool) (Store, error) {
	db, err := openPebble(dir)
	if err != nil {
		return nil, err
	}
	s, err := tablegenOn(db, covering)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// TablegenOn is the generated store's implementation over an open db, for
// tools that must run the benchmark's exact code paths on a DB they opened
// themselves (cmd/instr counts the instructions of its ScanAll). Its Close
// closes db.
func TablegenOn(db *store.DB) (Store, error) { return tablegenOn(db, false) }

func tablegenOn(db *store.DB, covering bool) (Store, error) {
	spec := benchgen.BenchRowSpec()
	if covering {
		spec.Layout.Indexes = slices.Clone(spec.Layout.Indexes)
		spec.Layout.Indexes[0].Covering = true
	}
	t, err := store.NewTable(db, spec)
	if err != nil {
		return nil, err
	}
	p, err := scan.NewProvider(db, &spec.Layout, scan.Options{})
	if err != nil {
		return nil, err
	}
	return &tablegenStore{db: db, s: &benchgen.BenchRowStore{Table: t}, score: p}, nil
}

func toGen(r *Row) benchgen.BenchRow {
	return benchgen.BenchRow{
		ID: r.ID, Category: r.Category, Name: r.Name, Email: r.Email, City: r.City, Country: r.Country,
		Quantity: r.Quantity, Rank: r.Rank, Amount: r.Amount, Views: r.Views, Price: r.Price, Score: r.Score,
		Active: r.Active, Verified: r.Verified, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Status: benchgen.BenchRowStatus(r.Status), Note: r.Note, Payload: r.Payload, Version: r.Version,
	}
}

func fromGen(v *benchgen.BenchRow) Row {
	return Row{
		ID: v.ID, Category: v.Category, Name: v.Name, Email: v.Email, City: v.City, Country: v.Country,
		Quantity: v.Quantity, Rank: v.Rank, Amount: v.Amount, Views: v.Views, Price: v.Price, Score: v.Score,
		Active: v.Active, Verified: v.Verified, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
		Status: Status(v.Status), Note: v.Note, Payload: v.Payload, Version: v.Version,
	}
}

func (t *tablegenStore) Load(rows []Row) error {
	b := t.db.NewBatch()
	for i := range rows {
		v := toGen(&rows[i])
		t.s.PutIn(b, &v)
		if b.Len() == BatchSize || i == len(rows)-1 {
			if err := b.Commit(); err != nil {
				return fmt.Errorf("tablegen: load: %w", err)
			}
		}
	}
	return nil
}

func (t *tablegenStore) Settle() error { return rawpebble.DB(t.db).Flush() }

func (t *tablegenStore) Get(id int64) (Row, error) {
	v, err := t.s.Get(benchgen.BenchRowID(id))
	if errors.Is(err, store.ErrNotFound) {
		return Row{}, fmt.Errorf("tablegen: %w: %w", ErrNotFound, err)
	}
	if err != nil {
		return Row{}, err
	}
	return fromGen(&v), nil
}

func (t *tablegenStore) ByCategory(category string, dst []Row) ([]Row, error) {
	for v, err := range t.s.ScanByCategory(category, store.ScanOptions{}) {
		if err != nil {
			return dst, err
		}
		dst = append(dst, fromGen(&v))
	}
	return dst, nil
}

func (t *tablegenStore) First(n int, dst []Row) ([]Row, error) {
	if n <= 0 {
		return dst, nil
	}
	for v, err := range t.s.Scan(t.s.All(), store.ScanOptions{Limit: n}) {
		if err != nil {
			return dst, err
		}
		dst = append(dst, fromGen(&v))
	}
	return dst, nil
}

func (t *tablegenStore) ScanAll(fn func(*Row) error) error {
	// One Row for the whole scan, as the raw store's ScanAll has: the *Row
	// is only valid during fn, and a Row per row would escape to the heap
	// (fn is not known here), a cost of the bench's conversion rather than
	// of the scan it measures.
	var r Row
	for v, err := range t.s.Scan(t.s.All(), store.ScanOptions{}) {
		if err != nil {
			return err
		}
		r = fromGen(&v)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}

// SumScore projects the score column through the table's Arrow scan
// provider, which decodes only that column of each row.
func (t *tablegenStore) SumScore() (float64, error) {
	rr, err := t.score.Scan(context.Background(), scan.Request{Columns: []string{"score"}})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var sum float64
	for rr.Next() {
		col, ok := rr.RecordBatch().Column(0).(*array.Float64)
		if !ok {
			return 0, fmt.Errorf("tablegen: score column is %s, want float64", rr.RecordBatch().Column(0).DataType())
		}
		for _, x := range col.Float64Values() {
			sum += x
		}
	}
	return sum, rr.Err()
}

func (t *tablegenStore) Close() error { return t.db.Close() }
