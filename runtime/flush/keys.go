package flush

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
)

// A keys file lists the hot rows one segment took, so that deleting them
// can be redone after a crash: part-<seq>.keys next to part-<seq>.parquet.
//
//	magic   "TGKEYS\x00\x01"
//	record  uvarint(len(key)) key hash(8 bytes, little endian)   len(key) ≥ 1
//	...
//	trailer uvarint(0) count(8 bytes LE) crc32c(4 bytes LE) of every byte before it
//
// key is the row key below the table's row prefix (scope + key tuple) and
// hash is coldtier.RowHash of the value that was flushed (in the keys
// file of a compacting segment, the segment the row's marker named, with
// compactDrop set for a row dropped as expired; see compact.go). Keys come
// in key order. The file is written like every flush output (temporary name,
// fsync, rename) and deleted once the segment is done.
const keysMagic = "TGKEYS\x00\x01"

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrCorruptKeys wraps every problem reading a keys file.
var ErrCorruptKeys = errors.New("flush: corrupt keys file")

// keysWriter appends records to a keys file.
type keysWriter struct {
	w     io.Writer
	crc   hash.Hash32
	count uint64
	buf   []byte
	err   error
}

func newKeysWriter(w io.Writer) *keysWriter {
	k := &keysWriter{crc: crc32.New(crcTable)}
	k.w = io.MultiWriter(w, k.crc)
	k.write([]byte(keysMagic))
	return k
}

func (k *keysWriter) write(b []byte) {
	if k.err == nil {
		_, k.err = k.w.Write(b)
	}
}

// add records one row: key below the row prefix, and the hash of its value.
func (k *keysWriter) add(key []byte, h uint64) {
	k.buf = binary.AppendUvarint(k.buf[:0], uint64(len(key)))
	k.buf = append(k.buf, key...)
	k.buf = binary.LittleEndian.AppendUint64(k.buf, h)
	k.write(k.buf)
	k.count++
}

// finish writes the trailer; the underlying writer must then be flushed.
func (k *keysWriter) finish() error {
	k.buf = binary.AppendUvarint(k.buf[:0], 0)
	k.buf = binary.LittleEndian.AppendUint64(k.buf, k.count)
	k.write(k.buf)
	if k.err != nil {
		return fmt.Errorf("flush: write keys file: %w", k.err)
	}
	sum := k.crc.Sum32()
	k.buf = binary.LittleEndian.AppendUint32(k.buf[:0], sum)
	// The checksum itself is not part of what it covers.
	k.crc = crc32.New(crcTable)
	k.write(k.buf)
	if k.err != nil {
		return fmt.Errorf("flush: write keys file: %w", k.err)
	}
	return nil
}

// readKeys reads the keys file at path: it checks the whole file first
// (header and checksum) and only then hands the rows to fn in chunks of at
// most chunk rows, so a damaged file deletes nothing.
func readKeys(path string, chunk int, fn func([]coldtier.RowVersion) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("flush: open keys file %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("flush: keys file %s: %w", path, err)
	}
	if err := checkKeys(f, fi.Size()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("flush: rewind keys file %s: %w", path, err)
	}
	if _, err := decodeKeys(bufio.NewReaderSize(f, 1<<16), chunk, fn); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func corruptKeys(format string, a ...any) error {
	return fmt.Errorf("%w: "+format+"; the segment's hot rows cannot be matched: restore the file from a backup, or remove the segment from the manifest and its file if its rows are still hot", append([]any{ErrCorruptKeys}, a...)...)
}

// checkKeys verifies the header and the trailing checksum of a keys file of
// the given size.
func checkKeys(r io.Reader, size int64) error {
	if size < int64(len(keysMagic))+1+8+4 {
		return corruptKeys("%d bytes is shorter than an empty keys file", size)
	}
	crc := crc32.New(crcTable)
	head := make([]byte, len(keysMagic))
	if _, err := io.ReadFull(r, head); err != nil {
		return corruptKeys("read header: %v", err)
	}
	if string(head) != keysMagic {
		return corruptKeys("missing header %q", keysMagic)
	}
	crc.Write(head)
	if _, err := io.CopyN(crc, r, size-4-int64(len(head))); err != nil {
		return corruptKeys("read: %v", err)
	}
	var sum [4]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return corruptKeys("read checksum: %v", err)
	}
	if got, want := binary.LittleEndian.Uint32(sum[:]), crc.Sum32(); got != want {
		return corruptKeys("checksum %08x, computed %08x", got, want)
	}
	return nil
}

// decodeKeys parses the records of a keys file whose checksum checkKeys
// has verified, calling fn (when not nil) with chunks of at most chunk rows,
// and returns the number of rows. Every malformation is an error wrapping
// ErrCorruptKeys; no input panics, and no allocation exceeds the chunk's
// keys (each at most 1 MiB).
func decodeKeys(r *bufio.Reader, chunk int, fn func([]coldtier.RowVersion) error) (uint64, error) {
	chunk = max(chunk, 1)
	head := make([]byte, len(keysMagic))
	if _, err := io.ReadFull(r, head); err != nil || string(head) != keysMagic {
		return 0, corruptKeys("missing header %q", keysMagic)
	}
	var rows []coldtier.RowVersion
	var arena []byte
	var n uint64
	var h [8]byte
	for {
		klen, err := binary.ReadUvarint(r)
		if err != nil {
			return n, corruptKeys("record %d: bad key length: %v", n, err)
		}
		if klen == 0 {
			break
		}
		if klen > 1<<20 {
			return n, corruptKeys("record %d: key length %d is implausible (over 1 MiB)", n, klen)
		}
		start := len(arena)
		arena = append(arena, make([]byte, klen)...)
		if _, err := io.ReadFull(r, arena[start:]); err != nil {
			return n, corruptKeys("record %d: truncated key: %v", n, err)
		}
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return n, corruptKeys("record %d: truncated hash: %v", n, err)
		}
		rows = append(rows, coldtier.RowVersion{Key: arena[start:len(arena):len(arena)], Hash: binary.LittleEndian.Uint64(h[:])})
		n++
		if len(rows) == chunk {
			if fn != nil {
				if err := fn(rows); err != nil {
					return n, err
				}
			}
			rows, arena = rows[:0], nil
		}
	}
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return n, corruptKeys("truncated trailer: %v", err)
	}
	if c := binary.LittleEndian.Uint64(h[:]); c != n {
		return n, corruptKeys("trailer counts %d rows, the file has %d", c, n)
	}
	var sum [4]byte
	if _, err := io.ReadFull(r, sum[:]); err != nil {
		return n, corruptKeys("truncated checksum: %v", err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return n, corruptKeys("bytes after the checksum")
	}
	if fn != nil && len(rows) > 0 {
		if err := fn(rows); err != nil {
			return n, err
		}
	}
	return n, nil
}
