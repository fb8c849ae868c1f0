package flush

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// tmpSuffix marks a file being written. Recovery deletes every file of a
// table directory whose name is one of flush's names plus this suffix.
const tmpSuffix = ".tmp"

// writeDurable writes a file the way every flush output is written: to
// path+".tmp", fsynced, renamed over path, and the directory fsynced, so
// after a crash path holds either nothing (or its previous content) or the
// complete new content, never a torn file. write fills the file through a
// buffered writer; its error aborts and leaves the temporary file for
// recovery to remove. Each step calls fault first (fault injection in
// tests; nil in production).
func writeDurable(path string, fault func(s step) error, write func(w io.Writer) error) error {
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("flush: create %s: %w", tmp, err)
	}
	bf := newBufferedFile(f)
	if err := write(bf); err != nil {
		_ = f.Close()
		return err
	}
	return bf.commit(path, fault)
}

// bufferedFile is a temporary file being written through a buffer.
type bufferedFile struct {
	*bufio.Writer
	f *os.File
}

func newBufferedFile(f *os.File) *bufferedFile {
	return &bufferedFile{Writer: bufio.NewWriterSize(f, 1<<20), f: f}
}

// commit flushes, fsyncs and closes the file, renames it to path and
// fsyncs path's directory. On error the file is closed and left in place.
func (b *bufferedFile) commit(path string, fault func(step) error) error {
	tmp := b.f.Name()
	if err := b.Flush(); err != nil {
		_ = b.f.Close()
		return fmt.Errorf("flush: write %s: %w", tmp, err)
	}
	if err := b.f.Sync(); err != nil {
		_ = b.f.Close()
		return fmt.Errorf("flush: fsync %s: %w", tmp, err)
	}
	if err := b.f.Close(); err != nil {
		return fmt.Errorf("flush: close %s: %w", tmp, err)
	}
	if err := fault(stepBeforeRename); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("flush: rename %s: %w", tmp, err)
	}
	return syncDir(filepath.Dir(path))
}

// syncDir fsyncs a directory so that the names created, renamed or removed
// in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("flush: open directory %s to fsync it: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("flush: fsync directory %s: %w", dir, err)
	}
	return nil
}

// mkdirDurable creates dir and its missing parents, fsyncing each parent
// whose entry was created, so a file renamed into dir later cannot vanish
// with its directory in a crash.
func mkdirDurable(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("flush: %s exists and is not a directory; move it away or choose another flush root", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirDurable(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("flush: create directory %s: %w", dir, err)
	}
	return syncDir(parent)
}
