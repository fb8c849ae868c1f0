package store

// Hold registers an operation that reads Pebble directly (an Arrow scan
// holding an iterator), so that [DB.Close] waits for it as for the store's
// own scans, and so that nothing reaches Pebble after Close (Pebble panics
// then). It returns ErrClosed once Close has begun; otherwise the caller
// must call release exactly once, after closing its iterators and
// snapshots.
func (db *DB) Hold() (release func(), err error) {
	if !db.life.enter() {
		return nil, ErrClosed
	}
	done := false
	return func() {
		if !done {
			done = true
			db.life.exit()
		}
	}, nil
}
