package flush

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// DefaultCompactTarget is the file size CompactOptions.TargetBytes
// defaults to: large enough that engines reading the files pay little per
// file (open, footer, row-group index), small enough that a compaction
// holds one output file's rows in memory (see Compact).
const DefaultCompactTarget = 64 << 20

// CompactOptions configure [Executor.Compact].
type CompactOptions struct {
	// TargetBytes is the Parquet size a segment must reach to be left
	// alone (0 = DefaultCompactTarget). Smaller segments of one directory
	// are merged, oldest first, into files whose inputs add up to at
	// least TargetBytes; the remainder joins the last file, or, when the
	// directory's small segments add up to less, they all merge into one.
	// A small segment alone in its run is rewritten only when it holds
	// dead rows (deleted, rewritten or expired since its flush); a segment
	// at or above TargetBytes is never rewritten, dead rows and all.
	TargetBytes int64
}

// CompactResult describes one compaction.
type CompactResult struct {
	Table string
	// Segments are the segments written, in the manifest's form.
	Segments []Segment
	// Retired are the segments merged and removed.
	Retired []uint64
	// Rows is the number of rows written; Dropped the rows of the retired
	// segments not carried over: deleted or rewritten since their flush,
	// or expired.
	Rows, Dropped int64
	// Bytes is the size of the files written, BytesRetired of the files
	// removed.
	Bytes, BytesRetired int64
	// Tombstones is the number of deletion tombstones dropped because no
	// listed segment is old enough for them to hide anything.
	Tombstones int
}

// compactDrop marks, in the keys file of a compacting segment, a row
// dropped as expired: its marker is deleted instead of moved. The rest of
// the hash field is the segment the row's marker named (segment numbers
// stay far below 2⁶³).
const compactDrop = 1 << 63

// The steps of a compaction, for fault injection in tests.
const (
	stepCompactReserved step = "compact-reserved" // number reserved, nothing written
	stepCompactListed   step = "compact-listed"   // the manifest lists the new segment, compacting
	stepCompactChunk    step = "compact-chunk"    // after each chunk of marker moves (not synced)
	stepCompactMoved    step = "compact-moved"    // markers moved and synced
	stepCompactRetired  step = "compact-retired"  // manifest without the old segments
)

// Compact merges each segment directory's small flushed segments (one
// directory per table, or per owner of a user or stream table; a scoped
// provider compacts that owner's only) into files of a useful size,
// keeping only the rows still live: those whose cold marker names the
// segment and that are not past the layout's TTL (layout.LiveCutoff on
// the DB's clock), in key order. Rows deleted, rewritten or expired since
// their flush are not carried over, the markers of expired ones are
// deleted, and the tombstones older than every segment left in the
// directory are dropped.
//
// The steps, each durable before the next (see the package doc): a
// segment number is reserved; the live rows are written to
// part-<seq>.parquet, with part-<seq>.keys naming each row's old segment;
// the manifest lists the new segment as compacting, with the segments it
// replaces; every marker still naming an old segment is moved to the new
// one (or deleted, for an expired row) and the move synced; the manifest
// drops the old segments and marks the new one done; their files go. A
// crash before the manifest lists the new segment leaves unlisted files
// that recovery removes (the markers never moved); after it, recovery
// redoes the moves from the keys file and finishes. Writers run
// throughout: a row written or deleted meanwhile keeps its new state, as
// the move only touches markers that still name the old segment.
//
// Memory holds the live rows of one merge, decoded, whose input files add
// up to less than three times TargetBytes (a run stops at the first
// segment that takes it past the target, and the remainder joins the last
// run), so TargetBytes bounds it, not the table. Reads run throughout: a union scan through the
// executor holds the table's file lock from its snapshot until its files
// are open, so it sees the old segments with the old markers or the new
// one with the moved markers; a typed read whose marker named a segment
// retired since reads the row from the segment its marker names now,
// which holds the same version.
func (e *Executor) Compact(ctx context.Context, p *scan.Provider, o *CompactOptions) (*CompactResult, error) {
	var opts CompactOptions
	if o != nil {
		opts = *o
	}
	l := p.Layout()
	if opts.TargetBytes < 0 {
		return nil, fmt.Errorf("flush: %s: compact: TargetBytes %d is negative; use 0 for the default %d", l.FullName(), opts.TargetBytes, DefaultCompactTarget)
	}
	if opts.TargetBytes == 0 {
		opts.TargetBytes = DefaultCompactTarget
	}
	return held(e, ctx, l.FullName(), func(ctx context.Context) (*CompactResult, error) {
		tl, err := e.lock(&l)
		if err != nil {
			return nil, err
		}
		defer tl.Unlock()
		return e.compact(ctx, p, &l, tl, opts)
	})
}

