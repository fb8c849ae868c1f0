package store

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/runtime/layout"
)

// How NewTable upgrades a table whose recorded layout differs from the one
// the build declares:
//
//  1. layout.Diff classifies every difference (the rules `tablegen breaking`
//     reports, with the same ids).
//     One refused change and NewTable returns a *LayoutMismatchError having
//     written nothing.
//  2. One synced Pebble batch range-deletes the keyspace of every dropped
//     index (and of every index about to be built from scratch, in case an
//     earlier life of its id left entries) and records the new layout, the
//     retired columns, and the indexes still to build ("building").
//  3. The backfill reads every row of the table and writes the entries of
//     the building indexes, BackfillBatchSize rows per Pebble batch; each
//     batch also records how far it got (After), atomically with its
//     entries, and is synced unless Options.NoSync says otherwise. The last batch clears
//     "building" and is always synced.
//
// A crash in 2 leaves the old record (the batch is atomic); a crash in 3
// leaves the record saying which indexes are building and up to which row,
// and the next NewTable resumes from there (or restarts, when the set of
// indexes to build changed meanwhile). Pebble recovers a prefix of the
// committed batches, so the entries always match the recorded cursor.
//
// Consistency: the rows cannot change during the backfill. Writes need a
// Table, a Table exists only once NewTable returned, and NewTable returns
// only after the backfill finished; NewTable for the same table id in the
// same process waits on the registration mutex, which the upgrade holds;
// and Pebble's directory lock keeps other processes out. So the backfill
// reads the rows with one plain iterator, and no index is ever served while
// it is building.
//
// A backfill that fails (a unique index meeting two rows with the same
// values, a row that does not decode) removes every entry of the indexes it
// was building and records the layout without them, so nothing of them is
// kept; NewTable returns the error, and the next open tries again.

// defaultBackfillBatchSize is the number of rows a backfill indexes per Pebble
// batch when Options.BackfillBatchSize is 0: big enough that per-batch costs
// vanish, small enough (about a megabyte of entries) to keep memory flat.
const defaultBackfillBatchSize = 10_000

// upgradeOptions are a DB's settings for upgrades on open, from Options.
type upgradeOptions struct {
	batchSize  int
	onProgress func(table string, done, total int)
	// afterBatch, set only by tests, runs after each committed backfill
	// batch but the last (n counts from 1). An error stops the backfill right
	// there, without cleaning up, the way a crash would.
	afterBatch func(n int) error
}

func newUpgradeOptions(o *Options) (upgradeOptions, error) {
	if o.BackfillBatchSize < 0 {
		return upgradeOptions{}, fmt.Errorf("BackfillBatchSize is %d; use 0 for the default (%d rows) or a positive row count", o.BackfillBatchSize, defaultBackfillBatchSize)
	}
	n := o.BackfillBatchSize
	if n == 0 {
		n = defaultBackfillBatchSize
	}
	return upgradeOptions{batchSize: n, onProgress: o.OnProgress}, nil
}

// register checks t's layout against this process's registrations and the
// database's record: it records the layout when there is none, upgrades the
// table when the differences are safe, and refuses otherwise.
func register[K, V any](t *Table[K, V]) error {
	db := t.core.db
	l := &t.core.layout // canonical
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	db.regMu.Lock()
	defer db.regMu.Unlock()
	if prev, ok := db.tables[l.ID]; ok {
		if ch := layoutChanges(prev, l); len(ch) > 0 {
			return &LayoutMismatchError{Table: l.FullName(), Changes: append([]string{"registered twice in this process with different layouts"}, ch...)}
		}
		return nil
	}
	key := metaKey(l.ID)
	val, closer, err := db.pdb.Get(key)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		// A table is recorded before its first row is written, so rows
		// without a record mean the record was lost: recording this
		// build's layout would vouch for rows written by another.
		row, err := db.firstRow(l.ID)
		if err != nil {
			return fmt.Errorf("store: table %s: look for rows without a recorded layout: %w", l.FullName(), err)
		}
		if row != nil {
			return &MetadataError{Table: l.FullName(), Key: key, Err: fmt.Errorf("is missing, but the table has rows (the first under key %x)", row)}
		}
		rec, err := jsonRecord(l)
		if err != nil {
			return fmt.Errorf("store: table %s: encode layout: %w", l.FullName(), err)
		}
		if err := db.set(key, rec, pebble.Sync); err != nil {
			return fmt.Errorf("store: table %s: record layout: %w", l.FullName(), err)
		}
	case err != nil:
		return readError(l.FullName(), "", "read recorded layout", err)
	default:
		stored, err := parseRecord(val)
		_ = closer.Close()
		if err != nil {
			return &MetadataError{Table: l.FullName(), Key: key, Err: fmt.Errorf("does not parse: %w", err)}
		}
		if err := stored.check(l.ID); err != nil {
			return &MetadataError{Table: l.FullName(), Key: key, Err: err}
		}
		if stored.Fingerprint != l.Fingerprint() || len(stored.Building) > 0 {
			if err := upgrade(t, stored); err != nil {
				return err
			}
		}
	}
	c := l.Canonical()
	db.tables[l.ID] = &c
	return nil
}

