package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tablegen/tablegen/runtime/internal/kv"
	"github.com/tablegen/tablegen/runtime/layout"
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
	// Shown is the index and its values as typed values, by_email =
	// "alan@x" (formatIndexValues), what Error prints instead of Values.
	Shown string
}

func (e *UniqueViolationError) Error() string {
	shown := e.Shown
	if shown == "" {
		shown = fmt.Sprintf("%s values 0x%x", e.Index, e.Values)
	}
	return fmt.Sprintf("store: %s: %s already belongs to row %s, cannot also belong to row %s (unique index); delete or change the existing row first",
		e.Table, shown, e.ExistingKey, e.Key)
}

// CorruptError reports damaged data, as an error rather than a panic or an
// exit. Either the bytes are intact on disk but do not decode (a row value,
// a row key, an index entry that does not agree with its row), or a file of
// the database is damaged (a block whose checksum does not match, an sstable
// that does not parse): then every read that touches the damaged block fails
// the same way until the database is restored, File names the file when
// Pebble says which, and Err is Pebble's error (test for it with
// pebble.IsCorruptionError). Both are one type because the remedy starts the
// same way, with `tablegen verify`, which lists every damaged row, entry and
// file. Test for it with errors.As.
type CorruptError struct {
	Table string // "namespace.name"
	// Key is the row key formatted with %v of the decoded key, as hex when
	// the key itself does not decode, or the last key read before damaged
	// files; empty when unknown.
	Key  string
	File string // base name of the damaged file, e.g. "000123.sst"; empty for bytes that do not decode, or when Pebble does not say
	Err  error  // the cause
}

func (e *CorruptError) Error() string {
	if e.inFiles() {
		return fmt.Sprintf("store: %s: %s; run tablegen verify --db DIR to list every damaged file and row, then restore the database from a backup",
			e.Table, e.Summary())
	}
	return fmt.Sprintf("store: %s: %s (run Verify to list every damaged row and entry)", e.Table, e.Summary())
}

// Summary is the damage in one line without the table or the remedy, e.g.
// "data corruption in 000123.sst: block checksum mismatch" or "row a/2 is
// corrupt: …", for tools that print their own prefix.
func (e *CorruptError) Summary() string {
	if !e.inFiles() {
		return fmt.Sprintf("row %s is corrupt: %v", e.Key, e.Err)
	}
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

func (e *CorruptError) Unwrap() error { return e.Err }

// inFiles reports whether the database files are damaged, rather than bytes
// that do not decode.
func (e *CorruptError) inFiles() bool {
	if e.File != "" {
		return true
	}
	_, ok := kv.Damaged(e.Err)
	return ok
}

// LayoutMismatchError is returned by NewTable when the database holds the
// table's data in a layout this build would misread, so it refuses to open
// the table and writes nothing. Safe changes (a new or retired column, a new
// or dropped index, a widened type) are applied on open instead; see
// [NewTable]. Changes lists every difference in words; Refused the ones
// that made NewTable refuse, each with the internal/compat rule it breaks,
// the rule id `tablegen breaking` reports for the same change. Without
// Refused, the table was registered twice in one process with different
// layouts.
type LayoutMismatchError struct {
	Table   string
	Changes []string
	Refused []RefusedChange
	// ReadOnly is set when every change is safe but the database was
	// opened with Options.ReadOnly, so the upgrade (which writes) was not
	// applied. Reading with Stored instead is then exact.
	ReadOnly bool
	// Stored is the layout the database records for the table (the one its
	// rows were written with), when the record parses; a read-only tool
	// such as tablegen inspect can read the table with it.
	Stored layout.Table
}

// RefusedChange is one change NewTable will not apply to stored data.
type RefusedChange struct {
	Rule   string // internal/compat rule id, e.g. "KEY_CHANGED", "COLUMN_TYPE_INCOMPATIBLE"
	Change string // the change in words, as listed in LayoutMismatchError.Changes
}

func (e *LayoutMismatchError) Error() string {
	if e.ReadOnly {
		return fmt.Sprintf("store: table %s: the database holds an older layout with only safe differences (%s), which a read-only open cannot apply; "+
			"open it for writing once to upgrade it, or read it with the stored layout",
			e.Table, strings.Join(e.Changes, "; "))
	}
	if len(e.Refused) == 0 {
		return fmt.Sprintf("store: table %s: the database was written with a different layout than this build declares:\n\t%s\nrestore the old declaration or migrate the data",
			e.Table, strings.Join(e.Changes, "\n\t"))
	}
	lines := make([]string, len(e.Refused))
	for i, r := range e.Refused {
		lines[i] = r.Rule + ": " + r.Change
	}
	return fmt.Sprintf("store: table %s: this build would misread the data the database holds, so the table was not opened and nothing was changed:\n\t%s\n"+
		"run `tablegen breaking --against <the revision that wrote the database>` to see each change at its file:line:col; "+
		"restore the old declaration, or create a new table with a new id and copy the rows",
		e.Table, strings.Join(lines, "\n\t"))
}

// MetadataError is returned by NewTable when the table's layout record in
// the metadata keyspace is damaged (it does not parse, or its layout no
// longer matches its fingerprint) or missing while the table has rows.
// Without an intact record NewTable cannot know how the rows were written,
// so it refuses to open the table and writes nothing. Unlike a
// *LayoutMismatchError it says nothing about the declaration: changing or
// migrating the schema is no remedy, restoring the database from a backup
// is. Test for it with errors.As.
type MetadataError struct {
	Table string // "namespace.name"
	Key   []byte // the record's key: 0x01 + BE uint32 table id
	Err   error  // what is wrong with the record
}

func (e *MetadataError) Error() string {
	return fmt.Sprintf("store: table %s: the metadata is damaged: the layout record (key %x) %v; "+
		"restore the database from a backup (do not write a new record: it would vouch for rows written with an unknown layout)",
		e.Table, e.Key, e.Err)
}

func (e *MetadataError) Unwrap() error { return e.Err }
