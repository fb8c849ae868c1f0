package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
)

// Transactions (see "Transactions" in the package documentation for the
// design and why it is a single writer).
//
// An Update holds the DB's writer lock (DB.commitMu) from before its
// function runs until its batch is committed or discarded, and with it the
// plain-writer lock (dbState.plainMu) exclusively from the first time it
// touches a table without indexes. Every other commit that could change what
// the function reads takes one of those locks: writes to indexed tables,
// Batch.Commit, DeleteUnchanged, raising a cold marker and Expire's
// commits take the writer lock, and writes to tables without indexes take
// the plain-writer lock for reading. So while the function runs nothing
// else commits to what it can have read, the latest state of the database
// is the transaction's snapshot, and a Pebble indexed batch over the
// database (which reads the batch's own writes over the database's latest
// state) is a snapshot plus the transaction's writes. Each write is applied
// to that batch at once, through the same code as Batch.Commit (reads of the
// old row and unique entries, then the index changes), so later reads see
// it, index entries included.

// ErrExists is returned (wrapped, naming the table and key) by [Table.Create]
// when a row with the key already exists; test for it with errors.Is.
var ErrExists = errors.New("already exists")

// Tx is one transaction, handed to the function given to [DB.Update] or
// [DB.View]. Reach tables through it with [Table.In]. A Tx is valid only
// until that function returns, and is not safe for concurrent use: use it
// on the goroutine that runs the function.
type Tx struct {
	db   *DB
	r    pebble.Reader    // what reads go through: snap (View) or ib (Update)
	snap *pebble.Snapshot // View
	ib   *pebble.Batch    // Update: indexed batch holding the writes so far
	// committed: ib was handed to db.commit, which closes it.
	committed bool
	b         *Batch // Update: scratch for the write being applied
	// plain is set once the transaction holds the plain-writer lock
	// exclusively (it touched a table without indexes).
	plain bool
	done  bool  // the function returned: every further use is an error
	err   error // a write failed halfway into ib: the transaction cannot commit
}