// firstRow returns the key of the first row stored under table id, or nil
// when the table has none: one seek.
func (db *DB) firstRow(id uint32) ([]byte, error) {
	prefix := RowPrefix(id)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, err
	}
	var first []byte
	if it.First() {
		first = bytes.Clone(it.Key())
	}
	return first, it.Close()
}

// upgradePlan is what opening a table with a changed layout does.
type upgradePlan struct {
	changes []layout.Change
	refused []RefusedChange
	clear   []uint32 // index ids whose keyspace is range-deleted first
	record  layoutRecord
}

// planUpgrade decides, from the stored record and the declared layout, what
// to refuse, which index keyspaces to delete, and what to record before any
// backfill: the declared layout, the retired columns, the indexes still to
// build and where their backfill resumes.
func planUpgrade(stored *layoutRecord, current *layout.Table) upgradePlan {
	p := upgradePlan{changes: layout.Diff(&stored.Layout, current, layout.History{Retired: stored.Retired, Building: stored.Building})}
	retired := slices.Clone(stored.Retired)
	var drop, build, rebuild []uint32
	for _, c := range p.changes {
		if c.Verdict == layout.Refused {
			p.refused = append(p.refused, RefusedChange{Rule: c.Rule, Change: c.Text})
			continue
		}
		switch c.Action {
		case layout.RetireColumn:
			retired = slices.DeleteFunc(retired, func(r layout.Column) bool { return r.Tag == c.Column.Tag })
			retired = append(retired, c.Column)
		case layout.RestoreColumn:
			retired = slices.DeleteFunc(retired, func(r layout.Column) bool { return r.Tag == c.Column.Tag })
		case layout.DropIndex:
			drop = append(drop, c.Index)
		case layout.AddIndex:
			build = append(build, c.Index)
		case layout.RebuildIndex:
			rebuild = append(rebuild, c.Index)
		}
	}
	// Indexes an earlier open began to build go on being built.
	for _, id := range stored.Building {
		if slices.ContainsFunc(current.Indexes, func(ix layout.Index) bool { return ix.ID == id }) {
			build = append(build, id)
		}
	}
	build = append(build, rebuild...)
	slices.Sort(build)
	build = slices.Compact(build)
	slices.SortFunc(retired, func(a, b layout.Column) int { return int(a.Tag) - int(b.Tag) })

	// The earlier backfill resumes at its cursor only if it was building
	// exactly these indexes; otherwise every one starts from the first row,
	// on an emptied keyspace.
	prev := slices.Sorted(slices.Values(stored.Building))
	resume := len(rebuild) == 0 && slices.Equal(slices.Compact(prev), build)
	p.clear = slices.Clone(drop)
	var after []byte
	if resume {
		after = stored.After
	} else {
		p.clear = append(p.clear, build...)
	}
	if len(build) == 0 {
		build, after = nil, nil
	}
	p.record = layoutRecord{Layout: current.Canonical(), Retired: retired, Building: build, After: after}
	return p
}

// upgrade applies the safe changes from stored to t's layout, or refuses.
func upgrade[K, V any](t *Table[K, V], stored *layoutRecord) error {
	db := t.core.db
	p := planUpgrade(stored, &t.core.layout)
	if len(p.refused) > 0 {
		texts := make([]string, len(p.changes))
		for i, c := range p.changes {
			texts[i] = c.Text
		}
		return &LayoutMismatchError{Table: t.core.name, Changes: texts, Refused: p.refused, Stored: stored.Layout.Canonical()}
	}
	if db.popts.ReadOnly {
		// Every change is safe, but applying one writes (the record, a
		// backfill). A read-only open writes nothing, so it refuses and
		// hands the stored layout to callers that can read with it.
		texts := make([]string, len(p.changes))
		for i, c := range p.changes {
			texts[i] = c.Text
		}
		return &LayoutMismatchError{Table: t.core.name, Changes: texts, ReadOnly: true, Stored: stored.Layout.Canonical()}
	}
	if err := db.writeRecord(t.core, &p.record, p.clear); err != nil {
		return fmt.Errorf("store: table %s: record the upgraded layout: %w", t.core.name, err)
	}
	if len(p.record.Building) == 0 {
		return nil
	}
	return t.backfill(&p.record)
}

