package flush

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

// Recovery reports what Recover did to one table.
type Recovery struct {
	Table string
	// Removed are the files deleted: temporary files of an interrupted
	// write (quarantine files included, with Options.Quarantine), and part
	// or keys files no manifest lists.
	Removed []string
	// Finished are the sequence numbers of segments whose hot-row deletion,
	// or whose compaction (Compact), was interrupted and has now been
	// completed.
	Finished []uint64
	// Deleted is the number of hot rows that deletion removed.
	Deleted int64
	// Left are the files recovery should have removed but could not (a
	// read-only cold root), with why. Reads ignore them (they follow the
	// manifest) and a recovery with write access removes them.
	Left []string
}

// Recover brings one table's flushed files and hot rows back to the
// invariant after a crash: every row is hot or in exactly one file the
// manifest lists. It removes temporary files and part or keys files that
// the manifest does not list (a flush that died before its manifest was
// written: those rows are still hot), then finishes the deletion of the hot
// rows of every listed segment not yet done (a flush that died after its
// manifest: those rows are in the file). Recovery is idempotent and is
// itself safe to interrupt.
//
// The executor runs it before the first flush or union scan of each table,
// so calling it is only needed to recover at startup, eagerly. It takes the
// table's lock: it never runs during a flush of the same executor.
func (e *Executor) Recover(p *scan.Provider) (*Recovery, error) {
	l := p.Layout()
	return held(e, context.Background(), l.FullName(), func(context.Context) (*Recovery, error) {
		tl := e.tableLock(l.ID)
		tl.Lock()
		defer tl.Unlock()
		r, err := e.recover(&l)
		if err == nil {
			tl.recovered.Store(true)
		}
		return r, err
	})
}

func (e *Executor) recover(l *layout.Table) (*Recovery, error) {
	rec := &Recovery{Table: l.FullName()}
	if !coldtier.ReadOnly(e.db) {
		if err := e.removeQuarantineTemps(l, rec); err != nil {
			return rec, err
		}
	}
	dir, m, err := e.manifestOf(l)
	if err != nil {
		return rec, err
	}
	if m == nil {
		return rec, nil
	}
	if err := migrateOwnerDirs(dir, m, e.o.fault, rec); err != nil {
		return rec, err
	}
	listed := map[string]bool{}
	for _, s := range m.Segments {
		listed[s.File] = true
		if s.Keys != "" {
			listed[s.Keys] = true
		}
	}
	// On a read-only database recovery writes nothing, and reads are right
	// without it: a segment whose hot-row deletion was interrupted has
	// markers only for the rows already moved, and every other row is
	// still hot, where it wins. Leftover files are ignored (reads follow
	// the manifest).
	if coldtier.ReadOnly(e.db) {
		return rec, nil
	}
	// Deletions must write tombstones that reach every listed segment,
	// even when the database is older than the files (restored from a
	// backup taken before a flush): raise the cold marker to cover them.
	if m.NextSeq > 1 {
		if err := coldtier.RaiseColdSeq(e.db, l, m.NextSeq-1); err != nil {
			return rec, err
		}
	}
	if err := e.removeUnlisted(dir, ".", listed, rec); err != nil {
		return rec, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rec, fmt.Errorf("flush: recover %s: %w", l.FullName(), err)
	}
	for _, de := range entries {
		if de.IsDir() && isOwnerDir(de.Name()) {
			if err := e.removeUnlisted(dir, de.Name(), listed, rec); err != nil {
				return rec, err
			}
			// An owner directory left empty by a crashed flush goes too;
			// Remove fails harmlessly on one that still has files.
			if os.Remove(filepath.Join(dir, de.Name())) == nil {
				if err := syncDir(dir); err != nil {
					return rec, err
				}
			}
		}
	}
	if err := e.recoverCompactions(l, dir, m, rec); err != nil {
		return rec, err
	}
	for _, s := range m.Segments {
		if s.State == Done {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(s.File))); err != nil {
			return rec, fmt.Errorf("flush: recover %s: segment %d is listed but its file is unreadable (%w); its rows may be partly deleted from the hot store: restore %s from a backup before flushing again", l.FullName(), s.Seq, err, s.File)
		}
		rec.Finished = append(rec.Finished, s.Seq)
	}
	if len(rec.Finished) > 0 {
		n, err := e.finish(l, dir, m, 0)
		rec.Deleted = n
		if err != nil {
			return rec, fmt.Errorf("flush: recover %s: %w", l.FullName(), err)
		}
	}
	return rec, nil
}

// removeUnlisted deletes, in one directory of a table (rel to dir), the
// temporary files of flush writes and the part and keys files the manifest
// does not list. Files with other names are never touched.
func (e *Executor) removeUnlisted(dir, rel string, listed map[string]bool, rec *Recovery) error {
	full := filepath.Join(dir, rel)
	entries, err := os.ReadDir(full)
	if err != nil {
		return fmt.Errorf("flush: recover: read %s: %w", full, err)
	}
	changed := false
	for _, de := range entries {
		if de.IsDir() {
			continue
		}
		name := de.Name()
		base, tmp := strings.CutSuffix(name, tmpSuffix)
		_, _, isPart := seqOf(base)
		switch {
		case tmp && (isPart || (rel == "." && base == ManifestName)):
		case isPart && !listed[filepath.ToSlash(filepath.Join(rel, name))]:
		default:
			continue
		}
		changed = e.removeLeftover(filepath.Join(full, name), rec) || changed
	}
	if changed {
		return syncDir(full)
	}
	return nil
}

// removeLeftover deletes a file recovery found left over, through the
// remove hook of the options (tests), and records it in rec: in Removed,
// or in Left with why when it cannot go (a read-only root). Leaving one is
// harmless, as nothing reads it, and the next recovery with write access
// removes it. It reports whether the file's directory changed.
func (e *Executor) removeLeftover(path string, rec *Recovery) bool {
	remove := os.Remove
	if e.o.remove != nil {
		remove = e.o.remove
	}
	if err := remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		rec.Left = append(rec.Left, fmt.Sprintf("%s (%v)", path, err))
		return false
	}
	rec.Removed = append(rec.Removed, path)
	return true
}
