package reliability

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/store"
)

// The crash workload is deterministic: batch b of a run with seed s is
// generated from rand.NewPCG(s, b) and the state left by batches 1..b-1, so
// the child that writes the batches and the parent that checks the
// survivors compute the same model without talking to each other beyond the
// acknowledged batch numbers.

// model is the expected content of the fixture tables after some prefix of
// the batches.
type model struct {
	seed     uint64
	batch    int64 // last batch applied
	accounts map[AccountKey]Account
	akeys    []AccountKey // the keys of accounts, in a deterministic order for picking
	events   map[EventKey]Event
	ekeys    []EventKey
	nextID   int64
	ops      int64 // operations in the last batch
}

func newModel(seed uint64) *model {
	return &model{seed: seed, accounts: map[AccountKey]Account{}, events: map[EventKey]Event{}, nextID: 1}
}

// wop is one write of a batch: exactly one of the fields is set.
type wop struct {
	putAccount *Account
	delAccount *AccountKey
	putEvent   *Event
	delEvent   *EventKey
}

var orgs = []string{"acme", "globex", "initech"}

// next generates batch m.batch+1, applies it to the model and returns its
// writes in order. The progress row is not among them: it is written last
// in every batch (see addTo).
func (m *model) next() []wop {
	b := m.batch + 1
	rng := rand.New(rand.NewPCG(m.seed, uint64(b)))
	var ops []wop
	n := 1 + rng.IntN(8)
	var nEvents int32
	for range n {
		switch p := rng.IntN(100); {
		case p < 35 || len(m.akeys) == 0: // insert an account
			a := Account{Org: orgs[rng.IntN(len(orgs))], ID: m.nextID, Status: int32(rng.IntN(3)), Batch: b}
			m.nextID++
			m.fill(rng, &a)
			m.putAccount(a)
			ops = append(ops, wop{putAccount: &a})
		case p < 60: // update an account: its index entries move
			a := m.accounts[m.akeys[rng.IntN(len(m.akeys))]]
			a.Batch = b
			a.Status = int32(rng.IntN(3))
			m.fill(rng, &a)
			m.putAccount(a)
			ops = append(ops, wop{putAccount: &a})
		case p < 75: // delete an account
			i := rng.IntN(len(m.akeys))
			k := m.akeys[i]
			m.akeys[i] = m.akeys[len(m.akeys)-1]
			m.akeys = m.akeys[:len(m.akeys)-1]
			delete(m.accounts, k)
			ops = append(ops, wop{delAccount: &k})
		case p < 95 || len(m.ekeys) == 0: // append an event
			e := Event{Batch: b, N: nEvents, Kind: int32(rng.IntN(3)), At: b*100 + int64(rng.IntN(100))}
			nEvents++
			if rng.IntN(3) > 0 && len(m.akeys) > 0 {
				s := m.akeys[rng.IntN(len(m.akeys))].String()
				e.Account = &s
			}
			m.events[e.Key()] = e
			m.ekeys = append(m.ekeys, e.Key())
			ops = append(ops, wop{putEvent: &e})
		default: // delete an old event
			i := rng.IntN(len(m.ekeys))
			k := m.ekeys[i]
			m.ekeys[i] = m.ekeys[len(m.ekeys)-1]
			m.ekeys = m.ekeys[:len(m.ekeys)-1]
			delete(m.events, k)
			ops = append(ops, wop{delEvent: &k})
		}
	}
	m.batch = b
	m.ops = int64(len(ops))
	return ops
}

// fill sets the columns that every write of an account changes. Names and
// emails contain the row's id, so unique indexes never refuse a write.
func (m *model) fill(rng *rand.Rand, a *Account) {
	a.Name = fmt.Sprintf("n%d-%d", a.ID, a.Batch)
	a.Email = nil
	if rng.IntN(10) < 7 {
		e := fmt.Sprintf("u%d.%d@example.com", a.ID, a.Batch)
		a.Email = &e
	}
	a.Payload = make([]byte, rng.IntN(48))
	for i := range a.Payload {
		a.Payload[i] = byte(rng.Uint32())
	}
}

func (m *model) putAccount(a Account) {
	if _, ok := m.accounts[a.Key()]; !ok {
		m.akeys = append(m.akeys, a.Key())
	}
	m.accounts[a.Key()] = a
}

// advanceTo applies batches until the model is at batch n.
func (m *model) advanceTo(n int64) {
	for m.batch < n {
		m.next()
	}
}

// addTo adds the writes of one batch, and the progress row that closes it,
// to a store batch.
func addTo(b *store.Batch, ts *Tables, ops []wop, batch int64) {
	for _, o := range ops {
		switch {
		case o.putAccount != nil:
			ts.Accounts.PutIn(b, o.putAccount)
		case o.delAccount != nil:
			ts.Accounts.DeleteIn(b, *o.delAccount)
		case o.putEvent != nil:
			ts.Events.PutIn(b, o.putEvent)
		case o.delEvent != nil:
			ts.Events.DeleteIn(b, *o.delEvent)
		}
	}
	ts.Progress.PutIn(b, &Progress{Name: "progress", Batch: batch, Ops: int64(len(ops))})
}