func (e *Executor) compact(ctx context.Context, p *scan.Provider, l *layout.Table, tl *tableLock, o CompactOptions) (*CompactResult, error) {
	res := &CompactResult{Table: l.FullName()}
	dir, m, err := e.manifestOf(l)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return res, nil
	}
	for _, g := range compactGroups(m, p.Scope(), o.TargetBytes) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("flush: %s: compact: %w", l.FullName(), err)
		}
		if err := e.compactGroup(ctx, p, l, tl, dir, m, g, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// compactGroup is one merge: segments of one directory.
type compactGroup struct {
	scope []byte // keyenc.AppendString(nil, owner), nil when not partitioned
	owner *string
	segs  []uint64
	rel   string // directory of the merged segment: its first segment's
}

// compactGroups chooses the merges: per directory, the segments below
// target, oldest first, cut into runs of at least target bytes, the
// remainder joining the last run. A run of one segment is rewritten only
// when some of its rows are dead (compactGroup).
func compactGroups(m *Manifest, scope []byte, target int64) []compactGroup {
	var order []string
	dirs := map[string]*compactGroup{}
	small := map[string][]*Segment{}
	for i := range m.Segments {
		s := &m.Segments[i]
		if s.State != Done || s.Bytes >= target {
			continue
		}
		var sc []byte
		var owner *string
		if o, ok := s.owner(); ok {
			sc, owner = keyenc.AppendString(nil, o), &o
		}
		if scope != nil && !bytes.Equal(sc, scope) {
			continue
		}
		k := string(sc)
		if dirs[k] == nil {
			dirs[k] = &compactGroup{scope: sc, owner: owner}
			order = append(order, k)
		}
		small[k] = append(small[k], s)
	}
	var out []compactGroup
	for _, k := range order {
		segs := small[k]
		slices.SortFunc(segs, func(a, b *Segment) int { return cmp.Compare(a.Seq, b.Seq) })
		var runs [][]uint64
		var cur []uint64
		var size int64
		for _, s := range segs {
			cur = append(cur, s.Seq)
			size += s.Bytes
			if size >= target {
				runs, cur, size = append(runs, cur), nil, 0
			}
		}
		if len(cur) > 0 {
			if len(runs) > 0 {
				runs[len(runs)-1] = append(runs[len(runs)-1], cur...)
			} else {
				runs = append(runs, cur)
			}
		}
		for _, r := range runs {
			out = append(out, compactGroup{scope: dirs[k].scope, owner: dirs[k].owner, segs: r, rel: path.Dir(m.segment(r[0]).File)})
		}
	}
	return out
}

// liveRow is one row a compaction carries over.
type liveRow struct {
	key, val []byte // full row key; stored value
	from     uint64
}

func (e *Executor) compactGroup(ctx context.Context, p *scan.Provider, l *layout.Table, tl *tableLock, dir string, m *Manifest, g compactGroup, res *CompactResult) error {
	name := l.FullName()
	// Only a flush creates markers naming a segment, and these are done:
	// the markers read now can only disappear or move on, which the moves
	// below respect.
	marks, err := groupMarkers(rawpebble.DB(e.db), l, g)
	if err != nil {
		return err
	}
	var floor []byte
	if cutoff, ok := l.LiveCutoff(e.db.Now()); ok {
		floor = keyenc.AppendTimestamp(nil, cutoff)
	}
	if len(g.segs) == 1 {
		// A segment alone is rewritten only to drop dead rows.
		s := m.segment(g.segs[0])
		dead := int64(len(marks)) < s.Rows
		for k := range marks {
			dead = dead || (floor != nil && bytes.Compare(keyTuple(l, g.scope, []byte(k)), floor) < 0)
		}
		if !dead {
			return nil
		}
	}
	snap, seq, err := e.db.FlushSnapshot(l, m.NextSeq, 1)
	if err != nil {
		return err
	}
	snap.Close()
	m.NextSeq = seq + 1
	if err := e.o.fault(stepCompactReserved); err != nil {
		return err
	}
	// The live rows of every segment, and the expired ones to drop.
	rowPrefix := store.RowPrefix(l.ID)
	var rows []liveRow
	var drops []coldtier.Move
	var before int64
	for _, sq := range g.segs {
		s := m.segment(sq)
		before += s.Rows
		res.BytesRetired += s.Bytes
		err := scan.SegmentRows(ctx, l, s.reader(dir), func(key, value []byte) error {
			if marks[string(key)] != sq {
				return nil // deleted or rewritten since: dead
			}
			if floor != nil && bytes.Compare(keyTuple(l, g.scope, key), floor) < 0 {
				drops = append(drops, coldtier.Move{Key: bytes.Clone(key), From: sq, Drop: true})
				return nil
			}
			rows = append(rows, liveRow{key: append(slices.Clip(rowPrefix), key...), val: bytes.Clone(value), from: sq})
			return nil
		})
		if err != nil {
			return fmt.Errorf("flush: %s: compact: read segment %d: %w", name, sq, err)
		}
	}
	slices.SortFunc(rows, func(a, b liveRow) int { return bytes.Compare(a.key, b.key) })

	var seg *Segment
	if len(rows) > 0 {
		if seg, err = e.writeCompacted(ctx, p, l, dir, seq, g, rows, &drops); err != nil {
			return err
		}
	}
	if seg != nil {
		m.Segments = append(m.Segments, *seg)
		if err := writeManifest(dir, m, e.o.fault); err != nil {
			return err
		}
		if err := e.o.fault(stepCompactListed); err != nil {
			return err
		}
		res.Rows += seg.Rows
		res.Bytes += seg.Bytes
	} else {
		// Nothing to carry over: drop the expired rows' markers, durably,
		// before the segments that hold them go.
		for c := range slices.Chunk(drops, e.o.DeleteBatch) {
			if _, err := coldtier.Repoint(e.db, l, 0, c, false); err != nil {
				return err
			}
		}
		if _, err := coldtier.Repoint(e.db, l, 0, nil, true); err != nil {
			return err
		}
	}
	if err := e.finishCompaction(l, tl, dir, m, seq, g.segs); err != nil {
		return err
	}
	res.Retired = append(res.Retired, g.segs...)
	res.Dropped += before
	if seg != nil {
		res.Dropped -= seg.Rows
		res.Segments = append(res.Segments, *m.segment(seq))
	}
	// Tombstones hide flushed copies in segments numbered up to theirs:
	// below the oldest segment left that may hold the scope's rows (its
	// one-owner segments and every multi-owner one) they hide nothing.
	below := m.NextSeq
	for i := range m.Segments {
		s := &m.Segments[i]
		var sc []byte
		if o, ok := s.owner(); ok {
			sc = keyenc.AppendString(nil, o)
		}
		if sc == nil || g.scope == nil || bytes.Equal(sc, g.scope) {
			below = min(below, s.Seq)
		}
	}
	n, err := coldtier.DropTombstones(e.db, l, g.scope, below)
	res.Tombstones += n
	return err
}

// keyTuple is key (scope + key tuple) without its owner scope: scope, the
// group's, or for a multi-owner group of a partitioned table the key's
// own. A key whose scope does not decode is returned whole.
func keyTuple(l *layout.Table, scope, key []byte) []byte {
	if scope != nil || !partitioned(l) {
		return key[len(scope):]
	}
	if _, rest, err := keyenc.DecodeString(key); err == nil {
		return rest
	}
	return key
}

// groupMarkers returns the cold markers of g's directory that name one of
// g's segments: scope + key tuple → segment.
func groupMarkers(r iterSource, l *layout.Table, g compactGroup) (map[string]uint64, error) {
	in := map[uint64]bool{}
	for _, s := range g.segs {
		in[s] = true
	}
	prefix := append(store.ColdPrefix(l.ID), g.scope...)
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: keyenc.PrefixEnd(prefix)})
	if err != nil {
		return nil, fmt.Errorf("flush: %s: compact: read markers: %w", l.FullName(), err)
	}
	marks := map[string]uint64{}
	base := len(store.ColdPrefix(l.ID))
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		var seq uint64
		if err == nil {
			seq, err = coldtier.DecodeSeq(v)
		}
		if err != nil {
			_ = it.Close()
			return nil, &store.CorruptError{Table: l.FullName(), Key: hex.EncodeToString(it.Key()), Err: err}
		}
		if in[seq] {
			marks[string(it.Key()[base:])] = seq
		}
	}
	if err := it.Close(); err != nil {
		return nil, fmt.Errorf("flush: %s: compact: read markers: %w", l.FullName(), err)
	}
	return marks, nil
}

