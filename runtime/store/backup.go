package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Backup writes a consistent copy of the whole database, every table at one
// point in time, into dir while the database stays open for reads and
// writes: a Pebble checkpoint (sstables hard-linked when dir is on the same
// file system, copied otherwise; the write-ahead log, MANIFEST and OPTIONS
// copied). Every write committed before Backup is called is in the copy,
// synced or not. dir must not exist or be an empty directory, so a backup
// never mixes with another database; its parent is created if needed.
//
// The copy is a database directory: open it with [Open] (or copy it to the
// place the service expects, see [Restore]). Flushed (cold) rows live
// outside Pebble, in the flush root: copy that root after Backup returns,
// never before (see the flush package: a root newer than the checkpoint is
// consistent with it, an older one may lack rows the checkpoint no longer
// holds hot).
//
// ctx is checked before the checkpoint starts; the checkpoint itself, once
// started, runs to its end (it takes about as long as listing and linking
// the files).
func (db *DB) Backup(ctx context.Context, dir string) error {
	if !db.life.enter() {
		return ErrClosed
	}
	defer db.life.exit()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dir, err)
	}
	empty, err := emptyDir(dir)
	if err != nil {
		return fmt.Errorf("store: backup to %s: %w", dir, err)
	}
	if !empty {
		return fmt.Errorf("store: backup to %s: the directory is not empty; choose a new directory for every backup", dir)
	}
	// Pebble creates the directory itself and refuses an existing one, even
	// when empty.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup to %s: %w", dir, err)
	}
	if err := db.pdb.Checkpoint(dir, pebble.WithFlushedWAL()); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dir, err)
	}
	return nil
}

// Restore copies the database backed up in from (a directory [DB.Backup]
// wrote) to dir, which must not exist or be empty: a restore never overwrites
// a database. It checks that from is a database before copying anything and
// copies through a temporary directory beside dir that it renames into
// place, so an interrupted restore leaves no half database under dir. The
// restored database opens with [Open] like the original.
func Restore(from, dir string) error {
	desc, err := pebble.Peek(from, vfs.Default)
	if err == nil && !desc.Exists {
		err = errors.New("no database there")
	}
	if err != nil {
		return fmt.Errorf("store: restore from %s: %w; pass a directory written by a backup", from, err)
	}
	empty, err := emptyDir(dir)
	if err != nil {
		return fmt.Errorf("store: restore to %s: %w", dir, err)
	}
	if !empty {
		return fmt.Errorf("store: restore to %s: the directory is not empty; restore into a new directory (or move the old database away first)", dir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("store: restore to %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".restore-")
	if err != nil {
		return fmt.Errorf("store: restore to %s: %w", dir, err)
	}
	fail := func(err error) error {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("store: restore from %s to %s: %w", from, dir, err)
	}
	if err := copyDir(from, tmp); err != nil {
		return fail(err)
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fail(err)
	}
	return syncDir(parent)
}

// emptyDir reports whether dir is missing or an empty directory.
func emptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return len(entries) == 0, nil
}

// copyDir copies the regular files of the flat directory from into to,
// syncing each file and then to. A Pebble directory has no subdirectories
// that matter to a restore; any other entry is an error, not skipped.
func copyDir(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file; a backup holds only files", filepath.Join(from, e.Name()))
		}
		if e.Name() == "LOCK" {
			continue // recreated by Open
		}
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return syncDir(to)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := dst.ReadFrom(src); err != nil {
		_ = dst.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := dst.Sync(); err != nil {
		_ = dst.Close()
		return fmt.Errorf("sync %s: %w", to, err)
	}
	return dst.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}
