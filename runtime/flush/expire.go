package flush

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

// Expire is the cold half of a stream table's expiry (store.Table.Expire
// removes the hot rows and markers): it removes the segments whose rows
// are all past the layout's TTL (layout.LiveCutoff on the DB's clock),
// judged by their largest key, whose first column is the event time. The
// rows' markers are deleted first, durably, then the manifest drops the
// segments and their files go, so a crash at any point leaves segments
// still listed (a later Expire finishes) or unlisted files (recovery
// removes them). Segments only partly past the TTL stay; Compact drops
// their expired rows. A scoped provider expires that owner's segments
// only. Retired, Dropped and BytesRetired of the result are set.
func (e *Executor) Expire(ctx context.Context, p *scan.Provider) (*CompactResult, error) {
	l := p.Layout()
	if l.Kind != layout.Stream {
		return nil, fmt.Errorf("flush: %s: Expire needs a stream table, not kind %q", l.FullName(), l.Kind)
	}
	return held(e, ctx, l.FullName(), func(ctx context.Context) (*CompactResult, error) {
		tl, err := e.lock(&l)
		if err != nil {
			return nil, err
		}
		defer tl.Unlock()
		return e.expire(&l, p.Scope(), tl)
	})
}

// segmentPast reports whether every row of s has an event time before
// cutoff (floor is its key encoding, in hex). A one-owner segment's
// MaxKey starts with its largest event time; a multi-owner segment's keys
// start with the owner, so its rows are judged by the event-time column's
// largest value in the manifest's statistics (none recorded: not past,
// and Compact drops the expired rows instead).
func segmentPast(l *layout.Table, s *Segment, cutoff time.Time, floor string) bool {
	if _, ok := s.owner(); ok || !partitioned(l) {
		// Same-length hex of big-endian bytes compares like the bytes;
		// MaxKey continues past the timestamp with the rest of the key.
		return strings.Compare(s.MaxKey[:min(len(s.MaxKey), len(floor))], floor) < 0
	}
	if len(l.Key) == 0 {
		return false
	}
	name := l.Key[0].Name
	var tag int32 = -1
	for _, c := range l.Columns {
		if c.Name == name {
			tag = int32(c.Tag)
		}
	}
	for _, c := range s.Columns {
		if (c.Tag != 0 && c.Tag == tag) || (c.Tag == 0 && c.Name == name) {
			v, ok := c.Max.(string)
			if !ok {
				return false
			}
			maxT, err := time.Parse(time.RFC3339Nano, v)
			return err == nil && maxT.Before(cutoff)
		}
	}
	return false
}

func (e *Executor) expire(l *layout.Table, scope []byte, tl *tableLock) (*CompactResult, error) {
	res := &CompactResult{Table: l.FullName()}
	cutoff, ok := l.LiveCutoff(e.db.Now())
	if !ok {
		return res, nil
	}
	floor := hex.EncodeToString(keyenc.AppendTimestamp(nil, cutoff))
	dir, m, err := e.manifestOf(l)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return res, nil
	}
	var drops []coldtier.Move
	for _, g := range compactGroups(m, scope, 1<<62) {
		var past []uint64
		for _, sq := range g.segs {
			s := m.segment(sq)
			if segmentPast(l, s, cutoff, floor) {
				past = append(past, sq)
				res.Dropped += s.Rows
				res.BytesRetired += s.Bytes
			}
		}
		if len(past) == 0 {
			continue
		}
		marks, err := groupMarkers(rawpebble.DB(e.db), l, compactGroup{scope: g.scope, segs: past})
		if err != nil {
			return nil, err
		}
		for k, sq := range marks {
			drops = append(drops, coldtier.Move{Key: []byte(k), From: sq, Drop: true})
		}
		res.Retired = append(res.Retired, past...)
	}
	if len(res.Retired) == 0 {
		return res, nil
	}
	for i := 0; i < len(drops); i += e.o.DeleteBatch {
		if _, err := coldtier.Repoint(e.db, l, 0, drops[i:min(i+e.o.DeleteBatch, len(drops))], false); err != nil {
			return nil, err
		}
	}
	if _, err := coldtier.Repoint(e.db, l, 0, nil, true); err != nil {
		return nil, err
	}
	if err := e.finishCompaction(l, tl, dir, m, 0, res.Retired); err != nil {
		return nil, err
	}
	return res, nil
}
