package flush_test

import (
	"context"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
)

// TestLegacyOwnerDirsStillRead builds the tree older versions wrote (owner
// files under owner=<escaped>, the manifest listing those paths) and
// opens it with this version: every flushed row reads, recovery moves the
// files to owner-dir= directories and lists them there (one Hive key per
// table), and a later flush appends. The second case is a move that
// crashed before its manifest: one segment's file is already in the new
// directory while the manifest still lists the old path; recovery must
// finish the move, not remove the file as unlisted.
func TestLegacyOwnerDirsStillRead(t *testing.T) {
	for _, crashed := range []bool{false, true} {
		name := "old layout"
		if crashed {
			name = "move crashed before its manifest"
		}
		t.Run(name, func(t *testing.T) {
			dir, root := t.TempDir(), t.TempDir()
			db := openDB(t, dir)
			l := itemLayout(907, "items", "text")
			owners := []string{"x=y", "NULL", strings.Repeat("é", 300), "bad\xff"}
			putItems(t, db, l, owners, 4)
			e := newExecutor(t, db, root, &flush.Options{PartitionByOwner: true}) // the per-owner tree older versions wrote
			if _, err := e.Flush(context.Background(), itemProvider(t, db, l)); err != nil {
				t.Fatal(err)
			}
			tdir := e.TableDir(&l)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			toLegacy(t, tdir, crashed)

			db = openDB(t, dir)
			defer db.Close()
			e = newExecutor(t, db, root, nil)
			p := itemProvider(t, db, l)
			if got := scanTexts(t, e, p, scan.Request{}, "text"); len(got) != 4*len(owners) {
				t.Fatalf("old-layout tree reads %d rows, want %d", len(got), 4*len(owners))
			}
			m := manifestOf(t, tdir)
			for _, s := range m.Segments {
				if !strings.HasPrefix(s.File, "owner-dir=") {
					t.Errorf("after recovery segment %d is still listed at %s", s.Seq, s.File)
				}
				if _, err := os.Stat(filepath.Join(tdir, filepath.FromSlash(s.File))); err != nil {
					t.Errorf("segment %d: %v", s.Seq, err)
				}
			}
			if old, _ := filepath.Glob(filepath.Join(tdir, "owner=*")); len(old) != 0 {
				t.Errorf("old owner directories left after recovery: %q", old)
			}
			putItems(t, db, l, owners, 6)
			if _, err := e.Flush(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			if got := scanTexts(t, e, p, scan.Request{}, "text"); len(got) != 6*len(owners) {
				t.Fatalf("after a second flush: %d rows, want %d", len(got), 6*len(owners))
			}
		})
	}
}

func manifestOf(t *testing.T, tdir string) *flush.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(tdir, flush.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	m, err := flush.ParseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// toLegacy rewrites a flushed table directory into the old layout; with
// crashed, the first segment's file stays in its new directory (a move
// that renamed it and died before writing the manifest).
func toLegacy(t *testing.T, tdir string, crashed bool) {
	t.Helper()
	m := manifestOf(t, tdir)
	for i := range m.Segments {
		s := &m.Segments[i]
		o := *s.Owner
		if s.OwnerBytes != nil {
			o = string(s.OwnerBytes)
		}
		legacy := flush.LegacyOwnerDir(o)
		if !strings.HasPrefix(legacy, "owner=") {
			t.Fatalf("legacy dir %q", legacy)
		}
		from := filepath.Join(tdir, filepath.FromSlash(s.File))
		s.File = path.Join(legacy, path.Base(s.File))
		if crashed && i == 0 {
			continue
		}
		if err := os.MkdirAll(filepath.Join(tdir, legacy), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(from, filepath.Join(tdir, filepath.FromSlash(s.File))); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(filepath.Dir(from))
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flush.ParseManifest(data); err != nil {
		t.Fatalf("the old-layout manifest does not parse: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tdir, flush.ManifestName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