// Update runs fn in a read-write transaction and commits its writes
// atomically when fn returns nil: every row and index entry of every table
// and owner fn wrote, or nothing. fn's reads (Get, Has, GetUnique, Scan,
// IndexScan, Count, through tables bound with [Table.In]) see the database
// as of the start of the transaction plus fn's own writes.
//
// Transactions are serializable, and more: Update holds the DB's writer
// lock while fn runs, so transactions and every other write run one at a
// time in a single order, and each sees everything committed before it.
// There are no conflicts and nothing to retry; a write that waits does so
// for the lock (see "Transactions" in the package documentation). Reads
// outside transactions and [DB.View] do not wait.
//
// When fn returns an error, Update writes nothing and returns that error
// as it is. When fn panics, Update discards the writes, releases the lock
// and lets the panic continue, as database/sql and bbolt do. When ctx is
// done before the lock is acquired or by the time fn returns, Update writes
// nothing and returns ctx.Err(). A write of fn that fails (a
// *UniqueViolationError from Put, ErrExists from Create) has written
// nothing, so fn may handle the error and go on.
//
// fn must not use the DB outside the transaction to write (Put on an
// unbound table, Batch.Commit, another Update, Expire): those wait for the
// lock fn's transaction holds, forever, as a nested bbolt Update does.
// Reads outside the transaction are allowed but do not see its writes.
func (db *DB) Update(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	if err := db.commitMu.lockContext(ctx); err != nil {
		return err
	}
	defer db.commitMu.Unlock()
	// A write that timed out is still queued in Pebble: reading now would
	// miss it (see refuseWhilePending).
	if err := db.refuseWhilePending(); err != nil {
		return err
	}
	tx := &Tx{db: db, ib: db.pdb.NewIndexedBatch(), b: db.getBatch()}
	tx.r = tx.ib
	defer tx.end()
	if err := fn(tx); err != nil {
		return err
	}
	if tx.err != nil {
		return tx.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if tx.ib.Empty() {
		return nil
	}
	// Bounded by Options.WriteTimeout like every write (a full disk);
	// commit closes the batch.
	ib := tx.ib
	tx.committed = true
	if err := db.commit(ib, db.writeOpts); err != nil {
		return fmt.Errorf("store: update: commit: %w", err)
	}
	return nil
}

// View runs fn in a read-only transaction: every read through tables bound
// with [Table.In] sees one snapshot of the database, taken when View
// starts, so a View is serializable with every commit. It takes no lock:
// writers go on while it runs, and it never waits for them. Writes through
// the transaction fail. View returns fn's error, or ctx.Err() when ctx is
// done before fn runs or by the time it returns.
func (db *DB) View(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	tx := &Tx{db: db, snap: db.pdb.NewSnapshot()}
	tx.r = tx.snap
	defer tx.end()
	if err := fn(tx); err != nil {
		return err
	}
	return ctx.Err()
}

// end discards what the transaction holds; it runs when Update or View
// returns, normally or by a panic.
func (tx *Tx) end() {
	tx.done = true
	if tx.snap != nil {
		_ = tx.snap.Close()
	}
	if tx.ib != nil {
		if !tx.committed {
			_ = tx.ib.Close() // discarding the writes; db.commit closed a committed batch
		}
		tx.db.putBatch(tx.b)
		tx.b = nil
	}
	if tx.plain {
		stateOf(tx.db).plainMu.Unlock()
	}
}

// reader returns what reads of table c in the transaction go through.
func (tx *Tx) reader(c *tableCore) (pebble.Reader, error) {
	switch {
	case tx.done:
		return nil, fmt.Errorf("store: %s: the transaction has ended; use a tx only inside the function given to DB.Update or DB.View", c.name)
	case c.db != tx.db:
		return nil, fmt.Errorf("store: %s: the table is on another DB than the transaction; bind tables of the transaction's own DB with In", c.name)
	}
	if tx.ib != nil && len(c.indexes) == 0 && !tx.plain {
		// Writes to tables without indexes skip the writer lock; from now
		// on none can commit until the transaction has.
		c.state.plainMu.Lock()
		tx.plain = true
	}
	return tx.r, nil
}

// writer returns the scratch batch for one write to table c, empty; the
// caller adds the write with PutIn or DeleteIn and calls apply.
func (tx *Tx) writer(c *tableCore) (*Batch, error) {
	if tx.ib == nil && !tx.done {
		return nil, fmt.Errorf("store: %s: write in a read-only transaction; write inside DB.Update instead of DB.View", c.name)
	}
	if _, err := tx.reader(c); err != nil {
		return nil, err
	}
	if tx.err != nil {
		return nil, tx.err
	}
	tx.b.Reset()
	return tx.b, nil
}

// apply applies the write in the scratch batch to the transaction's
// indexed batch: the old row and the unique entries are read through it
// (so they include the transaction's earlier writes) and the row and index
// changes written into it, by the same code Batch.Commit runs. A write that
// is refused (a unique violation, an old row that does not decode) leaves
// the transaction as it was.
func (tx *Tx) apply() error {
	b := tx.b
	o := &b.ops[0]
	if len(o.core.indexes) > 0 {
		b.planReads()
		if err := b.fetchReads(tx.ib); err != nil {
			return err
		}
	}
	err := b.apply(tx.ib, tx.ib, o)
	if err != nil {
		var uv *UniqueViolationError
		var ce *CorruptError
		if !errors.As(err, &uv) && !errors.As(err, &ce) {
			tx.err = fmt.Errorf("store: %s: a write of the transaction failed halfway, so the transaction cannot commit: %w", o.core.name, err)
		}
	}
	return err
}

// readView is where one read operation of a table goes: the transaction's
// reader when the table is bound to one; otherwise the database itself, or
// for operations that look up several keys (unique lookups, index scans) a
// snapshot of it, with a lifecycle reference held until close.
type readView struct {
	r    pebble.Reader
	snap *pebble.Snapshot // opened for this read
	db   *DB              // lifecycle entered for this read
	tx   *Tx
}

// openRead opens a readView of table c, inside tx when tx is not nil. snapshot
// asks for one consistent state across several Gets outside a transaction
// (inside one, the transaction's view is that already).
func (c *tableCore) openRead(tx *Tx, snapshot bool) (readView, error) {
	if tx != nil {
		r, err := tx.reader(c)
		return readView{r: r, tx: tx}, err
	}
	db := c.db
	if !db.life.enter() {
		return readView{}, ErrClosed
	}
	v := readView{r: db.pdb, db: db}
	if snapshot {
		v.snap = db.pdb.NewSnapshot()
		v.r = v.snap
	}
	return v, nil
}

func (v readView) close() {
	if v.snap != nil {
		_ = v.snap.Close()
	}
	if v.db != nil {
		v.db.life.exit()
	}
}

// rowReader returns what an index scan reads its rows through, and how to
// close it: an iterator over the table's rows, opened together with the
// entries' iterator. An index scan resolves its entries in key order, so
// each row is a forward seek of one iterator, which Pebble continues from
// where the last one stopped, rather than a point Get that searches every
// level again. The seek is a prefix seek (the default comparer's prefix is
// the whole key), so like a Get it consults the sstables' bloom filters and
// skips the levels that cannot hold the row: at 1M rows a plain seek read a
// block of every level for each row and took ~50% longer. For an Update's
// indexed batch it is also what keeps the rows consistent with the entries:
// the function may write while it ranges over the scan, and a Get on the
// batch would see those writes while the entries' iterator does not; both
// iterators see the batch as it was when the scan started.
func (v readView) rowReader(c *tableCore) (getter, func() error, error) {
	prefix := appendRowPrefix(nil, c.id)
	it, err := v.r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, nil, err
	}
	g := iterGetter{it: it}
	if !c.flushed() {
		return g, it.Close, nil
	}
	// The cold markers, from the same state: a flushed row's entries
	// resolve through them (cold.go).
	if g.cold, err = v.r.NewIter(&pebble.IterOptions{LowerBound: coldBound(prefix), UpperBound: coldBound(prefixEnd(prefix))}); err != nil {
		_ = it.Close()
		return nil, nil, err
	}
	return g, func() error {
		err := it.Close()
		if e := g.cold.Close(); err == nil {
			err = e
		}
		return err
	}, nil
}

