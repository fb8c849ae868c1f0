package flush

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
)

// migrateOwnerDirs moves the files of segments written by older versions
// under owner=<escaped> into owner-dir=<escaped> (see ownerKey) and
// records the new paths in the manifest, so a table's tree has one Hive
// key: DuckDB refuses a hive_partitioning read over files whose
// directories name different keys. Each file is renamed (atomic) before
// the manifest is rewritten; after a crash in between the manifest still
// lists the old path of a file already moved, and the next recovery finds
// it in the new directory and finishes. On a cold root that refuses the
// renames (read-only) nothing changes: the old paths stay listed and
// read, and the reason is in rec.Left. It runs in recovery, under the
// table's lock, before unlisted files are removed.
func migrateOwnerDirs(dir string, m *Manifest, fault func(step) error, rec *Recovery) error {
	moved := false
	for i := range m.Segments {
		s := &m.Segments[i]
		o, ok := s.owner()
		if !ok || path.Dir(s.File) == ownerDir(o) || path.Dir(s.File) == "." {
			// "." holds the one-owner segments of the multi-owner
			// layout (writeMulti); they stay.
			continue
		}
		done, err := moveSegment(dir, s, ownerDir(o))
		if err != nil {
			return err
		}
		if !done {
			// Refused (a read-only root): stop, record what moved.
			rec.Left = append(rec.Left, fmt.Sprintf("%s (left in the %s layout: cannot move it)", filepath.Join(dir, filepath.FromSlash(s.File)), legacyOwnerKey))
			break
		}
		moved = true
	}
	if !moved {
		return nil
	}
	if err := writeManifest(dir, m, fault); err != nil {
		return fmt.Errorf("flush: move segments to %s directories: %w", ownerKey, err)
	}
	return nil
}

// moveSegment renames one segment's files into directory to and updates
// s's paths. done is false, with every file back where it was, when the
// file system refuses; err is set when a file can be neither moved nor
// put back (the manifest must then not be written: recovery stops).
func moveSegment(dir string, s *Segment, to string) (done bool, err error) {
	if err := mkdirDurable(filepath.Join(dir, to)); err != nil {
		return false, nil
	}
	from := path.Dir(s.File)
	files := []*string{&s.File}
	if s.Keys != "" {
		files = append(files, &s.Keys)
	}
	var renamed []string
	for _, f := range files {
		src := filepath.Join(dir, filepath.FromSlash(*f))
		dst := filepath.Join(dir, to, path.Base(*f))
		rerr := os.Rename(src, dst)
		if rerr == nil {
			renamed = append(renamed, *f)
			continue
		}
		if _, serr := os.Stat(dst); errors.Is(rerr, os.ErrNotExist) && serr == nil {
			continue // moved by a recovery that crashed before its manifest
		}
		for _, r := range renamed {
			if err := os.Rename(filepath.Join(dir, to, path.Base(r)), filepath.Join(dir, filepath.FromSlash(r))); err != nil {
				return false, fmt.Errorf("flush: move %s back after a failed move to %s: %w; move it back by hand before the next flush", r, to, err)
			}
		}
		return false, nil
	}
	if err := syncDir(filepath.Join(dir, to)); err != nil {
		return false, err
	}
	if err := syncDir(filepath.Join(dir, from)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return false, err
	}
	for _, f := range files {
		*f = path.Join(to, path.Base(*f))
	}
	return true, nil
}
