package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/cockroachdb/pebble/v2/sstable"
)

// FileProblem is one database file whose blocks fail their checksums, found
// by [DB.VerifyFiles].
type FileProblem struct {
	File  string // base name, e.g. "000123.sst"
	Level int    // LSM level
	// Smallest and Largest are the first and last keys the file holds: the
	// rows and entries (of the tables whose ids they carry) that may be
	// lost with it.
	Smallest, Largest []byte
	Err               error
}

func (p FileProblem) String() string {
	return fmt.Sprintf("file %s (level %d, keys %x to %x): %v", p.File, p.Level, p.Smallest, p.Largest, p.Err)
}

// VerifyFiles reads every block of every sstable of the database and checks
// its checksum, which a read only does for the blocks it touches. It returns
// every damaged file (nil when none is); the error is for failures to list
// or open the files at all. Data still only in the write-ahead log was
// checked when Open replayed it.
func (db *DB) VerifyFiles() ([]FileProblem, error) {
	if !db.life.enter() {
		return nil, ErrClosed
	}
	defer db.life.exit()
	levels, err := db.pdb.SSTables()
	if err != nil {
		return nil, fmt.Errorf("store: verify files: list sstables: %w", err)
	}
	var problems []FileProblem
	seen := map[uint64]bool{}
	for level, tables := range levels {
		for _, t := range tables {
			num := uint64(t.BackingSSTNum)
			if seen[num] {
				continue // virtual sstables share one backing file
			}
			seen[num] = true
			name := fmt.Sprintf("%06d.sst", num)
			if err := db.checkSSTable(name); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					continue // compacted away since the listing
				}
				problems = append(problems, FileProblem{File: name, Level: level,
					Smallest: slices.Clone(t.Smallest.UserKey), Largest: slices.Clone(t.Largest.UserKey), Err: err})
			}
		}
	}
	return problems, nil
}

// checkSSTable validates every block checksum of one sstable.
func (db *DB) checkSSTable(name string) error {
	fsys := db.popts.FS
	f, err := fsys.Open(fsys.PathJoin(db.dir, name))
	if err != nil {
		return err
	}
	readable, err := sstable.NewSimpleReadable(f)
	if err != nil {
		_ = f.Close()
		return err
	}
	r, err := sstable.NewReader(context.Background(), readable, db.popts.MakeReaderOptions())
	if err != nil {
		_ = readable.Close()
		return err
	}
	err = r.ValidateBlockChecksums()
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	return err
}
