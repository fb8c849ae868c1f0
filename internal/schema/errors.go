package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// String formats p as "file:line:col", the prefix every schema error carries
// so that editors and CI logs can jump straight to the offending token.
func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

// Error is one problem in a table declaration. Msg says what is wrong and how
// to fix it; it never contains a newline, so an ErrorList prints one problem
// per line.
type Error struct {
	Pos Pos
	Msg string
}

// Error returns "file:line:col: msg".
func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ErrorList is every problem found in one run of the loader. The loader
// reports all of them at once, like a compiler, instead of stopping at the
// first, so that one edit-run cycle fixes a whole schema.
type ErrorList []*Error

// Error returns one "file:line:col: msg" line per problem, in list order
// (Load and ParseFiles return lists sorted by file, line and column).
func (l ErrorList) Error() string {
	if len(l) == 0 {
		return "no errors"
	}
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns nil for an empty list and the list itself otherwise, so callers
// can write `return s, errs.Err()` without returning a non-nil empty error.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// sortDedup orders the list by file, line, column and message and drops exact
// duplicates, which makes the output deterministic whatever order the checks
// ran in.
func (l ErrorList) sortDedup() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(l, func(a, b *Error) bool {
		return a.Pos == b.Pos && a.Msg == b.Msg
	})
}

// errorsOf collects errors while the loader walks the sources.
type errorsOf struct {
	list ErrorList
}

// add records a problem at pos. Newlines in the message (which can only come
// from a third-party error text) are flattened so every problem stays one line.
func (e *errorsOf) add(pos Pos, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(msg, "\r", " ")
	msg = strings.ReplaceAll(msg, "\n", "; ")
	if pos.Line < 1 {
		pos.Line = 1
	}
	if pos.Column < 1 {
		pos.Column = 1
	}
	e.list = append(e.list, &Error{Pos: pos, Msg: msg})
}
