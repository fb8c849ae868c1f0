package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/store"
)

// rawStore is what a careful engineer writes by hand over Pebble: a fixed
// binary layout per row, keys of its own, and the index entries written in
// the same batch as the row. It is the physical limit the generated store is
// measured against; like the generated store it replaces an existing row and
// removes that row's stale index entry, so it reads before it writes.
//
// Keys:
//
//	'r' + big-endian id with the sign bit flipped           → row
//	'c' + category + 0x00 + big-endian id (sign bit flipped) → nothing
//
// A category containing 0x00 is refused (the hand-written format does not
// escape it).
type rawStore struct {
	db  *store.DB
	pdb *pebble.DB
}

// OpenRaw opens the raw Pebble implementation in dir.
func OpenRaw(dir string) (Store, error) {
	db, err := openPebble(dir)
	if err != nil {
		return nil, err
	}
	return &rawStore{db: db, pdb: rawpebble.DB(db)}, nil
}

const (
	rawRowPrefix   = 'r'
	rawIndexPrefix = 'c'
	// rawFixed is the size of the fixed-width part of an encoded row.
	rawFixed = 8 + 4 + 4 + 8 + 8 + 8 + 8 + 1 + 1 + 8 + 8 + 8
	// rawScoreOffset is where Score lies in an encoded row.
	rawScoreOffset = 8 + 4 + 4 + 8 + 8 + 8
)

func rawRowKey(dst []byte, id int64) []byte {
	dst = append(dst, rawRowPrefix)
	return binary.BigEndian.AppendUint64(dst, uint64(id)^(1<<63))
}

func rawIndexKey(dst []byte, category string, id int64) []byte {
	dst = append(dst, rawIndexPrefix)
	dst = append(dst, category...)
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint64(dst, uint64(id)^(1<<63))
}

// rawEncode appends the row: the fixed-width columns first (so a projection
// finds Score at a fixed offset), then the variable-width ones, each a
// uvarint length and its bytes.
func rawEncode(b []byte, r *Row) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(r.ID))
	b = binary.LittleEndian.AppendUint32(b, uint32(r.Quantity))
	b = binary.LittleEndian.AppendUint32(b, uint32(r.Rank))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Amount))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Views))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.Price))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(r.Score))
	var flags byte
	if r.Active {
		flags |= 1
	}
	if r.Verified {
		flags |= 2
	}
	if r.Note != nil {
		flags |= 4
	}
	b = append(b, flags, byte(r.Status))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.CreatedAt.UnixMicro()))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.UpdatedAt.UnixMicro()))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.Version))
	for _, s := range [...]string{r.Category, r.Name, r.Email, r.City, r.Country} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	if r.Note != nil {
		b = binary.AppendUvarint(b, uint64(len(*r.Note)))
		b = append(b, *r.Note...)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Payload)))
	return append(b, r.Payload...)
}

var errRawShort = errors.New("raw: row is truncated; it was not written by this codec")

// rawField reads one length-prefixed field at b[off:].
func rawField(b []byte, off int) ([]byte, int, error) {
	if off > len(b) {
		return nil, 0, errRawShort
	}
	n, w := binary.Uvarint(b[off:])
	if w <= 0 || n > uint64(len(b)-off-w) {
		return nil, 0, errRawShort
	}
	start := off + w
	return b[start : start+int(n)], start + int(n), nil
}

// rawDecode decodes b into r, copying every byte it keeps.
func rawDecode(b []byte, r *Row) error {
	if len(b) < rawFixed {
		return errRawShort
	}
	le := binary.LittleEndian
	r.ID = int64(le.Uint64(b[0:]))
	r.Quantity = int32(le.Uint32(b[8:]))
	r.Rank = int32(le.Uint32(b[12:]))
	r.Amount = int64(le.Uint64(b[16:]))
	r.Views = int64(le.Uint64(b[24:]))
	r.Price = math.Float64frombits(le.Uint64(b[32:]))
	r.Score = math.Float64frombits(le.Uint64(b[40:]))
	flags := b[48]
	r.Active = flags&1 != 0
	r.Verified = flags&2 != 0
	r.Status = Status(b[49])
	r.CreatedAt = time.UnixMicro(int64(le.Uint64(b[50:]))).UTC()
	r.UpdatedAt = time.UnixMicro(int64(le.Uint64(b[58:]))).UTC()
	r.Version = int64(le.Uint64(b[66:]))
	off := rawFixed
	var strs [5]string
	for i := range strs {
		f, next, err := rawField(b, off)
		if err != nil {
			return err
		}
		strs[i], off = string(f), next
	}
	r.Category, r.Name, r.Email, r.City, r.Country = strs[0], strs[1], strs[2], strs[3], strs[4]
	r.Note = nil
	if flags&4 != 0 {
		f, next, err := rawField(b, off)
		if err != nil {
			return err
		}
		note := string(f)
		r.Note, off = &note, next
	}
	f, next, err := rawField(b, off)
	if err != nil {
		return err
	}
	r.Payload = append([]byte(nil), f...)
	if next != len(b) {
		return fmt.Errorf("raw: %d bytes after the last field; the row was not written by this codec", len(b)-next)
	}
	return nil
}

