package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tablegen/tablegen/internal/compat"
	"github.com/tablegen/tablegen/internal/schema"
)

// lockName is the lock file's name inside the schemas directory.
const lockName = "tablegen.lock"

// lockFile is the lock file of a schemas directory: what is on disk and what
// the schemas imply now.
type lockFile struct {
	path string
	have []byte       // nil when the file does not exist yet
	prev *compat.Lock // have, parsed; nil when there is none
	want []byte
}

// stale reports whether the file on disk differs from what generate writes.
func (l *lockFile) stale() bool { return !bytes.Equal(l.have, l.want) }

// readLock reads dir/tablegen.lock, refuses schemas that reuse a retired
// table id, tag or index id (errors at the YAML position), and computes the
// lock file the schemas imply: ids removed since the previous lock are
// retired automatically and retired ids carry forward.
func readLock(dir string, s *schema.Schema, stderr io.Writer) (*lockFile, bool) {
	l := &lockFile{path: filepath.Join(dir, lockName)}
	var prev *compat.Lock
	b, err := os.ReadFile(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		fmt.Fprintf(stderr, "tablegen: %v\n", err)
		return nil, false
	default:
		l.have = b
		if prev, err = compat.Parse(filepath.ToSlash(l.path), b); err != nil {
			printErr(stderr, err)
			return nil, false
		}
	}
	l.prev = prev
	if errs := compat.CheckRetired(s, prev); len(errs) > 0 {
		printErr(stderr, errs)
		return nil, false
	}
	l.want = compat.Marshal(compat.Build(s, prev))
	return l, true
}

// write replaces the lock file when it changed.
func (l *lockFile) write() (bool, error) {
	if !l.stale() {
		return false, nil
	}
	return true, writeFile(l.path, l.want)
}
