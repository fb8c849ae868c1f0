package flush_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestQuarantineCrashKill runs flushes with Options.Quarantine over a
// table with damaged rows in a child process and kills it with SIGKILL at
// a random moment. After every kill each damaged row is still hot with its
// exact bytes or in its quarantine file with its exact bytes (or both:
// the file is written before the delete), never lost and never in a
// Parquet file; every other row is hot or in exactly one listed file. A
// last flush quarantines every damaged row exactly once. A few rounds by
// default, 30 with TABLEGEN_SLOW=1.
func TestQuarantineCrashKill(t *testing.T) {
	rounds := 5
	if os.Getenv("TABLEGEN_SLOW") == "1" {
		rounds = 30
	}
	const per = 60
	dir := t.TempDir()
	dbDir, root, qdir := dir+"/db", dir+"/cold", dir+"/quarantine"
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	damaged := map[string][]byte{} // row key (Pebble) → planted bytes
	want := map[string]bool{}      // good rows, keys below the row prefix in hex
	prefix := store.RowPrefix(chat.MessageSpec().Layout.ID)
	flushTime := 50 * time.Millisecond
	killed := 0
	check := func(round int, db *store.DB, e *flush.Executor) {
		t.Helper()
		st := collect(t, db, e, messagesProvider(t, db))
		files := quarantineFiles(t, qdir)
		quarantined := map[string][]byte{}
		for f, q := range files {
			if _, ok := damaged[string(q.Key)]; !ok {
				t.Fatalf("round %d: %s quarantines %x, which is not a damaged row", round, f, q.Key)
			}
			if _, dup := quarantined[string(q.Key)]; dup {
				t.Fatalf("round %d: row %x is quarantined twice", round, q.Key)
			}
			quarantined[string(q.Key)] = q.Value
		}
		all := map[string]bool{}
		for k := range want {
			all[k] = true
		}
		for k, v := range damaged {
			below := hex.EncodeToString([]byte(k)[len(prefix):])
			hot, isHot := st.hot[below]
			q, isQ := quarantined[k]
			if len(st.cold[below]) != 0 {
				t.Fatalf("round %d: damaged row %s is in a Parquet file", round, below)
			}
			if isHot {
				all[below] = true
				if hot != hex.EncodeToString(v) {
					t.Fatalf("round %d: damaged row %s holds %s, want the planted %x", round, below, hot, v)
				}
			}
			if isQ && !bytes.Equal(q, v) {
				t.Fatalf("round %d: quarantine of %s holds %x, want %x", round, below, q, v)
			}
			if !isHot && !isQ {
				t.Fatalf("round %d: damaged row %s is lost: neither hot nor quarantined", round, below)
			}
		}
		checkInvariant(t, st, all)
		if t.Failed() {
			t.Fatalf("round %d: %d hot, %d cold, %d quarantined, %d good rows written", round, len(st.hot), len(st.cold), len(quarantined), len(want))
		}
	}
	for round := range rounds {
		db := openDB(t, dbDir)
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
			}
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
		}
		for k := range allKeys((round + 1) * per) {
			want[k] = true
		}
		for range 3 {
			o := owners[rng.IntN(len(owners))]
			k, v := plantDamage(t, db, o, round*per+rng.IntN(per))
			damaged[string(k)] = v
		}
		for k := range damaged {
			delete(want, hex.EncodeToString([]byte(k)[len(prefix):]))
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dbDir+"|"+root+"|"+qdir)
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
		start := time.Now()
		if round > 0 {
			time.Sleep(time.Duration(rng.Int64N(int64(flushTime) * 6 / 5)))
			_ = cmd.Process.Signal(syscall.SIGKILL)
		}
		done := lines.Scan() && strings.HasPrefix(lines.Text(), "done ")
		err = cmd.Wait()
		if !done {
			killed++
		}
		if round == 0 {
			if err != nil || !done {
				t.Fatalf("child: %v\n%s", err, stderr.String())
			}
			flushTime = max(time.Since(start), time.Millisecond)
		}

		// Restart: recover (as the first flush or scan would) and check.
		db = openDB(t, dbDir)
		e := newExecutor(t, db, root, nil)
		if _, err := e.Recover(messagesProvider(t, db)); err != nil {
			t.Fatalf("round %d: recover: %v", round, err)
		}
		check(round, db, e)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d of %d flushes killed", killed, rounds)
	db := openDB(t, dbDir)
	defer db.Close()
	e := newExecutor(t, db, root, &flush.Options{Quarantine: qdir})
	if _, err := e.Flush(context.Background(), messagesProvider(t, db)); err != nil {
		t.Fatalf("last flush: %v", err)
	}
	check(rounds, db, e)
	if files := quarantineFiles(t, qdir); len(files) != len(damaged) {
		t.Fatalf("after the last flush %d rows are quarantined, want all %d", len(files), len(damaged))
	}
	for k := range damaged {
		if _, closer, err := rawpebbleGet(db, []byte(k)); err == nil {
			_ = closer.Close()
			t.Fatalf("damaged row %x is still hot after the last flush", k)
		}
	}
	s, err := chat.NewMessageStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if probs, err := s.Verify(); err != nil || len(probs) != 0 {
		t.Fatalf("Verify: %v %v", probs, err)
	}
}

func rawpebbleGet(db *store.DB, key []byte) ([]byte, interface{ Close() error }, error) {
	v, c, err := rawpebble.DB(db).Get(key)
	return v, c, err
}
