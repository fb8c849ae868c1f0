package flush_test

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

// childEnv makes the test binary act as the flushing child process of
// TestCrashKill: "dbDir|root".
const childEnv = "TABLEGEN_FLUSH_CRASH_CHILD"

func TestMain(m *testing.M) {
	if arg := os.Getenv(childEnv); arg != "" {
		os.Exit(crashChild(arg))
	}
	if arg := os.Getenv(compactChildEnv); arg != "" {
		os.Exit(compactChild(arg))
	}
	os.Exit(m.Run())
}

// crashChild opens the database, says "ready", flushes chat.messages
// (recovering first) and says how long the flush took. A third field
// "|dir" flushes with Options.Quarantine dir; a fourth "|per-owner" with
// Options.PartitionByOwner.
func crashChild(arg string) int {
	dbDir, root, ok := strings.Cut(arg, "|")
	if !ok {
		fmt.Fprintln(os.Stderr, "bad", childEnv)
		return 2
	}
	root, quarantine, _ := strings.Cut(root, "|")
	quarantine, layout, _ := strings.Cut(quarantine, "|")
	tb := &childTB{}
	db := openDB(tb, dbDir)
	p := messagesProvider(tb, db)
	e := newExecutor(tb, db, root, &flush.Options{BatchSize: 64, DeleteBatch: 64, Quarantine: quarantine, PartitionByOwner: layout == "per-owner"})
	fmt.Println("ready")
	start := time.Now()
	if _, err := e.Flush(context.Background(), p); err != nil {
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

// childTB lets the test helpers run outside a test: any failure exits.
type childTB struct{ testing.TB }

func (childTB) Helper() {}
func (childTB) Fatal(args ...any) {
	fmt.Fprintln(os.Stderr, args...)
	os.Exit(3)
}

// TestCrashKill runs a flush in a child process and kills it with SIGKILL
// at a random moment, then recovers and checks counts and sums: every row
// ever written is hot or in exactly one listed file, indexes match, the
// union returns every row once. Each round adds new rows first and
// deletes a few random rows, most of them flushed by earlier rounds, so
// tombstones cross crashes too. A few rounds by default, 60 with
// TABLEGEN_SLOW=1 (make test-slow).
func TestCrashKill(t *testing.T) {
	rounds := 4
	if os.Getenv("TABLEGEN_SLOW") == "1" {
		rounds = 60
	}
	const per = 150 // new rows per owner per round
	dbDir, root := t.TempDir(), t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	seed := rng.Uint64()
	t.Logf("seed %d", seed)
	rng = rand.New(rand.NewPCG(seed, 7))
	want := map[string]bool{}
	var wantSum int64
	type row struct {
		owner string
		i     int
	}
	var alive []row
	deleted := map[string]bool{} // keys deleted for good
	flushTime := 50 * time.Millisecond
	killed := 0
	for round := range rounds {
		// New rows, distinct from every earlier round's.
		db := openDB(t, dbDir)
		// Deleting a flushed row reads it (for its index entries) through
		// the executor attached to the DB.
		newExecutor(t, db, root, nil)
		s, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range owners {
			ow, err := s.For(o)
			if err != nil {
				t.Fatal(err)
			}
			b := db.NewBatch()
			for i := range per {
				m := message(o, round*per+i)
				ow.PutIn(b, &m)
				wantSum += m.ConversationID
				alive = append(alive, row{o, round*per + i})
			}
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		for k := range allKeys((round + 1) * per) {
			want[k] = true
		}
		for k := range deleted {
			delete(want, k)
		}
		// Delete a few rows, most of them flushed in earlier rounds.
		for range 10 {
			j := rng.IntN(len(alive))
			r := alive[j]
			alive[j] = alive[len(alive)-1]
			alive = alive[:len(alive)-1]
			ow, err := s.For(r.owner)
			if err != nil {
				t.Fatal(err)
			}
			if err := ow.Delete(chat.UserRowID(r.i + 1)); err != nil {
				t.Fatal(err)
			}
			k := hex.EncodeToString(keyenc.AppendInt64(keyenc.AppendString(nil, r.owner), int64(r.i+1)))
			delete(want, k)
			deleted[k] = true
			wantSum -= message(r.owner, r.i).ConversationID
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		// The child flushes; kill it somewhere in the flush (round 0 runs
		// to completion to measure how long a flush takes).
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		// Rounds alternate the layouts: the tree holds multi-owner and
		// per-owner segments, crashes of both.
		layout := "multi-owner"
		if round%2 == 1 {
			layout = "per-owner"
		}
		cmd.Env = append(os.Environ(), childEnv+"="+dbDir+"|"+root+"||"+layout)
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
			time.Sleep(time.Duration(rng.Int64N(int64(flushTime) * 6 / 5)))
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
		done := lines.Scan() && strings.HasPrefix(lines.Text(), "done ")
		if done && round == 0 {
			var us int64
			fmt.Sscan(strings.TrimPrefix(lines.Text(), "done "), &us)
			flushTime = max(time.Duration(us)*time.Microsecond, time.Millisecond)
		}
		err = cmd.Wait()
		if round == 0 && err != nil {
			t.Fatalf("child: %v\n%s", err, stderr.String())
		}
		if !done {
			killed++
		}

		// Restart: recover and check.
		db = openDB(t, dbDir)
		p := messagesProvider(t, db)
		e := newExecutor(t, db, root, nil)
		if _, err := e.Recover(p); err != nil {
			t.Fatalf("round %d: recover: %v", round, err)
		}
		st := collect(t, db, e, p)
		checkInvariantDeleted(t, st, want, deleted)
		ms, err := chat.NewMessageStore(db)
		if err != nil {
			t.Fatal(err)
		}
		if probs, err := ms.Verify(); err != nil || len(probs) != 0 {
			t.Fatalf("round %d: Verify: %v %v", round, probs, err)
		}
		rows, sum := unionCountSum(t, e, p)
		if rows != len(want) || sum != wantSum {
			t.Fatalf("round %d: union has %d rows summing to %d, want %d rows summing to %d", round, rows, sum, len(want), wantSum)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			t.Fatalf("round %d failed (seed %d)", round, seed)
		}
	}
	t.Logf("%d rounds, %d killed mid-flush, flush time %s", rounds, killed, flushTime)
}
