package store

import (
	"encoding/binary"
	"errors"
)

// Covering indexes (layout.Index.Covering) keep a copy of the row in each
// entry, so an index scan reads its rows in index order from the entries'
// own keyspace instead of one scattered row read per match: at 1M rows an
// index scan of a plain index reads about one sstable block per row it
// returns, a covering one about one per block of entries.
//
// A covering entry has the key of any non-unique entry (header + scope +
// index values + key tuple); its value is
//
//	uvarint(len(ref)) + ref + row
//
// where ref is the value a plain entry holds (scope + key tuple) and row is
// the row's stored bytes. The length comes first so the ref is found
// without knowing where the index values end, as with a plain entry. The
// entry is rewritten by every write of its row (batch.go, apply), and it
// keeps its copy when the row is flushed: a flushed row's hot bytes leave
// the row keyspace, not its covering entries, which are what the entry's
// scans read. Only non-unique indexes cover (layout.Table.Validate).

// appendEntryValue appends the value of an entry of ix for the row stored
// under ref (scope + key tuple) with bytes row.
func appendEntryValue(dst []byte, ix indexCore, ref, row []byte) []byte {
	if !ix.covering {
		return append(dst, ref...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(ref)))
	dst = append(dst, ref...)
	return append(dst, row...)
}

// errEntryValue is why an entry value does not split.
var errEntryValue = errors.New("the covering entry's value does not start with the length of a row reference it holds")

// splitEntryValue returns the ref an entry value of ix holds and, for a
// covering index, the row copy after it. A value that is too short for its
// own length prefix is an error (damage on disk, reported as corruption by
// the callers).
func splitEntryValue(ix indexCore, v []byte) (ref, row []byte, err error) {
	if !ix.covering {
		return v, nil, nil
	}
	n, w := binary.Uvarint(v)
	if w <= 0 || n > uint64(len(v)-w) {
		return nil, nil, errEntryValue
	}
	return v[w : w+int(n)], v[w+int(n):], nil
}

// indexCore returns the type-erased description of index id, which the
// caller knows the table has.
func (c *tableCore) indexCore(id uint32) indexCore {
	for _, ix := range c.indexes {
		if ix.id == id {
			return ix
		}
	}
	return indexCore{id: id}
}
