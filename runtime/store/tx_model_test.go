package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"pgregory.net/rapid"
)

// The transaction model test runs random transactions from several
// goroutines at once and checks that the outcome is serializable: every
// transaction first reads and then increments a sequence row, so the value
// it read is its place in the serial order (a View's is the number of
// commits its snapshot holds). Replaying the committed transactions one by
// one in that order on a naive in-memory model must reproduce every result
// every transaction saw (reads, and which writes were refused), the
// aborted ones included, and the final contents of the tables.

type txOpKind int

const (
	txGet txOpKind = iota
	txGetUnique
	txScan
	txIndexScan
	txCount
	txPlainGet
	// writes from here on
	txPut
	txDelete
	txCreate
	txScanPut // scan a group and put a row computed from what it saw
	txPlainPut
	txPlainDelete
	txNumKinds
)

type txOp struct {
	kind    txOpKind
	key     jobKey
	row     job
	name    string
	status  int32
	group   string
	reverse bool
}

type txProg struct {
	id    int
	view  bool
	abort int // 0 commits, 1 returns an error, 2 panics
	ops   []txOp
}

// seqKey is the plain table's row every transaction reads and increments.
var seqKey = jobKey{"~seq", 0}

func genTxOp(t *rapid.T, view bool) txOp {
	maxKind := txNumKinds - 1
	if view {
		maxKind = txPlainGet
	}
	k := jobKey{Group: rapid.SampledFrom([]string{"a", "b"}).Draw(t, "group"), Seq: rapid.Int64Range(0, 3).Draw(t, "seq")}
	o := txOp{kind: txOpKind(rapid.IntRange(0, int(maxKind)).Draw(t, "kind")), key: k}
	o.row = job{
		Group: k.Group, Seq: k.Seq,
		Name:    rapid.SampledFrom([]string{"n0", "n1", "n2", "n3"}).Draw(t, "name"),
		Status:  rapid.Int32Range(0, 2).Draw(t, "status"),
		Created: rapid.Int64Range(0, 3).Draw(t, "created"),
	}
	if e := rapid.IntRange(0, 2).Draw(t, "email"); e > 0 {
		o.row.Email = strp(fmt.Sprint("e", e))
	}
	o.name = o.row.Name
	o.status = o.row.Status
	o.group = k.Group
	o.reverse = rapid.Bool().Draw(t, "reverse")
	return o
}

func fmtJob(v job) string {
	e := "-"
	if v.Email != nil {
		e = *v.Email
	}
	return fmt.Sprintf("%s/%d:%s:s%d:c%d:%s:%s", v.Group, v.Seq, v.Name, v.Status, v.Created, e, v.Note)
}

func fmtJobs(rows []job) string {
	s := make([]string, len(rows))
	for i, r := range rows {
		s[i] = fmtJob(r)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// outcome names an error the way the model names its outcomes.
func outcome(err error) string {
	var uv *UniqueViolationError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNotFound):
		return "notfound"
	case errors.Is(err, ErrExists):
		return "exists"
	case errors.As(err, &uv):
		return "unique"
	}
	return "error: " + err.Error()
}

func drainJobs(seq func(func(job, error) bool)) (string, error) {
	var rows []job
	for v, err := range seq {
		if err != nil {
			return "", err
		}
		rows = append(rows, v)
	}
	return fmtJobs(rows), nil
}

// scanPutRow is the row a txScanPut writes after seeing rows of a group:
// its key and values depend on what the scan returned.
func scanPutRow(p, i int, seen []job) job {
	sum := int64(0)
	for _, r := range seen {
		sum += r.Created
	}
	return job{Group: "s", Seq: int64(len(seen)), Name: fmt.Sprintf("sp%d.%d", p, i), Status: int32(sum % 3), Created: sum}
}

// runTx runs one operation against the store inside tx and returns what it
// saw.
func runTxOp(jt, pt *Table[jobKey, job], p, i int, o txOp) string {
	switch o.kind {
	case txGet:
		v, err := jt.Get(o.key)
		if err != nil {
			return outcome(err)
		}
		return fmtJob(v)
	case txGetUnique:
		v, err := jt.getUniqueBytes(byName, keyenc.AppendString(nil, o.name))
		if err != nil {
			return outcome(err)
		}
		return fmtJob(v)
	case txScan:
		s, err := drainJobs(jt.Scan(jt.PrefixRange(keyenc.AppendString(nil, o.group)), ScanOptions{Reverse: o.reverse}))
		if err != nil {
			return outcome(err)
		}
		return s
	case txIndexScan:
		s, err := drainJobs(jt.IndexScan(byStatus, jt.PrefixRange(keyenc.AppendEnum(nil, o.status)), ScanOptions{Reverse: o.reverse}))
		if err != nil {
			return outcome(err)
		}
		return s
	case txCount:
		n, err := jt.Count(Range{})
		if err != nil {
			return outcome(err)
		}
		return fmt.Sprint(n)
	case txPlainGet:
		v, err := pt.Get(o.key)
		if err != nil {
			return outcome(err)
		}
		return fmtJob(v)
	case txPut:
		return outcome(jt.Put(&o.row))
	case txDelete:
		return outcome(jt.Delete(o.key))
	case txCreate:
		return outcome(jt.Create(&o.row))
	case txScanPut:
		var seen []job
		for v, err := range jt.Scan(jt.PrefixRange(keyenc.AppendString(nil, o.group)), ScanOptions{}) {
			if err != nil {
				return outcome(err)
			}
			seen = append(seen, v)
		}
		r := scanPutRow(p, i, seen)
		return outcome(jt.Put(&r))
	case txPlainPut:
		return outcome(pt.Put(&o.row))
	case txPlainDelete:
		return outcome(pt.Delete(o.key))
	}
	return "bad op"
}

