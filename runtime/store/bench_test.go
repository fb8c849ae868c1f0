package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// Row counts of the benchmark tables. The default keeps `go test -bench .`
// quick; the figures the issues ask for are at 1M rows:
//
//	go test -run XXX -bench . -benchtime 2000x ./runtime/store -rows 1000000
const (
	defaultBenchRows = 100_000
	smallBenchRows   = 10_000 // the small table of the scan-first-10 comparison
	benchBatchSize   = 1000   // rows per batch when loading
)

// benchOptions are the options of every benchmark database: Open's
// defaults (block cache, memtable) without fsync.
func benchOptions() *Options {
	return &Options{NoSync: true}
}

var benchRows = flag.Int("rows", defaultBenchRows, "rows in the big benchmark tables")

// wide is a 20-column row of about 160 bytes, the shape the issues measure.
type wide struct {
	ID      int64
	Email   string // unique index by_email
	Bucket  int64  // non-unique index by_bucket (bucket, created); 10 rows per bucket
	Created time.Time
	Name    string
	Status  int32
	Score   float64
	Flag    bool
	Count   int64
	Size    uint64
	Dur     time.Duration
	UUID    [16]byte
	Note    string
	Tag1    string
	Tag2    string
	A       int32
	B       int64
	C       uint64
	D       float64
	Payload []byte
}

func makeWide(id int64) wide {
	var u [16]byte
	binary.BigEndian.PutUint64(u[:], uint64(id)*0x9E3779B97F4A7C15)
	return wide{
		ID: id, Email: fmt.Sprintf("user%08d@example.com", id), Bucket: id / 10,
		Created: time.UnixMicro(1_700_000_000_000_000 + id*1000).UTC(),
		Name:    fmt.Sprintf("name-%d", id), Status: int32(id % 5), Score: float64(id) * 0.5,
		Flag: id%2 == 0, Count: id * 3, Size: uint64(id) * 7, Dur: time.Duration(id) * time.Millisecond,
		UUID: u, Note: "a short note", Tag1: "tag-one", Tag2: "tag-two",
		A: int32(id % 1000), B: -id, C: uint64(id) << 3, D: 1.25, Payload: []byte("0123456789abcdef"),
	}
}

func appendWideKey(dst []byte, k int64) []byte { return keyenc.AppendInt64(dst, k) }

func decodeWideKey(b []byte) (int64, error) {
	k, rest, err := keyenc.DecodeInt64(b)
	if err == nil && len(rest) != 0 {
		err = fmt.Errorf("%d trailing bytes: %w", len(rest), keyenc.ErrMalformed)
	}
	return k, err
}

func appendWide(b []byte, v *wide) []byte {
	b = rowenc.AppendInt64(b, 1, v.ID)
	b = rowenc.AppendString(b, 2, v.Email)
	b = rowenc.AppendInt64(b, 3, v.Bucket)
	b = rowenc.AppendTimestamp(b, 4, v.Created)
	b = rowenc.AppendString(b, 5, v.Name)
	b = rowenc.AppendEnum(b, 6, v.Status)
	b = rowenc.AppendFloat64(b, 7, v.Score)
	b = rowenc.AppendBool(b, 8, v.Flag)
	b = rowenc.AppendInt64(b, 9, v.Count)
	b = rowenc.AppendUint64(b, 10, v.Size)
	b = rowenc.AppendDuration(b, 11, v.Dur)
	b = rowenc.AppendUUID(b, 12, v.UUID)
	b = rowenc.AppendString(b, 13, v.Note)
	b = rowenc.AppendString(b, 14, v.Tag1)
	b = rowenc.AppendString(b, 15, v.Tag2)
	b = rowenc.AppendInt32(b, 16, v.A)
	b = rowenc.AppendInt64(b, 17, v.B)
	b = rowenc.AppendUint64(b, 18, v.C)
	b = rowenc.AppendFloat64(b, 19, v.D)
	return rowenc.AppendBytes(b, 20, v.Payload)
}