// rawCategory returns the Category of an encoded row without decoding the rest.
func rawCategory(b []byte) ([]byte, error) {
	if len(b) < rawFixed {
		return nil, errRawShort
	}
	f, _, err := rawField(b, rawFixed)
	return f, err
}

func (s *rawStore) Load(rows []Row) error {
	var key, idx, val []byte
	for start := 0; start < len(rows); start += BatchSize {
		b := s.pdb.NewIndexedBatch()
		for i := start; i < min(start+BatchSize, len(rows)); i++ {
			r := &rows[i]
			if strings.IndexByte(r.Category, 0) >= 0 {
				b.Close()
				return fmt.Errorf("raw: row %d: category %q contains a 0x00 byte, which the hand-written index key format cannot hold", r.ID, r.Category)
			}
			key = rawRowKey(key[:0], r.ID)
			old, closer, err := b.Get(key)
			switch {
			case errors.Is(err, pebble.ErrNotFound):
			case err != nil:
				b.Close()
				return fmt.Errorf("raw: read row %d: %w", r.ID, err)
			default:
				cat, err := rawCategory(old)
				if err == nil {
					idx = rawIndexKey(idx[:0], string(cat), r.ID)
					err = b.Delete(idx, nil)
				}
				_ = closer.Close()
				if err != nil {
					b.Close()
					return fmt.Errorf("raw: replace row %d: %w", r.ID, err)
				}
			}
			val = rawEncode(val[:0], r)
			idx = rawIndexKey(idx[:0], r.Category, r.ID)
			if err := b.Set(key, val, nil); err != nil {
				b.Close()
				return fmt.Errorf("raw: write row %d: %w", r.ID, err)
			}
			if err := b.Set(idx, nil, nil); err != nil {
				b.Close()
				return fmt.Errorf("raw: write index entry of row %d: %w", r.ID, err)
			}
		}
		if err := b.Commit(pebble.NoSync); err != nil {
			b.Close()
			return fmt.Errorf("raw: commit: %w", err)
		}
		if err := b.Close(); err != nil {
			return fmt.Errorf("raw: close batch: %w", err)
		}
	}
	return nil
}

func (s *rawStore) Settle() error { return s.pdb.Flush() }

func (s *rawStore) Get(id int64) (Row, error) {
	var buf [9]byte
	var r Row
	val, closer, err := s.pdb.Get(rawRowKey(buf[:0], id))
	if errors.Is(err, pebble.ErrNotFound) {
		return r, fmt.Errorf("raw: row %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("raw: get row %d: %w", id, err)
	}
	err = rawDecode(val, &r)
	_ = closer.Close()
	return r, err
}

func (s *rawStore) ByCategory(category string, dst []Row) ([]Row, error) {
	lower := append(append([]byte{rawIndexPrefix}, category...), 0)
	upper := append(append([]byte{rawIndexPrefix}, category...), 1)
	it, err := s.pdb.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return dst, fmt.Errorf("raw: index scan: %w", err)
	}
	var key [9]byte
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		rowKey := append(append(key[:0], rawRowPrefix), k[len(k)-8:]...)
		val, closer, err := s.pdb.Get(rowKey)
		if err != nil {
			_ = it.Close()
			return dst, fmt.Errorf("raw: index entry %x: read row: %w", k, err)
		}
		var r Row
		err = rawDecode(val, &r)
		_ = closer.Close()
		if err != nil {
			_ = it.Close()
			return dst, err
		}
		dst = append(dst, r)
	}
	return dst, it.Close()
}

// scan calls fn with the encoded value of every row in key order until fn
// returns false.
func (s *rawStore) scan(fn func(val []byte) (bool, error)) error {
	it, err := s.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{rawRowPrefix}, UpperBound: []byte{rawRowPrefix + 1}})
	if err != nil {
		return fmt.Errorf("raw: scan: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		val, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return fmt.Errorf("raw: scan: %w", err)
		}
		more, err := fn(val)
		if err != nil {
			_ = it.Close()
			return err
		}
		if !more {
			break
		}
	}
	return it.Close()
}

func (s *rawStore) First(n int, dst []Row) ([]Row, error) {
	if n <= 0 {
		return dst, nil
	}
	got := 0
	err := s.scan(func(val []byte) (bool, error) {
		var r Row
		if err := rawDecode(val, &r); err != nil {
			return false, err
		}
		dst = append(dst, r)
		got++
		return got < n, nil
	})
	return dst, err
}

func (s *rawStore) ScanAll(fn func(*Row) error) error {
	var r Row
	return s.scan(func(val []byte) (bool, error) {
		if err := rawDecode(val, &r); err != nil {
			return false, err
		}
		return true, fn(&r)
	})
}

func (s *rawStore) SumScore() (float64, error) {
	var sum float64
	err := s.scan(func(val []byte) (bool, error) {
		if len(val) < rawFixed {
			return false, errRawShort
		}
		sum += math.Float64frombits(binary.LittleEndian.Uint64(val[rawScoreOffset:]))
		return true, nil
	})
	return sum, err
}

func (s *rawStore) Close() error { return s.db.Close() }