// writeRecord atomically range-deletes the keyspaces of the indexes in
// clear and writes rec, synced.
func (db *DB) writeRecord(c *tableCore, rec *layoutRecord, clear []uint32) error {
	val, err := rec.marshal()
	if err != nil {
		return err
	}
	if err := db.refuseWhilePending(); err != nil {
		return fmt.Errorf("store: %s: record layout: %w", c.name, err)
	}
	b := db.pdb.NewBatch()
	for _, id := range clear {
		prefix := IndexPrefix(c.id, id)
		if err := b.DeleteRange(prefix, prefixEnd(prefix), nil); err != nil {
			_ = b.Close()
			return err
		}
	}
	if err := b.Set(metaKey(c.id), val, nil); err != nil {
		_ = b.Close()
		return err
	}
	if err := db.commitMaintenance(b, pebble.Sync); err != nil { // closes b; bounded on a full disk
		return fmt.Errorf("store: %s: record layout: %w", c.name, err)
	}
	return nil
}

// backfill writes the entries of the indexes rec.Building for every row
// after rec.After, batch by batch, recording its progress in rec with each
// batch; see the comment at the top of this file.
func (t *Table[K, V]) backfill(rec *layoutRecord) error {
	db := t.core.db
	opts := db.upgrade
	ixs := make([]*IndexSpec[V], 0, len(rec.Building))
	ics := make([]indexCore, 0, len(rec.Building))
	unique := false
	for _, id := range rec.Building {
		ix, err := t.index(id)
		if err != nil {
			return err
		}
		ixs = append(ixs, ix)
		ics = append(ics, t.core.indexCore(id))
		unique = unique || ix.Unique
	}
	base := RowPrefix(t.core.id)
	upper := prefixEnd(base)
	lower := base
	if rec.After != nil {
		lower = append(append(slices.Clone(base), rec.After...), 0x00) // just past the cursor
	}
	// Flushed rows are rows of the table: the entries are built from them
	// too, read through the cold reader (cold.go), which must be attached.
	if err := t.core.loadCold(); err != nil {
		return err
	}
	if t.core.flushed() && t.core.state.tier.Get() == nil {
		return fmt.Errorf("store: %s: building index %v needs the table's flushed rows, and no flush executor is attached to read them: create it with flush.New on this DB before opening the table (nothing was built; the next open builds the index): %w",
			t.core.name, rec.Building, ErrNoColdReader)
	}
	done, total, err := t.countRows(base, upper, lower)
	if err != nil {
		return err
	}
	// Hot rows and cold markers from one state of the database, as one
	// iterator over the rows would see them.
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	it, err := t.core.newTierIter(snap, lower, upper, false)
	if err != nil {
		return fmt.Errorf("store: %s: backfill: %w", t.core.name, err)
	}
	newBatch := func() *pebble.Batch {
		if unique {
			return db.pdb.NewIndexedBatch() // reads its own entries: duplicates within a batch
		}
		return db.pdb.NewBatch()
	}
	pb := newBatch()
	defer func() {
		if pb != nil {
			_ = pb.Close()
		}
	}()
	// fail abandons the backfill: nothing of the building indexes is kept.
	fail := func(cause error) error {
		_ = it.Close()
		if err := db.abandonBuild(t.core, rec); err != nil {
			return fmt.Errorf("%w (and removing the partial indexes failed: %w; the next open retries)", cause, err)
		}
		return cause
	}
	// commit writes the batch and the progress record together.
	batches := 0
	commit := func(last bool) error {
		val, err := rec.marshal()
		if err == nil {
			err = pb.Set(metaKey(t.core.id), val, nil)
		}
		wo := db.writeOpts // Options.NoSync: a lost batch is only redone
		if last {
			wo = pebble.Sync
		}
		if err == nil {
			err = db.refuseWhilePending()
		}
		if err == nil {
			err = db.commitMaintenance(pb, wo) // closes pb; bounded on a full disk
			pb = nil
		}
		if err != nil {
			return fmt.Errorf("store: %s: backfill commit: %w", t.core.name, err)
		}
		pb = newBatch()
		batches++
		if opts.onProgress != nil {
			opts.onProgress(t.core.name, done, total)
		}
		return nil
	}
	var v, zero V
	var pk, vals, ekey, evalue []byte
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		key := it.Key()
		ref := key[rowHeaderLen:] // scope + key tuple: the value of every entry
		val, err := it.Value()
		if err != nil {
			return fail(fmt.Errorf("store: %s: backfill: read row %s: %w", t.core.name, t.formatRowKey(key, rowHeaderLen), err))
		}
		v = zero
		if err := t.spec.DecodeRow(val, &v, nil); err != nil {
			return fail(&CorruptError{Table: t.core.name, Key: t.formatRowKey(key, rowHeaderLen),
				Err: fmt.Errorf("backfilling new indexes: the row does not decode: %w", err)})
		}
		k := t.spec.KeyOf(&v)
		pk = t.spec.AppendKey(pk[:0], k)
		scope, err := t.rowScope(ref, k, pk)
		if err != nil {
			return fail(&CorruptError{Table: t.core.name, Key: t.formatRowKey(key, rowHeaderLen),
				Err: fmt.Errorf("backfilling new indexes: the row is stored under this key but %w", err)})
		}
		for i, ix := range ixs {
			var has bool
			vals, has = ix.AppendValues(vals[:0], &v)
			if !has {
				continue // sparse: a null indexed value has no entry
			}
			ic := ics[i]
			ekey = entryKey(ekey[:0], t.core, ic, scope, vals, pk)
			if ix.Unique {
				if err := t.checkBackfillUnique(pb, ix, ekey, ref, scope, vals, pk); err != nil {
					return fail(err)
				}
			}
			evalue = appendEntryValue(evalue[:0], ic, ref, val)
			if err := pb.Set(ekey, evalue, nil); err != nil {
				return fail(fmt.Errorf("store: %s: backfill: %w", t.core.name, err))
			}
		}
		done++
		if n++; n == opts.batchSize {
			n = 0
			rec.After = slices.Clone(ref)
			if err := commit(false); err != nil {
				_ = it.Close()
				return err
			}
			if opts.afterBatch != nil {
				if err := opts.afterBatch(batches); err != nil {
					_ = it.Close()
					return err
				}
			}
		}
	}
	if err := it.Close(); err != nil {
		return fail(fmt.Errorf("store: %s: backfill: %w", t.core.name, err))
	}
	rec.Building, rec.After = nil, nil
	return commit(true)
}