// iterGetter reads single keys through an iterator, and so from the state
// the iterator was opened on: rows through it, cold markers through cold.
type iterGetter struct{ it, cold *pebble.Iterator }

func (g iterGetter) Get(key []byte) ([]byte, io.Closer, error) {
	it := g.it
	if key[0] == keyspaceCold {
		if it = g.cold; it == nil {
			return nil, nil, pebble.ErrNotFound
		}
	}
	if !it.SeekPrefixGE(key) || !bytes.Equal(it.Key(), key) {
		if err := it.Error(); err != nil {
			return nil, nil, err
		}
		return nil, nil, pebble.ErrNotFound
	}
	val, err := it.ValueAndErr()
	if err != nil {
		return nil, nil, err
	}
	return val, nopCloser{}, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// In returns the view of t inside transaction tx: every read and write of
// the returned table goes through tx, with t's scope (and WithScope on the
// returned view keeps tx). Generated stores wrap it in one line, e.g.
//
//	func (s *InvoiceStore) In(tx *store.Tx) *InvoiceStore { return &InvoiceStore{t: s.t.In(tx)} }
//
// so that every generated method (Get, Put, GetByNumber, ScanByStatus, For)
// works inside the transaction unchanged. In(nil) is t outside any
// transaction. Verify, PutIn and DeleteIn are not transactional (Verify
// reads what is committed, PutIn and DeleteIn add to a Batch), and Expire
// refuses a bound table.
func (t *Table[K, V]) In(tx *Tx) *Table[K, V] {
	nt := *t
	nt.tx = tx
	return &nt
}

// Create inserts row v only if no row has its key, and fails with an error
// wrapping ErrExists, having written nothing, when one does. Like Put it
// returns a *UniqueViolationError when v would share a unique index's
// values with another row. On a table bound to a transaction it is part of
// that transaction; otherwise it runs in a transaction of its own.
func (t *Table[K, V]) Create(v *V) error {
	if err := t.allow(access.Write); err != nil {
		return err
	}
	if t.tx == nil {
		return t.core.db.Update(context.Background(), func(tx *Tx) error { return t.In(tx).Create(v) })
	}
	k := t.spec.KeyOf(v)
	ok, err := t.Has(k)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("store: %s: create row %v: %w; use Put to replace it or Update to change it", t.core.name, k, ErrExists)
	}
	return t.Put(v)
}

// Update reads the row with key k, lets fn change it in place and writes
// it back, atomically: no other write can come between the read and the
// write, so concurrent Updates of one row never lose a change. When no row
// has key k, fn is not called and Update returns an error wrapping
// ErrNotFound (use Create, or Get and Put inside DB.Update, for a row that
// may not exist yet). When fn returns an error, nothing is written and
// Update returns it. fn must not change the row's key: Update refuses to
// move a row (delete it and Create the new one instead). On a table bound
// to a transaction it is part of that transaction; otherwise it runs in a
// transaction of its own.
func (t *Table[K, V]) Update(k K, fn func(old *V) error) error {
	if err := t.allow(access.Write); err != nil {
		return err
	}
	if t.tx == nil {
		return t.core.db.Update(context.Background(), func(tx *Tx) error { return t.In(tx).Update(k, fn) })
	}
	v, err := t.Get(k)
	if err != nil {
		return err
	}
	if err := fn(&v); err != nil {
		return err
	}
	if nk := t.spec.KeyOf(&v); !bytes.Equal(t.spec.AppendKey(nil, nk), t.spec.AppendKey(nil, k)) {
		return fmt.Errorf("store: %s: update row %v: the function changed the key to %v; Update changes a row in place, so delete the row and Create the new one to move it", t.core.name, k, nk)
	}
	return t.Put(&v)
}

// writerLock is the DB's writer lock: a mutex whose Update can also give up
// waiting when its context is done. It counts the goroutines waiting for
// it, which lets tests know that a writer is blocked behind a transaction.
type writerLock struct {
	ch      chan struct{} // holds a token while locked
	waiting atomic.Int32
}

func (l *writerLock) init() { l.ch = make(chan struct{}, 1) }

// Lock acquires the lock, waiting as long as it takes.
func (l *writerLock) Lock() {
	select {
	case l.ch <- struct{}{}:
		return
	default:
	}
	l.waiting.Add(1)
	l.ch <- struct{}{}
	l.waiting.Add(-1)
}

// lockContext acquires the lock, or returns ctx.Err() when ctx is done
// first.
func (l *writerLock) lockContext(ctx context.Context) error {
	select {
	case l.ch <- struct{}{}:
		return nil
	default:
	}
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	select {
	case l.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TryLock acquires the lock if it is free.
func (l *writerLock) TryLock() bool {
	select {
	case l.ch <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l *writerLock) Unlock() { <-l.ch }