// txModel is the naive reference: the rows of the indexed table and of the
// plain table, and the sequence row's value.
type txModel struct {
	jobs, plain map[jobKey]job
	seq         int64
}

func (m *txModel) clone() *txModel {
	return &txModel{jobs: maps.Clone(m.jobs), plain: maps.Clone(m.plain), seq: m.seq}
}

func (m *txModel) sortedJobs(keep func(job) bool, less func(a, b job) int, reverse bool) []job {
	var rows []job
	for _, v := range m.jobs {
		if keep(v) {
			rows = append(rows, v)
		}
	}
	slices.SortFunc(rows, less)
	if reverse {
		slices.Reverse(rows)
	}
	return rows
}

func byKey(a, b job) int { return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Seq, b.Seq)) }

// put is Put on the model: refused when another row has v's name or email.
func (m *txModel) put(v job) string {
	k := jobKey{v.Group, v.Seq}
	for ok, o := range m.jobs {
		if ok != k && (o.Name == v.Name || (v.Email != nil && o.Email != nil && *o.Email == *v.Email)) {
			return "unique"
		}
	}
	m.jobs[k] = v
	return "ok"
}

func (m *txModel) run(p, i int, o txOp) string {
	switch o.kind {
	case txGet:
		if v, ok := m.jobs[o.key]; ok {
			return fmtJob(v)
		}
		return "notfound"
	case txGetUnique:
		for _, v := range m.jobs {
			if v.Name == o.name {
				return fmtJob(v)
			}
		}
		return "notfound"
	case txScan:
		return fmtJobs(m.sortedJobs(func(v job) bool { return v.Group == o.group }, byKey, o.reverse))
	case txIndexScan:
		return fmtJobs(m.sortedJobs(func(v job) bool { return v.Status == o.status }, func(a, b job) int {
			return cmp.Or(cmp.Compare(a.Created, b.Created), byKey(a, b))
		}, o.reverse))
	case txCount:
		return fmt.Sprint(len(m.jobs))
	case txPlainGet:
		if v, ok := m.plain[o.key]; ok {
			return fmtJob(v)
		}
		return "notfound"
	case txPut:
		return m.put(o.row)
	case txDelete:
		delete(m.jobs, o.key)
		return "ok"
	case txCreate:
		if _, ok := m.jobs[jobKey{o.row.Group, o.row.Seq}]; ok {
			return "exists"
		}
		return m.put(o.row)
	case txScanPut:
		return m.put(scanPutRow(p, i, m.sortedJobs(func(v job) bool { return v.Group == o.group }, byKey, false)))
	case txPlainPut:
		m.plain[o.key] = o.row
		return "ok"
	case txPlainDelete:
		delete(m.plain, o.key)
		return "ok"
	}
	return "bad op"
}

// txRun is what one transaction saw and how it ended.
type txRun struct {
	prog      *txProg
	seq       int64 // the sequence value it read: its place in the order
	results   []string
	committed bool
	err       error // an unexpected failure
}

var errTxAbort = errors.New("abort")

func runProg(db *DB, jobs, plain *Table[jobKey, job], p *txProg) (run txRun) {
	run.prog = p
	body := func(tx *Tx) error {
		jt, pt := jobs.In(tx), plain.In(tx)
		run.results = run.results[:0]
		s, err := pt.Get(seqKey)
		switch {
		case errors.Is(err, ErrNotFound):
			run.seq = 0
		case err != nil:
			return err
		default:
			run.seq = s.Created
		}
		for i, o := range p.ops {
			run.results = append(run.results, runTxOp(jt, pt, p.id, i, o))
		}
		if p.view {
			return nil
		}
		if err := pt.Put(&job{Group: seqKey.Group, Created: run.seq + 1}); err != nil {
			return err
		}
		switch p.abort {
		case 1:
			return errTxAbort
		case 2:
			panic(errTxAbort)
		}
		return nil
	}
	if p.view {
		run.err = db.View(context.Background(), body)
		return run
	}
	defer func() {
		if r := recover(); r != nil && r != errTxAbort {
			run.err = fmt.Errorf("unexpected panic: %v", r)
		}
	}()
	err := db.Update(context.Background(), body)
	switch {
	case err == nil:
		run.committed = true
	case err != errTxAbort:
		run.err = err
	}
	return run
}

