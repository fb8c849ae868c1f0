package reliability

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/store"
	"go.uber.org/goleak"
)

// TestMain runs the crash child when the test binary is re-executed as one
// (TABLEGEN_CRASH_CHILD=1), and otherwise the tests, followed by a check for
// leaked goroutines.
func TestMain(m *testing.M) {
	if os.Getenv("TABLEGEN_CRASH_CHILD") == "1" {
		os.Exit(crashChild())
	}
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// Environment of the crash child.
const (
	envChild = "TABLEGEN_CRASH_CHILD"
	envDir   = "TABLEGEN_CRASH_DIR"
	envSeed  = "TABLEGEN_CRASH_SEED"
	envSync  = "TABLEGEN_CRASH_SYNC"
	envTx    = "TABLEGEN_CRASH_TX" // "1": each batch is one DB.Update (tx_crash_test.go)
)

// syncEvery is how often the child of the Sync=false test commits a batch
// with Batch.SetSync(true): such a batch, once acknowledged, makes every
// batch before it durable too.
const syncEvery = 16

// childLimit ends a child that was never killed, so a broken parent cannot
// leave it running.
const childLimit = 2 * time.Minute

// childOptions are the store options of the child. The small memtable makes
// Pebble flush and compact during the run, so kills also land in those.
func childOptions(sync bool) *store.Options {
	return &store.Options{NoSync: !sync, CacheSize: 8 << 20, MemTableSize: 256 << 10}
}

// crashChild opens the database in $TABLEGEN_CRASH_DIR, continues the
// workload after the last batch it holds and prints "ack N" (or "ack N
// sync" for a synced batch) on stdout after each batch's Commit returns,
// until it is killed.
func crashChild() int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "crash child: "+format+"\n", args...)
		return 2
	}
	seed, err := strconv.ParseUint(os.Getenv(envSeed), 10, 64)
	if err != nil {
		return fail("%s: %v", envSeed, err)
	}
	syncMode := os.Getenv(envSync) == "1"
	db, err := store.Open(os.Getenv(envDir), childOptions(syncMode))
	if err != nil {
		return fail("%v", err)
	}
	ts, err := OpenTables(db)
	if err != nil {
		return fail("%v", err)
	}
	start, err := readBatch(ts)
	if err != nil {
		return fail("%v", err)
	}
	m := newModel(seed)
	m.advanceTo(start)
	fmt.Fprintf(os.Stdout, "open %d\n", start)
	b := db.NewBatch()
	deadline := time.Now().Add(childLimit)
	for time.Now().Before(deadline) {
		ops := m.next()
		if os.Getenv(envTx) == "1" {
			if err := updateBatch(db, ts, ops, m.batch); err != nil {
				return fail("update batch %d: %v", m.batch, err)
			}
			fmt.Fprintf(os.Stdout, "ack %d\n", m.batch)
			continue
		}
		addTo(b, ts, ops, m.batch)
		synced := !syncMode && m.batch%syncEvery == 0
		if synced {
			b.SetSync(true)
		}
		if err := b.Commit(); err != nil {
			return fail("commit batch %d: %v", m.batch, err)
		}
		b = db.NewBatch() // a fresh batch: no SetSync override carried over
		// One write per line, so a kill never leaves half a line that parses.
		if synced {
			fmt.Fprintf(os.Stdout, "ack %d sync\n", m.batch)
		} else {
			fmt.Fprintf(os.Stdout, "ack %d\n", m.batch)
		}
	}
	return fail("not killed within %v", childLimit)
}

// childRun is what the parent learned from one child's stdout.
type childRun struct {
	mu        sync.Mutex
	opened    int64 // batch the child found on open; -1 before it said
	lastAck   int64 // last acknowledged batch; -1 when none
	lastSync  int64 // last acknowledged synced batch; -1 when none
	acks      int
	firstAck  chan struct{}
	firstOnce sync.Once
}

func (r *childRun) read(sc *bufio.Scanner) error {
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			return fmt.Errorf("unexpected line %q", sc.Text())
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return fmt.Errorf("unexpected line %q", sc.Text())
		}
		r.mu.Lock()
		switch f[0] {
		case "open":
			r.opened = n
		case "ack":
			if n != r.lastAck+1 && r.lastAck >= 0 {
				r.mu.Unlock()
				return fmt.Errorf("ack %d after ack %d", n, r.lastAck)
			}
			r.lastAck = n
			r.acks++
			if len(f) == 3 {
				r.lastSync = n
			}
			r.firstOnce.Do(func() { close(r.firstAck) })
		}
		r.mu.Unlock()
	}
	return sc.Err()
}

type crashStats struct {
	kills, earlyKills, acks int
	lost                    int64 // acknowledged batches missing after a kill (Sync=false only)
	lostKills               int   // kills after which some acknowledged batch was missing
	maxLost                 int64 // most acknowledged batches lost by one kill
	maxBatch                int64
}

func TestCrashSync(t *testing.T)   { runCrash(t, true) }
func TestCrashNoSync(t *testing.T) { runCrash(t, false) }