// checkBackfillUnique fails when the unique entry key already points to
// another row, in the database or earlier in the batch.
func (t *Table[K, V]) checkBackfillUnique(pb *pebble.Batch, ix *IndexSpec[V], key, ref, scope, vals, pk []byte) error {
	got, closer, err := pb.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %s: backfill index %s: %w", t.core.name, ix.Name, err)
	}
	defer closer.Close()
	if bytes.Equal(got, ref) {
		return nil
	}
	return &UniqueViolationError{
		Table:       t.core.name,
		Index:       ix.Name,
		Values:      bytes.Clone(vals),
		ExistingKey: t.formatRef(got, scope),
		Key:         t.core.formatKey(pk),
		Shown:       formatIndexValues(&t.core.layout, ix.Name, vals),
	}
}

// countRows counts the table's rows (total) and those before lower (done),
// for progress reports, reading keys only.
func (t *Table[K, V]) countRows(base, upper, lower []byte) (done, total int, err error) {
	it, err := t.core.newTierIter(t.core.db.pdb, base, upper, false)
	if err != nil {
		return 0, 0, fmt.Errorf("store: %s: backfill: count rows: %w", t.core.name, err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		if bytes.Compare(it.Key(), lower) < 0 {
			done++
		}
		total++
	}
	if err := it.Close(); err != nil {
		return 0, 0, fmt.Errorf("store: %s: backfill: count rows: %w", t.core.name, err)
	}
	return done, total, nil
}

// abandonBuild removes every entry of the indexes rec is building and
// records the layout without them, synced.
func (db *DB) abandonBuild(c *tableCore, rec *layoutRecord) error {
	drop := rec.Building
	kept := *rec
	kept.Layout.Indexes = slices.DeleteFunc(slices.Clone(rec.Layout.Indexes), func(ix layout.Index) bool { return slices.Contains(drop, ix.ID) })
	kept.Building, kept.After = nil, nil
	return db.writeRecord(c, &kept, drop)
}
