package store

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// DataCorruptionError reports damage Pebble found in the database's files
// while reading a table: a block whose checksum does not match, an sstable
// that does not parse. Unlike a *CorruptError (bytes that are intact on disk
// but do not decode as a row), the file itself is damaged, so every read
// that touches the damaged block fails the same way until the file is
// repaired or restored. Test for it with errors.As; Err is Pebble's error.
type DataCorruptionError struct {
	Table string // "namespace.name"
	Key   string // the key being read, or the last key read before the damage; empty when unknown
	File  string // base name of the damaged file, e.g. "000123.sst"; empty when Pebble does not say
	Err   error
}

func (e *DataCorruptionError) Error() string {
	return fmt.Sprintf("store: %s: %s; run tablegen verify --db DIR to list every damaged file and row, then restore the database from a backup",
		e.Table, e.Summary())
}

// Summary is the damage in one line without the table or the remedy, e.g.
// "data corruption in 000123.sst: block checksum mismatch", for tools that
// print their own prefix.
func (e *DataCorruptionError) Summary() string {
	where := "the database files"
	if e.File != "" {
		where = e.File
	}
	s := "data corruption in " + where
	if e.Key != "" {
		s += " (reading key " + e.Key + ")"
	}
	return s + ": " + firstLine(e.Err)
}

func (e *DataCorruptionError) Unwrap() error { return e.Err }

// firstLine is the first line of err's message: Pebble's corruption errors
// can carry details over several lines.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// isCorruption reports whether err is Pebble reporting damaged files.
func isCorruption(err error) bool {
	return err != nil && (pebble.ExtractDataCorruptionInfo(err) != nil || pebble.IsCorruptionError(err))
}

// AsDataCorruption returns err as a *DataCorruptionError naming table and
// key (which may be empty) when err reports damaged database files, and err
// unchanged otherwise. Packages that read a table through [DB.Pebble]
// directly (runtime/scan, runtime/flush) use it so that damage reaches their
// callers as the same error the store's own reads return.
func AsDataCorruption(table, key string, err error) error {
	if !isCorruption(err) {
		return err
	}
	var dc *DataCorruptionError
	if errors.As(err, &dc) {
		return err
	}
	file := ""
	if info := pebble.ExtractDataCorruptionInfo(err); info != nil && !info.IsRemote {
		file = filepath.Base(info.Path)
	}
	return &DataCorruptionError{Table: table, Key: key, File: file, Err: err}
}

// readError wraps an error of a Pebble read of table: a *DataCorruptionError
// when the files are damaged, else "store: <table>: <what>: <err>".
func readError(table, key, what string, err error) error {
	if isCorruption(err) {
		return AsDataCorruption(table, key, err)
	}
	return fmt.Errorf("store: %s: %s: %w", table, what, err)
}

// ErrPebbleFatal is wrapped by the error every write returns once Pebble
// has reported a fatal error (see [Options.Logger]).
var ErrPebbleFatal = errors.New("store: pebble reported a fatal error; writes are refused: close the database, run tablegen verify --db DIR and open it again")

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
	if msg := db.fatal.Load(); msg != nil {
		return fmt.Errorf("%w: %s", ErrPebbleFatal, firstLine(errors.New(*msg)))
	}
	return nil
}

// checkCommit is err, or the fatal error when Pebble reported one during
// the commit (whose result can then not be trusted).
func (db *DB) checkCommit(err error) error {
	if err != nil {
		return err
	}
	return db.fatalErr()
}
