package store

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned (wrapped) by Get and GetUnique when no row has the
// key or index values; test for it with errors.Is.
var ErrNotFound = errors.New("not found")

// notFound wraps ErrNotFound with the table and the key that was asked for.
func notFound(table, what string) error {
	return fmt.Errorf("store: %s: %s: %w", table, what, ErrNotFound)
}

// UniqueViolationError is returned when a write would give a unique index a
// second row with the same values. Nothing of the write (or of its batch) is
// applied. Test for it with errors.As.
type UniqueViolationError struct {
	Table       string // "namespace.name"
	Index       string // index name
	Values      []byte // the encoded index values both rows share
	ExistingKey string // key of the row that already holds the values
	Key         string // key of the row that was being written
}

func (e *UniqueViolationError) Error() string {
	return fmt.Sprintf("store: %s: unique index %s: values %q already belong to row %s, cannot also give them to row %s; delete or change the existing row first",
		e.Table, e.Index, e.Values, e.ExistingKey, e.Key)
}

// CorruptError reports stored bytes that cannot be decoded, or an index entry
// that does not agree with its row. Key is the row key formatted with %v of
// the decoded key, or as hex when the key itself does not decode.
type CorruptError struct {
	Table string
	Key   string
	Err   error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store: %s: row %s is corrupt: %v (run Verify to list every damaged row and entry)", e.Table, e.Key, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// LayoutMismatchError is returned by NewTable when the database was written
// with a different layout for the table than the program declares. Changes
// lists each difference in words.
type LayoutMismatchError struct {
	Table   string
	Changes []string
}

func (e *LayoutMismatchError) Error() string {
	return fmt.Sprintf("store: table %s: the database was written with a different layout than this build declares:\n\t%s\nrestore the old declaration or migrate the data",
		e.Table, strings.Join(e.Changes, "\n\t"))
}