func TestTxModel(t *testing.T) {
	db, _ := openDB(t, noSync())
	jspec, pspec := jobSpec(1, true), jobSpec(2, false)
	jspec.Layout.Kind, pspec.Layout.Kind = "user", "user"
	jobsAll, err := NewTable(db, jspec)
	if err != nil {
		t.Fatal(err)
	}
	plainAll, err := NewTable(db, pspec)
	if err != nil {
		t.Fatal(err)
	}
	check := 0
	rapid.Check(t, func(rt *rapid.T) {
		check++
		owner := fmt.Sprint("c", check) // a fresh owner: an empty pair of tables per check
		jobs, plain := scoped(rt, jobsAll, owner), scoped(rt, plainAll, owner)
		var progs [][]*txProg
		id := 0
		for range rapid.IntRange(1, 3).Draw(rt, "goroutines") {
			var list []*txProg
			for range rapid.IntRange(1, 4).Draw(rt, "transactions") {
				p := &txProg{id: id, view: rapid.IntRange(0, 4).Draw(rt, "view") == 0}
				id++
				if !p.view {
					p.abort = rapid.SampledFrom([]int{0, 0, 0, 1, 2}).Draw(rt, "abort")
				}
				for range rapid.IntRange(1, 6).Draw(rt, "ops") {
					p.ops = append(p.ops, genTxOp(rt, p.view))
				}
				list = append(list, p)
			}
			progs = append(progs, list)
		}
		var mu sync.Mutex
		var runs []txRun
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, list := range progs {
			wg.Go(func() {
				<-start
				for _, p := range list {
					r := runProg(db, jobs, plain, p)
					mu.Lock()
					runs = append(runs, r)
					mu.Unlock()
				}
			})
		}
		close(start)
		wg.Wait()

		// Order: the committed transactions by the sequence value they
		// read, which must be 0, 1, 2, ... without gaps or repeats.
		var committed []txRun
		others := map[int64][]txRun{} // views and aborted transactions by their place
		for _, r := range runs {
			if r.err != nil {
				rt.Fatalf("transaction %d: %v", r.prog.id, r.err)
			}
			if r.committed {
				committed = append(committed, r)
			} else {
				others[r.seq] = append(others[r.seq], r)
			}
		}
		slices.SortFunc(committed, func(a, b txRun) int { return cmp.Compare(a.seq, b.seq) })
		for i, r := range committed {
			if r.seq != int64(i) {
				rt.Fatalf("committed transaction %d read sequence %d at place %d: two transactions read the same state, or one was lost", r.prog.id, r.seq, i)
			}
		}
		m := &txModel{jobs: map[jobKey]job{}, plain: map[jobKey]job{}}
		replay := func(m *txModel, r txRun, what string) {
			for i, o := range r.prog.ops {
				if want := m.run(r.prog.id, i, o); r.results[i] != want {
					rt.Fatalf("%s transaction %d (place %d), op %d (kind %d, %+v): saw %s, the serial replay gives %s", what, r.prog.id, r.seq, i, o.kind, o, r.results[i], want)
				}
			}
		}
		for place := int64(0); place <= int64(len(committed)); place++ {
			for _, r := range others[place] {
				replay(m.clone(), r, "uncommitted")
			}
			delete(others, place)
			if place < int64(len(committed)) {
				replay(m, committed[place], "committed")
				m.seq++
			}
		}
		for seq, rs := range others {
			rt.Fatalf("transaction %d read sequence %d, beyond the %d commits", rs[0].prog.id, seq, len(committed))
		}
		// The tables hold exactly the model's rows.
		got, err := drainJobs(jobs.Scan(Range{}, ScanOptions{}))
		if err != nil {
			rt.Fatal(err)
		}
		if want := fmtJobs(m.sortedJobs(func(job) bool { return true }, byKey, false)); got != want {
			rt.Fatalf("indexed table holds %s, the model %s", got, want)
		}
		var prows []job
		for _, v := range m.plain {
			prows = append(prows, v)
		}
		if len(committed) > 0 {
			prows = append(prows, job{Group: seqKey.Group, Created: int64(len(committed))})
		}
		slices.SortFunc(prows, byKey)
		got, err = drainJobs(plain.Scan(Range{}, ScanOptions{}))
		if err != nil {
			rt.Fatal(err)
		}
		if want := fmtJobs(prows); got != want {
			rt.Fatalf("plain table holds %s, the model %s", got, want)
		}
	})
	assertConsistent(t, jobsAll)
}
