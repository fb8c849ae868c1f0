package flush_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/flush"
)

// TestReadAheadSameFiles flushes the same rows with the scan read on the
// calling goroutine (ReadAhead < 0), one batch ahead and the default
// ahead, and checks that every layout writes byte-identical Parquet files
// and manifests (which hold the column statistics, folded in on the
// read-ahead goroutine): reading ahead changes when batches are decoded,
// never what is written. Small batches and row groups make many of both.
func TestReadAheadSameFiles(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, lay := range []flush.Options{{SegmentBytes: 1}, {PartitionByOwner: true}, {}} {
		var want map[string][]byte
		for _, ahead := range []int{-1, 1, 0, 3} {
			o := lay
			o.ReadAhead, o.BatchSize, o.RowGroupSize = ahead, 7, 30
			o.Now = func() time.Time { return now }
			db := openDB(t, t.TempDir())
			fillMessages(t, db, 100)
			root := t.TempDir()
			e := newExecutor(t, db, root, &o)
			p := schemaProvider(t, db)
			res, err := e.Flush(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != int64(100*len(owners)) || res.Deleted != res.Rows {
				t.Fatalf("ReadAhead %d: flushed %d rows, deleted %d, want %d", ahead, res.Rows, res.Deleted, 100*len(owners))
			}
			got := parquetFiles(t, root)
			if len(got) < 2 {
				t.Fatalf("%d files written, want a manifest and Parquet files", len(got))
			}
			if want == nil {
				want = got
				continue
			}
			if len(got) != len(want) {
				t.Fatalf("ReadAhead %d: %d files, want %d", ahead, len(got), len(want))
			}
			for name, b := range want {
				if !bytes.Equal(got[name], b) {
					t.Errorf("ReadAhead %d: %s differs from the file written without reading ahead", ahead, name)
				}
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// parquetFiles returns the Parquet files and manifests under root by
// relative path.
func parquetFiles(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".parquet" && d.Name() != flush.ManifestName {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		files[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestReadAheadFault stops a flush at a batch while the scan reads ahead
// (its goroutine is then blocked handing over the next batch): the flush
// returns the error, leaves the state a crash would, and the next flush
// recovers and moves every row.
func TestReadAheadFault(t *testing.T) {
	for _, ahead := range []int{1, 4} {
		db := openDB(t, t.TempDir())
		const per = 50
		fillMessages(t, db, per)
		root := t.TempDir()
		n := 0
		o := flush.Options{ReadAhead: ahead, BatchSize: 5, SegmentBytes: 1}
		flush.SetFault(&o, func(s flush.Step) error {
			if s == flush.StepBatch {
				if n++; n == 3 {
					return errCrash
				}
			}
			return nil
		})
		e := newExecutor(t, db, root, &o)
		p := schemaProvider(t, db)
		if _, err := e.Flush(context.Background(), p); !errors.Is(err, errCrash) {
			t.Fatalf("ReadAhead %d: flush returned %v, want the injected fault", ahead, err)
		}
		e2 := newExecutor(t, db, root, &flush.Options{ReadAhead: ahead})
		res, err := e2.Flush(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != int64(per*len(owners)) || res.Deleted != res.Rows {
			t.Fatalf("ReadAhead %d: after the fault the flush moved %d rows, deleted %d, want %d", ahead, res.Rows, res.Deleted, per*len(owners))
		}
		checkInvariant(t, collect(t, db, e2, p), allKeys(per))
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadAheadScanError checks that an error of the scan on the
// read-ahead goroutine (here: the context cancelled from the progress
// callback, after the first batch) is the flush's error.
func TestReadAheadScanError(t *testing.T) {
	db := openDB(t, t.TempDir())
	fillMessages(t, db, 50)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := flush.Options{BatchSize: 5, Progress: func(int64) { cancel() }}
	e := newExecutor(t, db, t.TempDir(), &o)
	_, err := e.Flush(ctx, schemaProvider(t, db))
	if err == nil || ctx.Err() == nil {
		t.Fatalf("flush returned %v after its context was cancelled", err)
	}
}
