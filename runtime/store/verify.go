package store

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

// ProblemKind classifies what Verify found.
type ProblemKind int

// The kinds of problem Verify reports.
const (
	// CorruptRow: a row's bytes do not decode, or its columns name a
	// different key than the one it is stored under.
	CorruptRow ProblemKind = iota + 1
	// MissingEntry: a row has no entry for its values in an index, or its
	// unique entry points to another row.
	MissingEntry
	// DanglingEntry: an index entry points to a row that does not exist.
	DanglingEntry
	// StaleEntry: an index entry points to a row whose values (or key) would
	// not produce that entry.
	StaleEntry
)

func (k ProblemKind) String() string {
	switch k {
	case CorruptRow:
		return "corrupt row"
	case MissingEntry:
		return "missing entry"
	case DanglingEntry:
		return "dangling entry"
	case StaleEntry:
		return "stale entry"
	}
	return fmt.Sprintf("ProblemKind(%d)", int(k))
}

// Problem is one inconsistency found by Verify.
type Problem struct {
	Kind   ProblemKind
	Table  string // "namespace.name"
	Index  string // index name; empty for CorruptRow
	Key    string // the row's key, %v of the decoded key or hex
	RawKey []byte // the Pebble key of the row or entry at fault, for repair tools
	Detail string
}

// String is a one-line description, e.g.
// "system.jobs: index by_status: missing entry: row job-1: no entry for values ...".
func (p Problem) String() string {
	if p.Index == "" {
		return fmt.Sprintf("%s: %s: row %s: %s", p.Table, p.Kind, p.Key, p.Detail)
	}
	return fmt.Sprintf("%s: index %s: %s: row %s: %s", p.Table, p.Index, p.Kind, p.Key, p.Detail)
}

// Verify checks, from one snapshot, that every row decodes and has exactly
// the index entries its values call for, and that every index entry points
// to a row that calls for it. It returns every problem found (nil when the
// table is consistent); the error is for failures to read at all. On a
// scoped view it checks that scope only; on an unscoped view of a scoped
// table it checks every scope, and reports as a corrupt row any row whose
// key is not one scope (an encoded owner; in a user table, never nothing)
// followed by the key its columns give. Memory stays bounded by the problems found:
// rows and entries are streamed and checked with point lookups.
func (t *Table[K, V]) Verify() ([]Problem, error) {
	if err := t.allow(access.Read); err != nil {
		return nil, err
	}
	db := t.core.db
	if !db.life.enter() {
		return nil, ErrClosed
	}
	defer db.life.exit()
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	var problems []Problem
	add := func(kind ProblemKind, index, key string, raw []byte, format string, args ...any) {
		problems = append(problems, Problem{Kind: kind, Table: t.core.name, Index: index, Key: key,
			RawKey: bytes.Clone(raw), Detail: fmt.Sprintf(format, args...)})
	}
	if err := t.verifyRows(snap, add); err != nil {
		return problems, err
	}
	for i := range t.spec.Indexes {
		if err := t.verifyEntries(snap, &t.spec.Indexes[i], add); err != nil {
			return problems, err
		}
	}
	return problems, nil
}

type addProblem func(kind ProblemKind, index, key string, raw []byte, format string, args ...any)