// writeCompacted writes rows (sorted, of g's directory) as segment seq,
// state compacting, with its keys file: every row written and its old
// segment, and every drop. A row the provider's TTL skips as expired
// (the clock moved on) joins drops.
func (e *Executor) writeCompacted(ctx context.Context, p *scan.Provider, l *layout.Table, dir string, seq uint64, g compactGroup, rows []liveRow, drops *[]coldtier.Move) (*Segment, error) {
	rel := g.rel
	if rel == "" {
		rel = segmentDir(g.owner)
	}
	seg := e.newSegment(l, rel, seq, Compacting)
	seg.Replaces = slices.Clone(g.segs)
	seg.setOwner(g.owner)
	if g.scope != nil {
		p = p.WithScope(g.scope)
	}
	multi := g.owner == nil && partitioned(l)
	pool := newBufferPool(poolHeld)
	p = p.WithAllocator(pool)
	keys := make([][]byte, len(rows))
	vals := make([][]byte, len(rows))
	for i := range rows {
		keys[i], vals[i] = rows[i].key, rows[i].val
	}
	stats := p.NewStats()
	rowPrefixLen := len(store.RowPrefix(l.ID))
	var moves []coldtier.Move
	next := 0 // rows[next] is the next row ScanRows may visit
	visit := func(key, _ []byte) error {
		for ; next < len(rows) && !bytes.Equal(rows[next].key, key); next++ {
			*drops = append(*drops, coldtier.Move{Key: rows[next].key[rowPrefixLen:], From: rows[next].from, Drop: true})
		}
		moves = append(moves, coldtier.Move{Key: key[rowPrefixLen:], From: rows[next].from})
		next++
		return nil
	}
	props := e.o.writerProperties(l, parquet.WithAllocator(pool))
	arrowProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	partPath := filepath.Join(dir, filepath.FromSlash(seg.File))
	var written int64
	err := writeDurable(partPath, e.o.fault, func(w io.Writer) error {
		if !multi {
			rdr, err := p.ScanRows(ctx, keys, vals, scan.Request{BatchSize: e.o.BatchSize}, visit)
			if err != nil {
				return err
			}
			defer rdr.Release()
			return e.writeParquet(w, rdr, l, seg, g.owner, props, arrowProps, stats, &written)
		}
		// A multi-owner segment: each owner's run of rows through a
		// provider scoped to it, into one file.
		pf := e.newParquetFile(w, l, true, true, props, arrowProps, stats, &written)
		for lo := 0; lo < len(keys); {
			owner, _, err := keyenc.DecodeString(keys[lo][rowPrefixLen:])
			if err != nil {
				pf.abort()
				return &store.CorruptError{Table: l.FullName(), Key: hex.EncodeToString(keys[lo]), Err: fmt.Errorf("row key has no owner scope: %w", err)}
			}
			scope := keyenc.AppendString(nil, owner)
			hi := lo + 1
			for hi < len(keys) && bytes.HasPrefix(keys[hi][rowPrefixLen:], scope) {
				hi++
			}
			rdr, err := p.WithScope(scope).ScanRows(ctx, keys[lo:hi], vals[lo:hi], scan.Request{BatchSize: e.o.BatchSize}, visit)
			if err != nil {
				pf.abort()
				return err
			}
			err = pf.add(rdr, &owner)
			rdr.Release()
			if err != nil {
				pf.abort()
				return err
			}
			lo = hi
		}
		return pf.close(seg, nil)
	})
	if err != nil {
		return nil, err
	}
	for ; next < len(rows); next++ {
		*drops = append(*drops, coldtier.Move{Key: rows[next].key[rowPrefixLen:], From: rows[next].from, Drop: true})
	}
	if len(moves) == 0 {
		// Every row expired while being written: no segment.
		if err := os.Remove(partPath); err != nil {
			return nil, fmt.Errorf("flush: %s: remove the empty segment: %w", l.FullName(), err)
		}
		return nil, nil
	}
	// A fresh slice: sorting must not reorder moves, whose ends are the
	// key range.
	all := slices.Concat(moves, *drops)
	slices.SortFunc(all, func(a, b coldtier.Move) int { return bytes.Compare(a.Key, b.Key) })
	keysPath := filepath.Join(dir, filepath.FromSlash(seg.Keys))
	err = writeDurable(keysPath, e.o.fault, func(w io.Writer) error {
		kw := newKeysWriter(w)
		for _, mv := range all {
			h := mv.From
			if mv.Drop {
				h |= compactDrop
			}
			kw.add(mv.Key, h)
		}
		return kw.finish()
	})
	if err != nil {
		return nil, err
	}
	scopeLen := len(g.scope)
	seg.Rows = stats.Rows()
	seg.MinKey = hex.EncodeToString(moves[0].Key[scopeLen:])
	seg.MaxKey = hex.EncodeToString(moves[len(moves)-1].Key[scopeLen:])
	seg.Columns = stats.Columns()
	return seg, nil
}