// crashEnv is extra environment for the crash children (TestCrashUpdate
// sets envTx).
var crashEnv []string

// runCrash kills a writing child with SIGKILL at random moments and checks
// after each kill that the database holds exactly the batches 1..n for some
// n no earlier than durability promises, nothing of batch n+1, and
// consistent indexes. All iterations share one directory, so every child
// also recovers from the previous kill.
func runCrash(t *testing.T, syncMode bool) {
	seed := testSeed(t)
	iterations := 5
	if slow() {
		iterations = 50
	}
	rng := rand.New(rand.NewPCG(seed, 0xC4A5))
	dir := t.TempDir()
	m := newModel(seed)
	var verified int64 // batch checked after the previous kill (and made durable by the parent's Close)
	var st crashStats
	for i := range iterations {
		run := runChild(t, dir, seed, syncMode, rng)
		st.kills++
		if run.acks == 0 {
			st.earlyKills++
		}
		st.acks += run.acks

		db, err := store.Open(dir, &store.Options{NoSync: true})
		if err != nil {
			t.Fatalf("seed %d, kill %d: reopen after kill: %v", seed, i, err)
		}
		ts, err := OpenTables(db)
		if err != nil {
			t.Fatalf("seed %d, kill %d: tables after kill: %v", seed, i, err)
		}
		n, err := readBatch(ts)
		if err != nil {
			t.Fatalf("seed %d, kill %d: read progress: %v", seed, i, err)
		}
		acked := max(run.lastAck, verified)
		switch {
		case n < verified:
			t.Fatalf("seed %d, kill %d: the database is at batch %d but batch %d was checked and the DB closed cleanly before this child started", seed, i, n, verified)
		case n > acked+1:
			t.Fatalf("seed %d, kill %d: the database is at batch %d but the child acknowledged only up to %d (one more may have committed unacknowledged)", seed, i, n, acked)
		case syncMode && n < run.lastAck:
			t.Fatalf("seed %d, kill %d: Sync=true lost acknowledged batches: the database is at batch %d, the child acknowledged %d", seed, i, n, run.lastAck)
		case !syncMode && n < run.lastSync:
			t.Fatalf("seed %d, kill %d: Sync=false lost batches up to a synced batch: the database is at batch %d, the child acknowledged synced batch %d", seed, i, n, run.lastSync)
		}
		if lost := run.lastAck - n; lost > 0 {
			st.lost += lost
			st.lostKills++
			st.maxLost = max(st.maxLost, lost)
		}
		m.advanceTo(n)
		if bad := checkState(ts, m).all(); len(bad) > 0 {
			t.Fatalf("seed %d, kill %d: after batch %d (acknowledged %d):\n%s", seed, i, n, run.lastAck, strings.Join(bad, "\n"))
		}
		CheckClose(t, db, CloseTimeout)
		if t.Failed() {
			return
		}
		verified = n
		st.maxBatch = n
	}
	t.Logf("sync=%t: %d kills (%d before the first acknowledgement), %d acknowledged batches, final batch %d, %d accounts, %d events; acknowledged batches lost: %d over %d kills, at most %d in one",
		syncMode, st.kills, st.earlyKills, st.acks, st.maxBatch, len(m.accounts), len(m.events), st.lost, st.lostKills, st.maxLost)
}

// runChild starts a crash child on dir, kills it at a random moment and
// returns what it acknowledged. A quarter of the kills come at a random
// moment from the start, often during Open and recovery; the others come a
// random time after the first acknowledged batch.
func runChild(t *testing.T, dir string, seed uint64, syncMode bool, rng *rand.Rand) *childRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	syncEnv := "0"
	if syncMode {
		syncEnv = "1"
	}
	cmd.Env = append(os.Environ(), envChild+"=1", envDir+"="+dir, envSeed+"="+strconv.FormatUint(seed, 10), envSync+"="+syncEnv)
	cmd.Env = append(cmd.Env, crashEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start crash child: %v", err)
	}
	run := &childRun{opened: -1, lastAck: -1, lastSync: -1, firstAck: make(chan struct{})}
	readErr := make(chan error, 1)
	go func() { readErr <- run.read(bufio.NewScanner(out)) }()
	exited := make(chan error, 1)

	if rng.IntN(4) == 0 {
		time.Sleep(time.Duration(rng.IntN(150)) * time.Millisecond)
	} else {
		select {
		case <-run.firstAck:
		case err := <-readErr:
			readErr <- err
		case <-time.After(time.Minute):
		}
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill crash child: %v", err)
	}
	if err := <-readErr; err != nil {
		t.Fatalf("seed %d: reading the crash child's output: %v\nstderr:\n%s", seed, err, stderr.String())
	}
	go func() { exited <- cmd.Wait() }()
	werr := <-exited
	if ws, ok := exitStatus(werr); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("seed %d: the crash child ended on its own (%v) instead of being killed:\n%s", seed, werr, stderr.String())
	}
	run.mu.Lock()
	defer run.mu.Unlock()
	return run
}

// exitStatus returns the wait status of an exited child, when there is one.
func exitStatus(err error) (syscall.WaitStatus, bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ws, ok
}