func decodeWide(b []byte, v *wide, _ *rowenc.Arena) error {
	*v = wide{}
	d := rowenc.NewOwnedDecoder(b) // b is ours: see Spec.DecodeRow
	for d.Next() {
		switch d.Tag() {
		case 1:
			v.ID = d.Int64()
		case 2:
			v.Email = d.String()
		case 3:
			v.Bucket = d.Int64()
		case 4:
			v.Created = d.Timestamp()
		case 5:
			v.Name = d.String()
		case 6:
			v.Status = d.Enum()
		case 7:
			v.Score = d.Float64()
		case 8:
			v.Flag = d.Bool()
		case 9:
			v.Count = d.Int64()
		case 10:
			v.Size = d.Uint64()
		case 11:
			v.Dur = d.Duration()
		case 12:
			v.UUID = d.UUID()
		case 13:
			v.Note = d.String()
		case 14:
			v.Tag1 = d.String()
		case 15:
			v.Tag2 = d.String()
		case 16:
			v.A = d.Int32()
		case 17:
			v.B = d.Int64()
		case 18:
			v.C = d.Uint64()
		case 19:
			v.D = d.Float64()
		case 20:
			v.Payload = d.Bytes()
		}
	}
	return d.Err()
}

func wideSpec(id uint32, indexed bool) Spec[int64, wide] {
	s := Spec[int64, wide]{
		Layout: layout.Table{ID: id, Namespace: "bench", Name: fmt.Sprintf("wide%d", id), Kind: "system",
			Key: []layout.KeyColumn{{Name: "id", Type: "int64"}}},
		AppendKey: appendWideKey,
		DecodeKey: decodeWideKey,
		KeyOf:     func(v *wide) int64 { return v.ID },
		AppendRow: appendWide,
		DecodeRow: decodeWide,
	}
	if indexed {
		s.Layout.Indexes = []layout.Index{
			{ID: 1, Name: "by_email", Columns: []string{"email"}, Unique: true},
			{ID: 2, Name: "by_bucket", Columns: []string{"bucket", "created"}},
		}
		s.Indexes = []IndexSpec[wide]{
			{ID: 1, Name: "by_email", Unique: true, AppendValues: func(dst []byte, v *wide) ([]byte, bool) {
				return keyenc.AppendString(dst, v.Email), true
			}},
			{ID: 2, Name: "by_bucket", AppendValues: func(dst []byte, v *wide) ([]byte, bool) {
				return keyenc.AppendTimestamp(keyenc.AppendInt64(dst, v.Bucket), v.Created), true
			}},
		}
	}
	return s
}

// TestDecodeRowOwnsItsBuffer checks the ownership half of the Spec.DecodeRow
// contract that decodeWide (rowenc.NewOwnedDecoder) relies on: every read
// path hands DecodeRow a buffer nothing else uses. The DecodeRow under test
// wipes its buffer after decoding, as an owner may; if any path handed it
// Pebble's memory, the wipe would damage the stored rows (in the memtable)
// or the rows decoded earlier, and the final comparison would fail.
func TestDecodeRowOwnsItsBuffer(t *testing.T) {
	db, _ := openDB(t, noSync())
	tbl := newWide(t, db, 1, true)
	const n = 50
	for i := range n {
		v := makeWide(int64(i))
		if err := tbl.Put(&v); err != nil {
			t.Fatal(err)
		}
	}
	spec := *tbl.spec
	spec.DecodeRow = func(b []byte, v *wide, a *rowenc.Arena) error {
		err := decodeWide(b, v, a)
		*v = cloneWide(v) // keep the values, then use b as the owner may
		clear(b)
		return err
	}
	wiping := &Table[int64, wide]{core: tbl.core, spec: &spec}
	var got []wide
	for v, err := range wiping.Scan(Range{}, ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	for v, err := range wiping.IndexScan(2, Range{}, ScanOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
	}
	for i := range int64(n) {
		v, err := wiping.Get(i)
		if err != nil {
			t.Fatal(err)
		}
		u, err := wiping.getUniqueBytes(1, keyenc.AppendString(nil, makeWide(i).Email))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v, u)
	}
	if len(got) != 4*n {
		t.Fatalf("read %d rows, want %d", len(got), 4*n)
	}
	for _, v := range got {
		if want := makeWide(v.ID); !reflect.DeepEqual(v, want) {
			t.Fatalf("row %d read as\n%+v\nwant\n%+v", v.ID, v, want)
		}
	}
	// The stored rows are intact: read them again with the real codec.
	for i := range int64(n) {
		if v, err := tbl.Get(i); err != nil || !reflect.DeepEqual(v, makeWide(i)) {
			t.Fatalf("row %d after the wiping reads: %+v, %v", i, v, err)
		}
	}
}

