package rowid

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FileMark keeps the high-water mark in a small text file, replaced
// atomically (write to a temporary name, fsync, rename, fsync the
// directory), so a crash leaves either the old or the new mark, never a torn
// one. Use it when ids are drawn outside a tablegen store.
type FileMark string

// Load returns the recorded mark, or 0 when the file does not exist yet.
func (f FileMark) Load() (int64, error) {
	b, err := os.ReadFile(string(f))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: not a high-water mark (%w); delete it only if no ids were ever issued from it", string(f), err)
	}
	return v, nil
}

// Save durably records ms as the new mark.
func (f FileMark) Save(ms int64) error {
	path := string(f)
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.WriteString(strconv.FormatInt(ms, 10) + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