// verifyRows checks every row and the entries it should have.
func (t *Table[K, V]) verifyRows(snap *pebble.Snapshot, add addProblem) error {
	base := append(appendRowPrefix(nil, t.core.id), t.scope...)
	// Flushed rows are rows: with a cold reader attached they are checked
	// like hot ones; without one (a tool that opened only the store) only
	// the hot rows are, and entries of cold rows are checked against their
	// markers (verifyEntries).
	c := t.core
	if c.state.tier.Get() == nil {
		c = &tableCore{name: c.name}
	}
	it, err := c.newTierIter(snap, base, prefixEnd(base), false)
	if err != nil {
		return readError(t.core.name, "", "verify", err)
	}
	var ekey, vbuf []byte
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		ref := key[rowHeaderLen:] // scope + key tuple
		val, err := it.Value()
		if err != nil {
			_ = it.Close()
			return readError(t.core.name, "", "verify", err)
		}
		var v V
		if err := t.spec.DecodeRow(val, &v, nil); err != nil {
			add(CorruptRow, "", t.formatRowKey(key, len(base)), key, "row does not decode: %v", err)
			continue
		}
		k := t.spec.KeyOf(&v)
		pk := t.spec.AppendKey(nil, k)
		scope, err := t.rowScope(ref, k, pk)
		if err != nil {
			add(CorruptRow, "", t.formatRowKey(key, len(base)), key, "row is stored under this key but %v", err)
			continue
		}
		for i := range t.spec.Indexes {
			ix := &t.spec.Indexes[i]
			var ok bool
			vbuf, ok = ix.AppendValues(vbuf[:0], &v)
			if !ok {
				continue // sparse: no entry expected
			}
			ic := t.core.indexes[i] // parallel to t.spec.Indexes (NewTable)
			ekey = entryKey(ekey[:0], t.core, ic, scope, vbuf, pk)
			got, closer, err := snap.Get(ekey)
			if errors.Is(err, pebble.ErrNotFound) {
				add(MissingEntry, ix.Name, fmt.Sprint(k), key, "no entry for values %q", vbuf)
				continue
			}
			if err != nil {
				_ = it.Close()
				return readError(t.core.name, "", "verify index "+ix.Name, err)
			}
			switch gotRef, gotRow, err := splitEntryValue(ic, got); {
			case err != nil:
				add(MissingEntry, ix.Name, fmt.Sprint(k), key, "the entry for values %q is damaged: %v", vbuf, err)
			case !bytes.Equal(gotRef, ref):
				add(MissingEntry, ix.Name, fmt.Sprint(k), key, "the entry for values %q points to row %s instead", vbuf, t.formatRef(gotRef, scope))
			case ic.covering && !t.sameRow(gotRow, val):
				add(MissingEntry, ix.Name, fmt.Sprint(k), key, "the covering entry for values %q holds another version of the row", vbuf)
			}
			_ = closer.Close()
		}
	}
	if err := it.Close(); err != nil {
		return readError(t.core.name, "", "verify", err)
	}
	return nil
}

// verifyEntries checks that every entry of one index points to a row that
// calls for exactly that entry.
func (t *Table[K, V]) verifyEntries(snap *pebble.Snapshot, ix *IndexSpec[V], add addProblem) error {
	base := append(appendIndexPrefix(nil, t.core.id, ix.ID), t.scope...)
	it, err := snap.NewIter(&pebble.IterOptions{LowerBound: base, UpperBound: prefixEnd(base)})
	if err != nil {
		return readError(t.core.name, "", "verify index "+ix.Name, err)
	}
	ic := t.core.indexCore(ix.ID)
	var rowKey, ekey, vbuf []byte
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		value, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return readError(t.core.name, "", "verify index "+ix.Name, err)
		}
		ref, copied, err := splitEntryValue(ic, value)
		if err != nil {
			add(StaleEntry, ix.Name, "0x"+hex.EncodeToString(key), key, "%v", err)
			continue
		}
		name := t.formatRef(ref, t.scope)
		if ic.covering {
			// The copy is what scans of the index return: it must be a
			// row that calls for this entry, whatever the row is now
			// (verifyRows compares the two).
			var v V
			if err := t.spec.DecodeRow(copied, &v, nil); err != nil {
				add(StaleEntry, ix.Name, name, key, "the entry's copy of the row does not decode: %v", err)
				continue
			}
			if problem, detail := t.checkDecoded(ix, ic, key, ref, &v, &ekey, &vbuf); problem != 0 {
				add(problem, ix.Name, name, key, "the entry's copy of the row: %s", detail)
				continue
			}
		}
		if !bytes.HasPrefix(ref, t.scope) {
			// verifyRows of this view never sees that row.
			add(StaleEntry, ix.Name, name, key, "entry points to row 0x%x, outside the entry's scope", ref)
			continue
		}
		rowKey = append(appendRowPrefix(rowKey[:0], t.core.id), ref...)
		val, closer, err := snap.Get(rowKey)
		if errors.Is(err, pebble.ErrNotFound) {
			seq, cold, err := t.core.coldSeq(snap, rowKey)
			if err != nil {
				_ = it.Close()
				return err
			}
			if !cold {
				add(DanglingEntry, ix.Name, name, key, "entry points to a row that does not exist")
				continue
			}
			if t.core.state.tier.Get() == nil {
				continue // a flushed row; its values are in its segment
			}
			if val, err = t.core.coldValue(seq, rowKey); err != nil {
				_ = it.Close()
				return err
			}
			closer = nopCloser{}
		} else if err != nil {
			_ = it.Close()
			return readError(t.core.name, "", "verify index "+ix.Name, err)
		}
		// val is Pebble's until closer.Close; checkEntry is done with the
		// row it decodes from val when it returns (see Spec.DecodeRow).
		problem, detail := t.checkEntry(ix, ic, key, ref, val, &ekey, &vbuf)
		_ = closer.Close()
		if problem != 0 {
			add(problem, ix.Name, name, key, "%s", detail)
		}
	}
	if err := it.Close(); err != nil {
		return readError(t.core.name, "", "verify index "+ix.Name, err)
	}
	return nil
}