// readBatch returns the number of the last batch recorded in the database
// (0 when none).
func readBatch(ts *Tables) (int64, error) {
	p, err := ts.Progress.Get("progress")
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	return p.Batch, err
}

// stateReport is what checkState found: errors are failures to read and
// problems Verify reports (the store noticed), mismatches are rows that
// differ from the model without any error (silently wrong data).
type stateReport struct {
	errors, mismatches []string
}

func (r stateReport) all() []string { return append(slices.Clone(r.errors), r.mismatches...) }

// checkState compares the database with the model (which must be at the
// batch the database records) and verifies every index.
func checkState(ts *Tables, m *model) stateReport {
	var r stateReport
	errorf := func(format string, args ...any) {
		if len(r.errors) < 20 {
			r.errors = append(r.errors, fmt.Sprintf(format, args...))
		}
	}
	addf := func(format string, args ...any) {
		if len(r.mismatches) < 20 {
			r.mismatches = append(r.mismatches, fmt.Sprintf(format, args...))
		}
	}
	seen := map[AccountKey]bool{}
	for a, err := range ts.Accounts.Scan(store.Range{}, store.ScanOptions{}) {
		if err != nil {
			errorf("scan accounts: %v", err)
			continue
		}
		if a.Batch > m.batch {
			addf("account %v was written by batch %d, after the last complete batch %d: a partial batch is visible", a.Key(), a.Batch, m.batch)
		}
		want, ok := m.accounts[a.Key()]
		switch {
		case !ok:
			addf("account %v (batch %d) exists but the model after batch %d has no such row", a.Key(), a.Batch, m.batch)
		case !want.Equal(&a):
			addf("account %v = %+v, want %+v", a.Key(), a, want)
		}
		seen[a.Key()] = true
	}
	for _, k := range slices.SortedFunc(maps.Keys(m.accounts), cmpAccountKey) {
		if !seen[k] {
			addf("account %v (batch %d) is missing after batch %d", k, m.accounts[k].Batch, m.batch)
		}
	}
	seenE := map[EventKey]bool{}
	for e, err := range ts.Events.Scan(store.Range{}, store.ScanOptions{}) {
		if err != nil {
			errorf("scan events: %v", err)
			continue
		}
		if e.Batch > m.batch {
			addf("event %v was written by batch %d, after the last complete batch %d: a partial batch is visible", e.Key(), e.Batch, m.batch)
		}
		want, ok := m.events[e.Key()]
		switch {
		case !ok:
			addf("event %v exists but the model after batch %d has no such row", e.Key(), m.batch)
		case !want.Equal(&e):
			addf("event %v = %+v, want %+v", e.Key(), e, want)
		}
		seenE[e.Key()] = true
	}
	if len(seenE) != len(m.events) {
		addf("%d events in the database, %d in the model after batch %d", len(seenE), len(m.events), m.batch)
	}
	if m.batch > 0 {
		p, err := ts.Progress.Get("progress")
		if err != nil {
			errorf("progress: %v", err)
		} else if p.Ops != m.ops {
			addf("progress row = %+v, %v; want batch %d with %d ops", p, err, m.batch, m.ops)
		}
	}
	// The unique and sparse indexes answer point lookups for every row.
	for _, a := range m.accounts {
		if a.Email == nil {
			continue
		}
		got, err := ts.Accounts.GetUnique(AccountsByEmail, &Account{Email: a.Email})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			errorf("GetUnique(by_email %q): %v", *a.Email, err)
		} else if err != nil || got.Key() != a.Key() {
			addf("GetUnique(by_email %q) = %v, %v; want row %v", *a.Email, got.Key(), err, a.Key())
		}
	}
	problems, err := ts.Verify()
	if err != nil {
		errorf("verify: %v", err)
	}
	for _, p := range problems {
		errorf("verify: %s", p)
	}
	return r
}

func cmpAccountKey(a, b AccountKey) int {
	if a.Org != b.Org {
		if a.Org < b.Org {
			return -1
		}
		return 1
	}
	return int(a.ID - b.ID)
}

// testSeed returns the seed of a randomized test: TABLEGEN_SEED when set,
// else the clock. It is logged, so a failure can be replayed.
func testSeed(t testing.TB) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("TABLEGEN_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("TABLEGEN_SEED=%q is not an unsigned integer", s)
		}
		seed = v
	}
	t.Logf("seed %d (replay with TABLEGEN_SEED=%d)", seed, seed)
	return seed
}

// slow reports whether the long suites were asked for (make test-slow).
func slow() bool { return os.Getenv("TABLEGEN_SLOW") != "" }
