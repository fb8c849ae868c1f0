package reliability

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tablegen/tablegen/runtime/store"
)

// TestCrashUpdate is TestCrashSync with every batch of the workload written
// by one DB.Update that reads before it writes: it reads the progress row
// and checks that it names the previous batch, checks that every account
// it deletes is there (inside the transaction, after the writes of the
// same batch before it), writes the batch's rows, and writes the progress
// row it computed from what it read.
// After every SIGKILL the database must hold every acknowledged Update
// whole and nothing of a later one, with clean indexes.
func TestCrashUpdate(t *testing.T) {
	crashEnv = []string{envTx + "=1"}
	defer func() { crashEnv = nil }()
	runCrash(t, true)
}

// updateBatch writes batch n of the workload in one transaction.
func updateBatch(db *store.DB, ts *Tables, ops []wop, n int64) error {
	return db.Update(context.Background(), func(tx *store.Tx) error {
		accounts, events, progress := ts.Accounts.In(tx), ts.Events.In(tx), ts.Progress.In(tx)
		p, err := progress.Get("progress")
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		}
		if p.Batch != n-1 {
			return fmt.Errorf("batch %d: the progress row says batch %d was the last", n, p.Batch)
		}
		for _, o := range ops {
			var err error
			switch {
			case o.putAccount != nil:
				err = accounts.Put(o.putAccount)
			case o.delAccount != nil:
				if ok, herr := accounts.Has(*o.delAccount); herr != nil || !ok {
					return fmt.Errorf("batch %d: account %v to delete: found %t, %v", n, *o.delAccount, ok, herr)
				}
				err = accounts.Delete(*o.delAccount)
			case o.putEvent != nil:
				err = events.Put(o.putEvent)
			case o.delEvent != nil:
				err = events.Delete(*o.delEvent)
			}
			if err != nil {
				return err
			}
		}
		return progress.Put(&Progress{Name: "progress", Batch: p.Batch + 1, Ops: int64(len(ops))})
	})
}
