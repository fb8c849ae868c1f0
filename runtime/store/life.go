package store

import (
	"sync"
)

// A Lease ties a long-lived reader of the DB (a scan's iterator, a union
// read's snapshot, a flush) to the DB's lifetime, so that Close neither
// panics nor reports leaked iterators or snapshots while the reader is
// open, and the reader never touches Pebble after it is closed.
//
// The reader holds the lease's lock (Lock/Unlock) whenever it uses its
// Pebble resources, and gives the lease the function that closes them.
// Close, for every lease still held, first calls its interrupt function
// (if any, e.g. a context's cancel, so a reader that holds the lock for a
// long time gives it up), then takes the lease's lock, so it waits at most
// for the reader's current step, calls the stop function, and marks the
// lease stopped: from then on Lock returns [ErrClosed] and the reader ends
// with that error. Release ends the lease from the reader's side (stopping
// it unless Close already did). A lease is what makes "Close while a scan
// is open" safe; a program should still release its readers first.
type Lease struct {
	db        *DB
	mu        sync.Mutex
	stop      func()
	interrupt func()
	stopped   bool // Close stopped it, or Release ended it
}

// leases is the DB's registry of open leases.
type leases struct {
	mu     sync.Mutex
	closed bool
	open   map[*Lease]struct{}
}

// NewLease registers a reader whose resources stop closes; interrupt, when
// not nil, asks a reader that holds the lease's lock for a long time to
// give it up (Close calls it before taking the lock). It returns
// [ErrClosed] once Close has begun.
func (db *DB) NewLease(stop, interrupt func()) (*Lease, error) {
	l := &Lease{db: db, stop: stop, interrupt: interrupt}
	db.leases.mu.Lock()
	defer db.leases.mu.Unlock()
	if db.leases.closed {
		return nil, ErrClosed
	}
	if db.leases.open == nil {
		db.leases.open = map[*Lease]struct{}{}
	}
	db.leases.open[l] = struct{}{}
	return l, nil
}

// Lock takes the lease for one step of the reader. It returns [ErrClosed]
// (without holding the lock) when Close has stopped the lease.
func (l *Lease) Lock() error {
	l.mu.Lock()
	if l.stopped {
		l.mu.Unlock()
		return ErrClosed
	}
	return nil
}

// Unlock ends the step Lock began.
func (l *Lease) Unlock() { l.mu.Unlock() }

// Release ends the lease: it calls stop unless Close already did, and
// forgets the lease. It is safe to call more than once.
func (l *Lease) Release() {
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		l.stop()
	}
	l.mu.Unlock()
	l.db.leases.mu.Lock()
	delete(l.db.leases.open, l)
	l.db.leases.mu.Unlock()
}

// closeLeases refuses new leases and stops every open one; Close calls it
// before it waits for running operations and closes Pebble.
func (db *DB) closeLeases() {
	db.leases.mu.Lock()
	db.leases.closed = true
	open := make([]*Lease, 0, len(db.leases.open))
	for l := range db.leases.open {
		open = append(open, l)
	}
	db.leases.open = nil
	db.leases.mu.Unlock()
	for _, l := range open {
		if l.interrupt != nil {
			l.interrupt()
		}
		l.mu.Lock()
		if !l.stopped {
			l.stopped = true
			l.stop()
		}
		l.mu.Unlock()
	}
}
