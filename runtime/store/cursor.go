package store

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
)

// ErrCursorMismatch is returned (wrapped) when a scan is given a cursor it
// did not make: a cursor of another table, index, owner, range or
// direction, or bytes that are not a cursor at all. Test for it with
// errors.Is.
var ErrCursorMismatch = errors.New("cursor does not belong to this scan")

// Cursor is the position of a paged scan, the one paging form of every scan
// (Scan, IndexScan and every generated index scan, AllOwners.Scan). A scan
// makes it: set ScanOptions.Next and the scan stores there the cursor just
// past the last row it yielded; pass it as ScanOptions.After to the same
// scan to get the next page. A cursor records which scan made it (table,
// index, owner scope, range and direction) as a hash, and another scan
// refuses it with ErrCursorMismatch rather than paging from a position that
// means something else there. The hash guards against mistakes, not
// forgery: a cursor is not a capability, and a forged one only moves where
// the same scan starts.
//
// The zero Cursor starts at the beginning of the scan. String and
// MarshalText give URL-safe text for APIs; ParseCursor and UnmarshalText
// read it back.
type Cursor struct {
	b []byte // cursorVersion + 8-byte scan hash + position (empty when zero)
}

const (
	cursorVersion   = 1
	cursorHeaderLen = 1 + 8
)

// IsZero reports whether c is the zero Cursor, the start of a scan.
func (c Cursor) IsZero() bool { return len(c.b) == 0 }

// String returns the cursor as unpadded base64url text ("" for the zero
// Cursor), safe in a URL query.
func (c Cursor) String() string { return base64.RawURLEncoding.EncodeToString(c.b) }

// MarshalText returns String's text, so a cursor in a JSON response is a string.
func (c Cursor) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText sets c from text made by MarshalText (see ParseCursor).
func (c *Cursor) UnmarshalText(text []byte) error {
	v, err := ParseCursor(string(text))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseCursor reads a cursor's String text, for example from a request;
// "" is the zero Cursor. Text that is not a cursor is an error wrapping
// ErrCursorMismatch; whether the cursor belongs to a scan is checked by the
// scan it is given to.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, fmt.Errorf("store: cursor %.20q is not base64url text: %w", s, ErrCursorMismatch)
	}
	if len(b) < cursorHeaderLen || b[0] != cursorVersion {
		return Cursor{}, fmt.Errorf("store: cursor %.20q has no cursor header (version %d): %w", s, cursorVersion, ErrCursorMismatch)
	}
	return Cursor{b: b}, nil
}

// scanID identifies one scan for its cursors: the table, which keyspace
// (rows, an index, all owners), the owner scope, the range and the
// direction. name says the scan in errors ("index by_status scan").
type scanID struct {
	name string
	hash uint64
}

// scanKind values: what a scan walks.
const (
	scanRows      = 'r'
	scanIndex     = 'i'
	scanAllOwners = 'o'
)

// newScanID returns the identity of the scan of t of kind (with index id
// for scanIndex) over r in direction reverse.
func (t *Table[K, V]) newScanID(name string, kind byte, index uint32, r Range, reverse bool) scanID {
	h := fnv.New64a()
	var buf []byte
	field := func(b []byte) {
		buf = binary.AppendUvarint(buf[:0], uint64(len(b)))
		h.Write(buf)
		h.Write(b)
	}
	field([]byte(t.core.name))
	field(binary.BigEndian.AppendUint32(nil, t.core.id))
	field([]byte{kind})
	field(binary.BigEndian.AppendUint32(nil, index))
	field(t.scope)
	field(r.Start)
	field(r.End)
	if r.End == nil {
		field([]byte{0}) // an unbounded end differs from an empty one
	}
	field([]byte{map[bool]byte{false: 0, true: 1}[reverse]})
	return scanID{name: name, hash: h.Sum64()}
}

// pagingID is newScanID when the scan pages (o.After or o.Next is set) and
// a scan without identity otherwise, so a scan that does not page pays
// nothing for cursors.
func (t *Table[K, V]) pagingID(name string, kind byte, index uint32, r Range, o ScanOptions) scanID {
	if o.After.IsZero() && o.Next == nil {
		return scanID{name: name}
	}
	return t.newScanID(name, kind, index, r, o.Reverse)
}

// position returns the position c holds for the scan id (nil for the zero
// Cursor), or an error wrapping ErrCursorMismatch naming table and scan.
func (id scanID) position(table string, c Cursor) ([]byte, error) {
	if c.IsZero() {
		return nil, nil
	}
	if len(c.b) < cursorHeaderLen || c.b[0] != cursorVersion {
		return nil, fmt.Errorf("store: %s: %s: the cursor has no cursor header: %w", table, id.name, ErrCursorMismatch)
	}
	if binary.BigEndian.Uint64(c.b[1:cursorHeaderLen]) != id.hash {
		return nil, fmt.Errorf("store: %s: %s: the cursor was made by another scan (another table, index, owner, range or direction): %w", table, id.name, ErrCursorMismatch)
	}
	return c.b[cursorHeaderLen:], nil
}

// cursor returns the cursor of scan id at position pos (copied).
func (id scanID) cursor(pos []byte) Cursor {
	b := make([]byte, cursorHeaderLen, cursorHeaderLen+len(pos))
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:], id.hash)
	return Cursor{b: append(b, pos...)}
}

// pager tracks the position of the last row a scan yielded, for
// ScanOptions.Next; with Next nil it does nothing.
type pager struct {
	next *Cursor
	id   scanID
	last []byte
	seen bool
}

func newPager(id scanID, o ScanOptions) *pager {
	p := &pager{next: o.Next, id: id}
	if o.Next != nil && !o.After.IsZero() {
		// No row yielded: the next page starts where this one did.
		p.last, p.seen = bytes.Clone(o.After.b[cursorHeaderLen:]), true
	}
	return p
}

// at records pos (the key after the scan's base) as the last yielded position.
func (p *pager) at(pos []byte) {
	if p.next != nil {
		p.last, p.seen = append(p.last[:0], pos...), true
	}
}

// done stores the cursor in Next: past the last yielded row, After when
// there was none, the zero Cursor when the scan started at the beginning
// and yielded nothing.
func (p *pager) done() {
	if p.next == nil {
		return
	}
	if !p.seen {
		*p.next = Cursor{}
		return
	}
	*p.next = p.id.cursor(p.last)
}