// checkEntry decodes the row val that the entry key (value ref) points to
// and says whether the row calls for exactly that entry: 0 when it does, or
// when the row itself is damaged (verifyRows reports it), otherwise the
// kind of problem and its detail. ekey and vbuf are scratch buffers.
func (t *Table[K, V]) checkEntry(ix *IndexSpec[V], ic indexCore, key, ref, val []byte, ekey, vbuf *[]byte) (ProblemKind, string) {
	var v V
	if err := t.spec.DecodeRow(val, &v, nil); err != nil {
		return 0, "" // reported by verifyRows as a corrupt row
	}
	return t.checkDecoded(ix, ic, key, ref, &v, ekey, vbuf)
}

// checkDecoded is checkEntry of the decoded row v.
func (t *Table[K, V]) checkDecoded(ix *IndexSpec[V], ic indexCore, key, ref []byte, v *V, ekey, vbuf *[]byte) (ProblemKind, string) {
	k := t.spec.KeyOf(v)
	pk := t.spec.AppendKey(nil, k)
	scope, err := t.rowScope(ref, k, pk)
	if err != nil {
		return 0, "" // reported by verifyRows: row under the wrong key
	}
	var has bool
	*vbuf, has = ix.AppendValues((*vbuf)[:0], v)
	if !has {
		return StaleEntry, "entry points to a row whose indexed value is null"
	}
	*ekey = entryKey((*ekey)[:0], t.core, ic, scope, *vbuf, pk)
	if !bytes.Equal(*ekey, key) {
		return StaleEntry, fmt.Sprintf("entry %x points to a row whose values %q call for entry %x", key, *vbuf, *ekey)
	}
	return 0, ""
}

// sameRow reports whether a covering entry's copy of a row holds the same
// row as the stored bytes val: the same bytes, or, for a row read from its
// segment (which re-encodes it), bytes that decode to a row that encodes
// the same.
func (t *Table[K, V]) sameRow(copied, val []byte) bool {
	if bytes.Equal(copied, val) {
		return true
	}
	var a, b V
	if t.spec.DecodeRow(copied, &a, nil) != nil || t.spec.DecodeRow(val, &b, nil) != nil {
		return false
	}
	return bytes.Equal(t.spec.AppendRow(nil, &a), t.spec.AppendRow(nil, &b))
}

// rowScope checks that a row whose columns say key k (encoded as key tuple
// pk) is stored under ref (scope + key tuple) by the rules of this view, and
// returns the row's scope. On a scoped view ref must be exactly the view's
// scope followed by pk. On an unscoped view the scope is what precedes pk,
// and it must be one scope as [Table.WithScope] makes them: exactly one
// keyenc string (an encoded owner), or, except in a user table, where every
// row belongs to an owner, nothing. Bytes that merely end with pk are not
// enough: a row under any other prefix is misplaced, and taking the prefix
// for a scope would report the row's index entries as missing instead.
func (t *Table[K, V]) rowScope(ref []byte, k K, pk []byte) ([]byte, error) {
	if !bytes.HasSuffix(ref, pk) {
		return nil, fmt.Errorf("its columns say key %v", k)
	}
	scope := ref[:len(ref)-len(pk)]
	switch {
	case t.scope != nil:
		if !bytes.Equal(scope, t.scope) {
			return nil, fmt.Errorf("its columns say key %v (in scope 0x%x)", k, t.scope)
		}
	case len(scope) == 0 && (t.core.layout.Kind.OwnerScoped()):
		return nil, fmt.Errorf("its key has no owner; every row of a user or stream table belongs to one")
	case len(scope) > 0:
		if _, rest, err := keyenc.DecodeString(scope); err != nil || len(rest) > 0 {
			return nil, fmt.Errorf("its columns say key %v, and 0x%x before it is not one encoded owner", k, scope)
		}
	}
	return scope, nil
}

// formatRef names the row an entry value (scope + key tuple) refers to.
func (t *Table[K, V]) formatRef(ref, scope []byte) string {
	if rest, ok := bytes.CutPrefix(ref, scope); ok {
		return t.core.formatKey(rest)
	}
	return "0x" + hex.EncodeToString(ref)
}