// finishCompaction completes the compaction into segment seq (listed as
// compacting, or absent when nothing was carried over) of the segments
// in replaced: it moves the markers its keys file names, syncs, lists the
// new segment as done without the replaced ones, and removes their files.
// Every step is redone safely after a crash: the moves only touch markers
// that still name an old segment.
func (e *Executor) finishCompaction(l *layout.Table, tl *tableLock, dir string, m *Manifest, seq uint64, replaced []uint64) error {
	name := l.FullName()
	seg := m.segment(seq)
	var keysPath string
	if seg != nil {
		keysPath = filepath.Join(dir, filepath.FromSlash(seg.Keys))
		err := readKeys(keysPath, e.o.DeleteBatch, func(rows []coldtier.RowVersion) error {
			moves := make([]coldtier.Move, len(rows))
			for i, r := range rows {
				moves[i] = coldtier.Move{Key: r.Key, From: r.Hash &^ compactDrop, Drop: r.Hash&compactDrop != 0}
			}
			if _, err := coldtier.Repoint(e.db, l, seq, moves, false); err != nil {
				return err
			}
			return e.o.fault(stepCompactChunk)
		})
		if err != nil {
			return fmt.Errorf("flush: %s: compact: move the markers to segment %d: %w", name, seq, err)
		}
		if _, err := coldtier.Repoint(e.db, l, seq, nil, true); err != nil {
			return err
		}
	}
	if err := e.o.fault(stepCompactMoved); err != nil {
		return err
	}
	// Scans hold the read side from their snapshot until their files are
	// open (read.go): they see either the old segments with the old
	// markers or the new segment with the moved ones.
	tl.files.Lock()
	defer tl.files.Unlock()
	var old []string
	kept := m.Segments[:0]
	for _, s := range m.Segments {
		if slices.Contains(replaced, s.Seq) {
			old = append(old, filepath.Join(dir, filepath.FromSlash(s.File)))
			continue
		}
		if s.Seq == seq {
			s.State, s.Keys, s.Replaces = Done, "", nil
		}
		kept = append(kept, s)
	}
	m.Segments = kept
	if err := writeManifest(dir, m, e.o.fault); err != nil {
		return err
	}
	if err := e.o.fault(stepCompactRetired); err != nil {
		return err
	}
	// No manifest lists them any more; recovery removes any left by a
	// crash here.
	if keysPath != "" {
		old = append(old, keysPath)
	}
	dirs := map[string]bool{}
	for _, f := range old {
		if err := os.Remove(f); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("flush: %s: compact: remove %s: %w", name, f, err)
		}
		dirs[filepath.Dir(f)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// recoverCompactions finishes every compaction the manifest lists as
// under way (see Compact).
func (e *Executor) recoverCompactions(l *layout.Table, dir string, m *Manifest, rec *Recovery) error {
	for {
		i := slices.IndexFunc(m.Segments, func(s Segment) bool { return s.State == Compacting })
		if i < 0 {
			return nil
		}
		s := m.Segments[i]
		for _, r := range s.Replaces {
			if m.segment(r) == nil {
				return fmt.Errorf("flush: recover %s: compacting segment %d replaces segment %d, which the manifest does not list: %w", l.FullName(), s.Seq, r, ErrCorruptManifest)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s.File))); err != nil {
			return fmt.Errorf("flush: recover %s: compacting segment %d is listed but its file is unreadable (%w); some of its rows' markers may already name it: restore %s from a backup", l.FullName(), s.Seq, err, s.File)
		}
		if err := e.finishCompaction(l, e.tableLock(l.ID), dir, m, s.Seq, s.Replaces); err != nil {
			return fmt.Errorf("flush: recover %s: %w", l.FullName(), err)
		}
		rec.Finished = append(rec.Finished, s.Seq)
	}
}

// segment returns the listed segment seq, or nil.
func (m *Manifest) segment(seq uint64) *Segment {
	for i := range m.Segments {
		if m.Segments[i].Seq == seq {
			return &m.Segments[i]
		}
	}
	return nil
}
