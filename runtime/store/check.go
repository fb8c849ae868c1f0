package store

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// InvalidValueError is returned by Put, and by Commit of a batch holding
// the put, when a column of the row breaks its type's rule (see
// rowenc.Checker): a string column given bytes that are not UTF-8, a
// timestamp outside the int64 microsecond range. Nothing of the write (or of
// its batch) is applied. Test for it with errors.As.
type InvalidValueError struct {
	Table  string // "namespace.name"
	Key    string // the row's key
	Column string
	Err    *rowenc.ValueError
}

func (e *InvalidValueError) Error() string {
	return fmt.Sprintf("store: %s: put row %s: %v; nothing was written", e.Table, e.Key, e.Err)
}

func (e *InvalidValueError) Unwrap() error { return e.Err }

// RowChecker returns the rowenc.Checker of a table's layout: the store runs
// it on every row it writes, and readers that decode rows by the layout
// (runtime/scan) on every row they read, so that rows stored before a rule
// existed are reported instead of passed on.
func RowChecker(l *layout.Table) *rowenc.Checker {
	cols := make([]rowenc.Column, len(l.Columns))
	for i, c := range l.Columns {
		cols[i] = rowenc.Column{Tag: protowire.Number(c.Tag), Name: c.Name, Type: c.Type, Precision: c.Precision, Scale: c.Scale}
	}
	return rowenc.NewChecker(cols)
}

// checkRow checks an encoded row about to be written under key tuple pk.
func (c *tableCore) checkRow(row, pk []byte) error {
	err := c.check.Check(row)
	if err == nil {
		return nil
	}
	var ve *rowenc.ValueError
	if errors.As(err, &ve) {
		return &InvalidValueError{Table: c.name, Key: c.formatKey(pk), Column: ve.Column, Err: ve}
	}
	return fmt.Errorf("store: %s: put row %s: the generated AppendRow wrote bytes that do not parse (regenerate the table's code): %w", c.name, c.formatKey(pk), err)
}
