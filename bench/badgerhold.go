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

// Load upserts rows in transactions of BatchSize rows. badgerhold keeps one
// value per indexed value listing every key that has it, so a transaction
// writes a longer list for each row as the table grows, and past ~600k rows
// a transaction of BatchSize rows no longer fits Badger's limit. Badger's
// documented answer to ErrTxnTooBig is the one taken here: commit what the
// transaction holds and go on in a new one. The refused row is upserted
// again there; whatever of it the committed transaction already held (its
// value, some of its index lists) is found and rewritten, so the index ends
// up the same.
func (b *badgerholdStore) Load(rows []Row) error {
	db := b.s.Badger()
	for start := 0; start < len(rows); start += BatchSize {
		end := min(start+BatchSize, len(rows))
		tx := db.NewTransaction(true)
		for i := start; i < end; i++ {
			err := b.s.TxUpsert(tx, rows[i].ID, &rows[i])
			if errors.Is(err, badger.ErrTxnTooBig) {
				if err = tx.Commit(); err == nil {
					tx = db.NewTransaction(true)
					err = b.s.TxUpsert(tx, rows[i].ID, &rows[i])
				}
			}
			if err != nil {
				tx.Discard()
				return fmt.Errorf("badgerhold: load row %d (batch %d…%d): %w", i, start, end-1, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("badgerhold: load rows %d…%d: commit: %w", start, end-1, err)
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
