package rowid

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// memMark is a Mark in memory that can be told to fail.
type memMark struct {
	mu    sync.Mutex
	v     int64
	saves int
	fail  bool
}

func (m *memMark) Load() (int64, error) { m.mu.Lock(); defer m.mu.Unlock(); return m.v, nil }
func (m *memMark) Save(ms int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errors.New("disk full")
	}
	m.v = ms
	m.saves++
	return nil
}

// clock is a controllable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestFieldsRoundTrip(t *testing.T) {
	c := &clock{t: Epoch.Add(123456 * time.Millisecond)}
	g, err := New(Options{Node: 7, Mark: &memMark{}, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	id, err := g.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := id.Time(), c.t; !got.Equal(want) {
		t.Errorf("Time() = %v, want %v", got, want)
	}
	if id.Node() != 7 || id.Sequence() != 0 {
		t.Errorf("Node, Sequence = %d, %d; want 7, 0", id.Node(), id.Sequence())
	}
}

// TestMonotonicUnderClockSteps draws ids while a random clock moves forward,
// stands still and jumps back, across simulated restarts, and checks that
// every id is greater than every earlier one.
func TestMonotonicUnderClockSteps(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		mark := &memMark{}
		c := &clock{t: Epoch.Add(time.Hour)}
		lease := time.Duration(rapid.IntRange(1, 50).Draw(t, "leaseMS")) * time.Millisecond
		open := func() *Generator {
			g, err := New(Options{Node: 3, Mark: mark, Lease: lease, Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		g := open()
		var last ID
		steps := rapid.IntRange(1, 300).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			switch rapid.IntRange(0, 9).Draw(t, "op") {
			case 0:
				c.set(c.now().Add(-time.Duration(rapid.IntRange(0, 100).Draw(t, "back")) * time.Millisecond))
			case 1, 2:
				c.set(c.now().Add(time.Duration(rapid.IntRange(0, 5).Draw(t, "fwd")) * time.Millisecond))
			case 3:
				g = open() // restart: only the mark survives
			default:
				n := rapid.IntRange(1, 5000).Draw(t, "burst")
				for j := 0; j < n; j++ {
					id, err := g.Next()
					if err != nil {
						t.Fatal(err)
					}
					if id <= last {
						t.Fatalf("id %d not greater than previous %d", id, last)
					}
					last = id
				}
			}
		}
	})
}

func TestConcurrentUnique(t *testing.T) {
	g, err := New(Options{Mark: &memMark{}})
	if err != nil {
		t.Fatal(err)
	}
	const workers, per = 8, 20000
	ids := make([][]ID, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				id, err := g.Next()
				if err != nil {
					t.Error(err)
					return
				}
				ids[w] = append(ids[w], id)
			}
		}()
	}
	wg.Wait()
	seen := make(map[ID]bool, workers*per)
	for w := range ids {
		for i, id := range ids[w] {
			if seen[id] {
				t.Fatalf("duplicate id %d", id)
			}
			seen[id] = true
			if i > 0 && id <= ids[w][i-1] {
				t.Fatalf("worker %d: ids not increasing", w)
			}
		}
	}
}

func TestSaveFailureIssuesNothing(t *testing.T) {
	mark := &memMark{}
	c := &clock{t: Epoch.Add(time.Minute)}
	g, err := New(Options{Mark: mark, Lease: time.Millisecond, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	first, err := g.Next()
	if err != nil {
		t.Fatal(err)
	}
	mark.fail = true
	c.set(c.now().Add(5 * time.Millisecond))
	if _, err := g.Next(); err == nil {
		t.Fatal("Next succeeded although the mark could not be saved")
	}
	mark.fail = false
	second, err := g.Next()
	if err != nil {
		t.Fatal(err)
	}
	if second <= first {
		t.Fatalf("after a failed save: %d <= %d", second, first)
	}
}

func TestRestartAfterClockWentBack(t *testing.T) {
	mark := &memMark{}
	c := &clock{t: Epoch.Add(24 * time.Hour)}
	g, _ := New(Options{Mark: mark, Now: c.now})
	before, err := g.Next()
	if err != nil {
		t.Fatal(err)
	}
	c.set(c.now().Add(-time.Hour)) // NTP stepped the clock back, then the process restarted
	g2, err := New(Options{Mark: mark, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	after, err := g2.Next()
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("id after restart %d <= id before %d", after, before)
	}
}

func TestFileMark(t *testing.T) {
	m := FileMark(filepath.Join(t.TempDir(), "rowid.mark"))
	if v, err := m.Load(); err != nil || v != 0 {
		t.Fatalf("Load of a missing mark = %d, %v; want 0, nil", v, err)
	}
	if err := m.Save(42); err != nil {
		t.Fatal(err)
	}
	if v, err := m.Load(); err != nil || v != 42 {
		t.Fatalf("Load = %d, %v; want 42, nil", v, err)
	}
	g, err := New(Options{Mark: m})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Next(); err != nil {
		t.Fatal(err)
	}
	if v, _ := m.Load(); v <= 42 {
		t.Fatalf("mark not advanced: %d", v)
	}
}

func TestOptionsErrors(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without Mark succeeded")
	}
	if _, err := New(Options{Mark: &memMark{}, Node: MaxNode + 1}); err == nil {
		t.Error("New with node out of range succeeded")
	}
}

func BenchmarkNext(b *testing.B) {
	g, _ := New(Options{Mark: &memMark{}})
	for b.Loop() {
		if _, err := g.Next(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFirst: First(t) splits ids at t: an id is below First(t) exactly when
// its Time is before t, at millisecond and sub-millisecond t alike.
func TestFirst(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ms := rapid.Int64Range(0, maxMS).Draw(t, "ms")
		id := ID(uint64(ms)<<(nodeBits+seqBits) | uint64(rapid.IntRange(0, MaxNode).Draw(t, "node"))<<seqBits | uint64(rapid.IntRange(0, maxSeq).Draw(t, "seq")))
		at := Epoch.Add(time.Duration(rapid.Int64Range(-5, maxMS-1).Draw(t, "at")) * time.Millisecond).Add(time.Duration(rapid.Int64Range(0, 999_999).Draw(t, "ns")))
		if got, want := id < First(at), id.Time().Before(at); got != want {
			t.Fatalf("id %d (time %s) < First(%s) = %d is %v, want %v", id, id.Time(), at, First(at), got, want)
		}
	})
}
