package flush_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// compactChildEnv makes the test binary act as the compacting child
// process of TestCompactCrashKill: "dbDir|root".
const compactChildEnv = "TABLEGEN_COMPACT_CRASH_CHILD"

// compactChild opens the database, says "ready", compacts chat.messages
// (recovering first) and says how long it took.
func compactChild(arg string) int {
	dbDir, root, ok := strings.Cut(arg, "|")
	if !ok {
		fmt.Fprintln(os.Stderr, "bad", compactChildEnv)
		return 2
	}
	tb := &childTB{}
	db := openDB(tb, dbDir)
	p := messagesProvider(tb, db)
	e := newExecutor(tb, db, root, &flush.Options{BatchSize: 32, DeleteBatch: 16})
	fmt.Println("ready")
	start := time.Now()
	if _, err := e.Compact(context.Background(), p, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("done", time.Since(start).Microseconds())
	if err := db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestCompactCrashKill runs a compaction in a child process and kills it
// with SIGKILL at a random moment, then recovers and checks that nothing
// is lost or duplicated: the typed reads (Count, Scan, Get, the unique
// lookup by client message id) return exactly the model's rows, the union
// as many, Verify is clean, every listed segment is done and no other
// file is left. Each round first writes new rows, rewrites and deletes a
// few flushed ones and flushes, so every owner has a compacted segment
// with dead rows and a new one to merge. A few rounds by default, 40 with
// TABLEGEN_SLOW=1.
func TestCompactCrashKill(t *testing.T) {
	rounds := 4
	if os.Getenv("TABLEGEN_SLOW") == "1" {
		rounds = 40
	}
	const per = 120
	dbDir, root := t.TempDir(), t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	model := map[string]map[int64]string{} // owner → row id → content
	for _, o := range owners {
		model[o] = map[int64]string{}
	}
	compactTime := 50 * time.Millisecond
	killed := 0
	for round := range rounds {
		db := openDB(t, dbDir)
		// Odd rounds flush per owner: the compactions merge multi-owner
		// segments and owner directories of one tree.
		e := newExecutor(t, db, root, &flush.Options{PartitionByOwner: round%2 == 1})
		p := messagesProvider(t, db)
		s, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		flushes := 1
		if round == 0 {
			flushes = 2 // something to merge in the measured round
		}
		for f := range flushes {
			base := (round*2 + f) * per
			for _, o := range owners {
				ow, err := s.For(o)
				if err != nil {
					t.Fatal(err)
				}
				b := db.NewBatch()
				for i := base; i < base+per; i++ {
					m := message(o, i)
					ow.PutIn(b, &m)
					model[o][m.RowID] = m.Content
				}
				if err := b.Commit(); err != nil {
					t.Fatal(err)
				}
				// Rewrite and delete a few earlier rows, most of them cold.
				for range 4 {
					i := rng.IntN(base + per)
					m := message(o, i)
					if _, ok := model[o][m.RowID]; !ok {
						continue
					}
					m.Content = fmt.Sprintf("%s (round %d)", m.Content, round)
					if err := ow.Put(&m); err != nil {
						t.Fatal(err)
					}
					model[o][m.RowID] = m.Content
				}
				for range 4 {
					id := int64(rng.IntN(base+per) + 1)
					if err := ow.Delete(chat.UserRowID(id)); err != nil {
						t.Fatal(err)
					}
					delete(model[o], id)
				}
			}
			if _, err := e.Flush(context.Background(), p); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), compactChildEnv+"="+dbDir+"|"+root)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || lines.Text() != "ready" {
			_ = cmd.Wait()
			t.Fatalf("child did not start: %q %s", lines.Text(), stderr.String())
		}
		if round > 0 {
			time.Sleep(time.Duration(rng.Int64N(int64(compactTime) * 6 / 5)))
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
		done := lines.Scan() && strings.HasPrefix(lines.Text(), "done ")
		if done && round == 0 {
			var us int64
			fmt.Sscan(strings.TrimPrefix(lines.Text(), "done "), &us)
			compactTime = max(time.Duration(us)*time.Microsecond, time.Millisecond)
		}
		err = cmd.Wait()
		if round == 0 && err != nil {
			t.Fatalf("child: %v\n%s", err, stderr.String())
		}
		if !done {
			killed++
		}

		db = openDB(t, dbDir)
		e = newExecutor(t, db, root, nil)
		p = messagesProvider(t, db)
		if _, err := e.Recover(p); err != nil {
			t.Fatalf("round %d: recover: %v", round, err)
		}
		var want []string
		for _, o := range owners {
			ids := make([]int64, 0, len(model[o]))
			for id := range model[o] {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			for _, id := range ids {
				want = append(want, fmt.Sprintf("%s|%d|%s", o, id, model[o][id]))
			}
		}
		if got := typedRows(t, db); !slices.Equal(got, want) {
			t.Fatalf("round %d: typed reads: %d rows, model %d\n%s", round, len(got), len(want), strings.Join(diff(got, want), "\n"))
		}
		if n, _ := unionCountSum(t, e, p); n != len(want) {
			t.Fatalf("round %d: union has %d rows, model %d", round, n, len(want))
		}
		if got := scanAll(t, e, p, scan.Request{Columns: []string{"row_id"}}); len(got) != len(want) {
			t.Fatalf("round %d: union scan: %d rows, model %d", round, len(got), len(want))
		}
		// Unique values of cold rows stay taken: a new row reusing one is
		// refused.
		for _, o := range owners {
			for id := range model[o] {
				m := message(o, int(id-1))
				if m.ClientMessageID == nil {
					continue
				}
				ms, err := chat.NewMessageStore(db)
				if err != nil {
					t.Fatal(err)
				}
				ow, err := ms.For(o)
				if err != nil {
					t.Fatal(err)
				}
				m.RowID = 1 << 40
				var uv *store.UniqueViolationError
				if err := ow.Put(&m); !errors.As(err, &uv) {
					t.Fatalf("round %d: %s: a new row with row %d's client message id: %v, want a unique violation", round, o, id, err)
				}
				break
			}
		}
		segmentsPerOwner(t, e, p) // every listed segment done
		checkFiles(t, e, p)
		ms, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		if probs, err := ms.Verify(); err != nil || len(probs) != 0 {
			t.Fatalf("round %d: Verify: %v %v", round, probs, err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			t.Fatalf("round %d failed (seed %d)", round, seed)
		}
	}
	t.Logf("%d rounds, %d killed mid-compaction, compaction time %s", rounds, killed, compactTime)
}
