package store

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/runtime/internal/kv"
)

// firstLine is the first line of err's message: Pebble's corruption errors
// can carry details over several lines.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// readError wraps an error of a Pebble read of table: a *CorruptError when
// the files are damaged, else "store: <table>: <what>: <err>".
func readError(table, key, what string, err error) error {
	if e := AsCorrupt(table, key, err); e != err {
		return e
	}
	return fmt.Errorf("store: %s: %s: %w", table, what, err)
}

// AsCorrupt returns err as a *CorruptError naming table, key (which may be
// empty) and the file when err reports damaged database files (Pebble's
// checksums), and err unchanged otherwise. The store's reads and the Arrow
// scans over the same files (runtime/scan) report damage through it, so a
// caller sees one error type whichever read found it.
func AsCorrupt(table, key string, err error) error {
	file, ok := kv.Damaged(err)
	if !ok {
		return err
	}
	var ce *CorruptError
	if errors.As(err, &ce) {
		return err
	}
	return &CorruptError{Table: table, Key: key, File: file, Err: err}
}

// ErrPebbleFatal is wrapped by the error every write returns once Pebble
// has reported a fatal error (see [Options.Logger]): Pebble has stopped
// the database, and only reopening it recovers. The error says what to do
// first: free disk space when the cause was a full disk (a failed MANIFEST
// write), else run tablegen verify.
var ErrPebbleFatal = errors.New("store: the database stopped after a fatal Pebble error; writes are refused")

// fatalLogger is the logger Open gives Pebble: it forwards Infof and Errorf
// to the configured logger and turns Fatalf, which Pebble's default logger
// implements with os.Exit, into an error message plus a sticky fatal state
// that makes every later write fail with ErrPebbleFatal. Pebble continues
// after Fatalf returns: most of its Fatalf calls are invariant checks, and
// the commit pipeline's ("fatal commit error") means a batch may not have
// reached the log although Commit returned, which is why the store checks
// the fatal state after every commit.
type fatalLogger struct {
	next  pebble.Logger
	fatal *atomic.Pointer[string]
}

func (l fatalLogger) Infof(format string, args ...any)  { l.next.Infof(format, args...) }
func (l fatalLogger) Errorf(format string, args ...any) { l.next.Errorf(format, args...) }

func (l fatalLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	l.fatal.CompareAndSwap(nil, &msg)
	l.next.Errorf("FATAL (the store refuses further writes): %s", msg)
}

// fatalErr returns a non-nil error once Pebble has reported a fatal error.
func (db *DB) fatalErr() error {
	msg := db.fatal.Load()
	if msg == nil {
		return nil
	}
	what := "close the database, run tablegen verify --db DIR and open it again"
	if strings.Contains(*msg, "no space left on device") || strings.Contains(*msg, "disk quota exceeded") {
		what = "the disk is full: free space, then close and reopen the database (acknowledged writes are kept)"
	}
	return fmt.Errorf("%w: %s: %s", ErrPebbleFatal, what, firstLine(errors.New(*msg)))
}

// checkCommit is err, or the fatal error when Pebble reported one during
// the commit (whose result can then not be trusted).
func (db *DB) checkCommit(err error) error {
	if err != nil {
		return err
	}
	return db.fatalErr()
}
