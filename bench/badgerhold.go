package bench

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/timshannon/badgerhold/v4"
)

// badgerholdStore is github.com/timshannon/badgerhold/v4 as its users run it:
// default options, the default (gob) encoder, and a badgerhold index on
// Category (the `badgerhold:"index"` tag of Row). The key is the int64 id;
// gob encodes non-negative integers so that byte order is numeric order, so
// its scans run in id order like the others'.
type badgerholdStore struct {
	dir string
	s   *badgerhold.Store
}

// OpenBadgerhold opens the badgerhold implementation in dir.
func OpenBadgerhold(dir string) (Store, error) {
	s, err := openBadgerhold(dir)
	if err != nil {
		return nil, err
	}
	return &badgerholdStore{dir: dir, s: s}, nil
}

func openBadgerhold(dir string) (*badgerhold.Store, error) {
	opts := badgerhold.DefaultOptions
	opts.Dir = dir
	opts.ValueDir = dir
	opts.Logger = nil // badger logs every open and compaction otherwise
	s, err := badgerhold.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("badgerhold: open %s: %w", dir, err)
	}
	return s, nil
}

func (b *badgerholdStore) Load(rows []Row) error {
	for start := 0; start < len(rows); start += BatchSize {
		end := min(start+BatchSize, len(rows))
		err := b.s.Badger().Update(func(tx *badger.Txn) error {
			for i := start; i < end; i++ {
				if err := b.s.TxUpsert(tx, rows[i].ID, &rows[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("badgerhold: load rows %d…%d: %w", start, end-1, err)
		}
	}
	return nil
}

// Settle closes and reopens the store: Badger has no other way to flush its
// memtable to disk.
func (b *badgerholdStore) Settle() error {
	if err := b.s.Close(); err != nil {
		return fmt.Errorf("badgerhold: close: %w", err)
	}
	s, err := openBadgerhold(b.dir)
	if err != nil {
		return err
	}
	b.s = s
	return nil
}

func (b *badgerholdStore) Get(id int64) (Row, error) {
	var r Row
	err := b.s.Get(id, &r)
	if errors.Is(err, badgerhold.ErrNotFound) {
		return r, fmt.Errorf("badgerhold: row %d: %w", id, ErrNotFound)
	}
	return r, err
}

func (b *badgerholdStore) ByCategory(category string, dst []Row) ([]Row, error) {
	var res []Row
	err := b.s.Find(&res, badgerhold.Where("Category").Eq(category).Index("Category"))
	return append(dst, res...), err
}

func (b *badgerholdStore) First(n int, dst []Row) ([]Row, error) {
	if n <= 0 {
		return dst, nil
	}
	var res []Row
	err := b.s.Find(&res, (&badgerhold.Query{}).Limit(n))
	return append(dst, res...), err
}

func (b *badgerholdStore) ScanAll(fn func(*Row) error) error {
	return b.s.ForEach(&badgerhold.Query{}, fn)
}

func (b *badgerholdStore) SumScore() (float64, error) { return 0, ErrNoProjection }

func (b *badgerholdStore) Close() error { return b.s.Close() }