// cloneWide copies the strings and bytes of v out of its row buffer.
func cloneWide(v *wide) wide {
	c := *v
	for _, s := range []*string{&c.Email, &c.Name, &c.Note, &c.Tag1, &c.Tag2} {
		*s = string(bytes.Clone([]byte(*s)))
	}
	c.Payload = bytes.Clone(c.Payload)
	return c
}

// benchFixture is a loaded database shared by the benchmarks of one run.
type benchFixture struct {
	dir     string
	db      *DB
	plain   *Table[int64, wide] // table 1: no indexes, *benchRows rows
	indexed *Table[int64, wide] // table 2: by_email, by_bucket, *benchRows rows
	small   *Table[int64, wide] // table 3: no indexes, smallBenchRows rows
	rows    int
}

var (
	fixtureOnce sync.Once
	fixture     *benchFixture
	fixtureErr  error
)

func getFixture(b *testing.B) *benchFixture {
	b.Helper()
	fixtureOnce.Do(func() { fixture, fixtureErr = loadFixture(*benchRows) })
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixture
}

func loadFixture(rows int) (*benchFixture, error) {
	dir, err := os.MkdirTemp("", "store-bench")
	if err != nil {
		return nil, err
	}
	f := &benchFixture{dir: dir, rows: rows}
	if f.db, err = Open(dir, benchOptions()); err != nil {
		return f, err
	}
	load := func(id uint32, indexed bool, n int) (*Table[int64, wide], error) {
		t, err := NewTable(f.db, wideSpec(id, indexed))
		if err != nil {
			return nil, err
		}
		batch := f.db.NewBatch()
		for i := range n {
			v := makeWide(int64(i))
			t.PutIn(batch, &v)
			if batch.Len() == benchBatchSize || i == n-1 {
				if err := batch.Commit(); err != nil {
					return nil, err
				}
			}
		}
		return t, nil
	}
	if f.plain, err = load(1, false, rows); err != nil {
		return f, err
	}
	if f.indexed, err = load(2, true, rows); err != nil {
		return f, err
	}
	if f.small, err = load(3, false, smallBenchRows); err != nil {
		return f, err
	}
	// Compact so both the big and the small table are read from sstables,
	// as a long-running service would.
	if err := f.db.pdb.Compact(context.Background(), []byte{0x00}, []byte{0xFF}, true); err != nil {
		return f, err
	}
	// Warm the block cache so no benchmark pays for the first read.
	for _, err := range f.plain.Scan(Range{}, ScanOptions{}) {
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

func closeBenchFixtures() {
	if fixture == nil {
		return
	}
	if fixture.db != nil {
		_ = fixture.db.Close()
	}
	_ = os.RemoveAll(fixture.dir)
}

// randomIDs returns n ids in [0, rows), a fixed pseudo-random sequence.
func randomIDs(n, rows int) []int64 {
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = r.Int64N(int64(rows))
	}
	return ids
}

// BenchmarkGet: typed Get vs raw Pebble Get of pre-encoded keys (value
// copied out), random keys of the big table. Goal: typed ≤ 1.2× raw.
func BenchmarkGet(b *testing.B) {
	f := getFixture(b)
	ids := randomIDs(1<<16, f.rows)
	b.Run("typed", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := f.plain.Get(ids[i&(len(ids)-1)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("raw", func(b *testing.B) {
		keys := make([][]byte, len(ids))
		for i, id := range ids {
			keys[i] = appendWideKey(RowPrefix(1), id)
		}
		p := f.db.pdb
		var buf []byte
		i := 0
		for b.Loop() {
			v, closer, err := p.Get(keys[i&(len(keys)-1)])
			if err != nil {
				b.Fatal(err)
			}
			buf = append(buf[:0], v...)
			_ = closer.Close()
			i++
		}
	})
}

// BenchmarkBatchInsert: rows added to a batch and committed every
// benchBatchSize rows, typed (encoding included) vs a raw Pebble batch of
// pre-encoded bytes, into a fresh database; ns/op is per row. Goal ≤ 1.5×.
func BenchmarkBatchInsert(b *testing.B) {
	const n = 1 << 14
	rows := make([]wide, n)
	keys, vals := make([][]byte, n), make([][]byte, n)
	for i := range rows {
		rows[i] = makeWide(int64(i))
		keys[i] = appendWideKey(RowPrefix(1), int64(i))
		vals[i] = appendWide(nil, &rows[i])
	}
	b.Run("typed", func(b *testing.B) {
		db, _ := openDB(b, benchOptions())
		t := newWide(b, db, 1, false)
		batch := db.NewBatch()
		i := 0
		for b.Loop() {
			v := &rows[i&(n-1)]
			v.ID = int64(i)
			t.PutIn(batch, v)
			if batch.Len() == benchBatchSize {
				if err := batch.Commit(); err != nil {
					b.Fatal(err)
				}
			}
			i++
		}
		if err := batch.Commit(); err != nil {
			b.Fatal(err)
		}
	})
	b.Run("raw", func(b *testing.B) {
		db, _ := openDB(b, benchOptions())
		p := db.pdb
		batch := p.NewBatch()
		i := 0
		var key []byte
		for b.Loop() {
			key = binary.BigEndian.AppendUint64(append(key[:0], keys[0][:rowHeaderLen]...), uint64(i)^(1<<63))
			if err := batch.Set(key, vals[i&(n-1)], nil); err != nil {
				b.Fatal(err)
			}
			if batch.Count() == benchBatchSize {
				if err := batch.Commit(pebble.NoSync); err != nil {
					b.Fatal(err)
				}
				_ = batch.Close()
				batch = p.NewBatch()
			}
			i++
		}
		if err := batch.Commit(pebble.NoSync); err != nil {
			b.Fatal(err)
		}
		_ = batch.Close()
	})
}

func newWide(b testing.TB, db *DB, id uint32, indexed bool) *Table[int64, wide] {
	b.Helper()
	t, err := NewTable(db, wideSpec(id, indexed))
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// BenchmarkInsertIndexes: batched insert into a table with two indexes (one
// unique, one composite) vs with none; ns/op is per row. Goal ≤ 2.5×.
func BenchmarkInsertIndexes(b *testing.B) {
	for _, indexed := range []bool{false, true} {
		b.Run(map[bool]string{false: "none", true: "two"}[indexed], func(b *testing.B) {
			db, _ := openDB(b, benchOptions())
			t := newWide(b, db, 1, indexed)
			batch := db.NewBatch()
			v := makeWide(0)
			i := 0
			for b.Loop() {
				v.ID, v.Bucket = int64(i), int64(i/10)
				v.Email = "user" + fmt.Sprint(i) + "@example.com"
				t.PutIn(batch, &v)
				if batch.Len() == benchBatchSize {
					if err := batch.Commit(); err != nil {
						b.Fatal(err)
					}
				}
				i++
			}
			if err := batch.Commit(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkFullScan: one full typed scan of the big table vs raw iteration
// copying keys and values. Goal: typed ≥ 0.5× the raw throughput.
func BenchmarkFullScan(b *testing.B) {
	f := getFixture(b)
	b.Run("typed", func(b *testing.B) {
		for b.Loop() {
			n := 0
			for _, err := range f.plain.Scan(Range{}, ScanOptions{}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != f.rows {
				b.Fatalf("scanned %d rows, want %d", n, f.rows)
			}
		}
		b.ReportMetric(float64(f.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	// The same scan with a DecodeRow that only looks at the bytes: what the
	// store itself adds to raw iteration, without the row codec.
	b.Run("typed-nodecode", func(b *testing.B) {
		spec := wideSpec(1, false)
		spec.DecodeRow = func(b []byte, v *wide, _ *rowenc.Arena) error { v.ID = int64(len(b)); return nil }
		t := newWide(b, f.db, 1, false)
		t.spec = &spec
		for b.Loop() {
			n := 0
			for _, err := range t.Scan(Range{}, ScanOptions{}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != f.rows {
				b.Fatalf("scanned %d rows, want %d", n, f.rows)
			}
		}
		b.ReportMetric(float64(f.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("raw", func(b *testing.B) {
		p := f.db.pdb
		var k, v []byte
		for b.Loop() {
			it, err := p.NewIter(&pebble.IterOptions{LowerBound: RowPrefix(1), UpperBound: RowPrefix(2)})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for ok := it.First(); ok; ok = it.Next() {
				k = append(k[:0], it.Key()...)
				val, err := it.ValueAndErr()
				if err != nil {
					b.Fatal(err)
				}
				v = append(v[:0], val...)
				n++
			}
			if err := it.Close(); err != nil {
				b.Fatal(err)
			}
			if n != f.rows {
				b.Fatalf("scanned %d rows, want %d", n, f.rows)
			}
		}
		b.ReportMetric(float64(f.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// BenchmarkScanFirst10: open a scan and stop after 10 rows, on the big table
// vs the small one. Goal: big ≤ 2× small (cost must not grow with the table).
func BenchmarkScanFirst10(b *testing.B) {
	f := getFixture(b)
	for _, tc := range []struct {
		name string
		t    *Table[int64, wide]
		rows int
	}{{"big", f.plain, f.rows}, {"small", f.small, smallBenchRows}} {
		b.Run(tc.name, func(b *testing.B) {
			starts := randomIDs(1<<12, tc.rows-10)
			i := 0
			for b.Loop() {
				r := Range{Start: appendWideKey(nil, starts[i&(len(starts)-1)])}
				n := 0
				for _, err := range tc.t.Scan(r, ScanOptions{}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
					if n == 10 {
						break
					}
				}
				i++
			}
		})
	}
}

// BenchmarkLookup: unique lookup and indexed equality scan (the 10 rows of a
// bucket) vs a full scan that filters on the column. Goal ≥ 1000×.
func BenchmarkLookup(b *testing.B) {
	f := getFixture(b)
	ids := randomIDs(1<<12, f.rows)
	b.Run("unique", func(b *testing.B) {
		i := 0
		for b.Loop() {
			id := ids[i&(len(ids)-1)]
			v, err := f.indexed.getUniqueBytes(1, keyenc.AppendString(nil, fmt.Sprintf("user%08d@example.com", id)))
			if err != nil || v.ID != id {
				b.Fatalf("GetUnique = %v, %v", v.ID, err)
			}
			i++
		}
	})
	b.Run("equality-scan", func(b *testing.B) {
		i := 0
		for b.Loop() {
			bucket := ids[i&(len(ids)-1)] / 10
			n := 0
			for _, err := range f.indexed.IndexScan(2, f.indexed.PrefixRange(keyenc.AppendInt64(nil, bucket)), ScanOptions{}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n == 0 {
				b.Fatal("empty bucket")
			}
			i++
		}
	})
	b.Run("full-scan-filter", func(b *testing.B) {
		i := 0
		for b.Loop() {
			want := fmt.Sprintf("user%08d@example.com", ids[i&(len(ids)-1)])
			found := 0
			for v, err := range f.indexed.Scan(Range{}, ScanOptions{}) {
				if err != nil {
					b.Fatal(err)
				}
				if v.Email == want {
					found++
				}
			}
			if found != 1 {
				b.Fatalf("found %d rows", found)
			}
			i++
		}
	})
}
