package rowenc

import (
	"testing"
	"time"
)

// testRow is a 20-column row shaped like what the generator emits, used by
// the allocation test and the benchmarks.
type testRow struct {
	ID, Owner, Name   string
	Status, Kind, Pri int32
	Count, Size       int64
	Version, Seq      uint64
	Score, Ratio      float64
	Active, Deleted   bool
	Created, Updated  time.Time
	TTL               time.Duration
	UUID              [16]byte
	Payload, Doc      []byte
}

func sampleRow() testRow {
	return testRow{
		ID: "job-000000012345", Owner: "alice@example.com", Name: "nightly compaction",
		Status: 3, Kind: 1, Pri: 7,
		Count: 123456789, Size: -42,
		Version: 1 << 40, Seq: 99,
		Score: 0.75, Ratio: 3.5,
		Active: true, Deleted: false,
		Created: time.Date(2024, 5, 1, 10, 30, 0, 123456000, time.UTC),
		Updated: time.Date(2024, 5, 2, 11, 0, 0, 0, time.UTC),
		TTL:     36 * time.Hour,
		UUID:    [16]byte{0x01, 0x90, 0xc5, 0xa6, 15: 0xab},
		Payload: []byte("0123456789abcdef0123456789abcdef"),
		Doc:     []byte(`{"retries":3,"queue":"default"}`),
	}
}

// appendTestRow writes every column, as generated code does for non-zero
// values.
func appendTestRow(b []byte, r *testRow) []byte {
	b = AppendString(b, 1, r.ID)
	b = AppendString(b, 2, r.Owner)
	b = AppendEnum(b, 3, r.Status)
	b = AppendInt32(b, 4, r.Kind)
	b = AppendInt64(b, 5, r.Count)
	b = AppendInt64(b, 6, r.Size)
	b = AppendUint64(b, 7, r.Version)
	b = AppendUint64(b, 8, r.Seq)
	b = AppendFloat64(b, 9, r.Score)
	b = AppendFloat64(b, 10, r.Ratio)
	b = AppendBool(b, 11, r.Active)
	b = AppendBool(b, 12, r.Deleted)
	b = AppendTimestamp(b, 13, r.Created)
	b = AppendTimestamp(b, 14, r.Updated)
	b = AppendDuration(b, 15, r.TTL)
	b = AppendUUID(b, 16, r.UUID)
	b = AppendBytes(b, 17, r.Payload)
	b = AppendBytes(b, 18, r.Doc)
	b = AppendString(b, 19, r.Name)
	b = AppendInt32(b, 20, r.Pri)
	return b
}

// decodeTestRow is the full decode generated code performs.
func decodeTestRow(b []byte, r *testRow) error {
	return decodeTestRowWith(NewDecoder(b), r)
}

// decodeOwnedTestRow is the full decode of a row buffer handed over to it.
func decodeOwnedTestRow(b []byte, r *testRow) error {
	return decodeTestRowWith(NewOwnedDecoder(b), r)
}

func decodeTestRowWith(d *Decoder, r *testRow) error {
	for d.Next() {
		switch d.Tag() {
		case 1:
			r.ID = d.String()
		case 2:
			r.Owner = d.String()
		case 3:
			r.Status = d.Enum()
		case 4:
			r.Kind = d.Int32()
		case 5:
			r.Count = d.Int64()
		case 6:
			r.Size = d.Int64()
		case 7:
			r.Version = d.Uint64()
		case 8:
			r.Seq = d.Uint64()
		case 9:
			r.Score = d.Float64()
		case 10:
			r.Ratio = d.Float64()
		case 11:
			r.Active = d.Bool()
		case 12:
			r.Deleted = d.Bool()
		case 13:
			r.Created = d.Timestamp()
		case 14:
			r.Updated = d.Timestamp()
		case 15:
			r.TTL = d.Duration()
		case 16:
			r.UUID = d.UUID()
		case 17:
			r.Payload = d.Bytes()
		case 18:
			r.Doc = d.Bytes()
		case 19:
			r.Name = d.String()
		case 20:
			r.Pri = d.Int32()
		}
	}
	return d.Err()
}

// decodeOneColumn is a projection decode: it wants column 20 only and steps
// over the other 19.
func decodeOneColumn(b []byte) (int32, error) {
	var pri int32
	d := NewDecoder(b)
	for d.Next() {
		if d.Tag() == 20 {
			pri = d.Int32()
		}
	}
	return pri, d.Err()
}

func TestTestRowRoundTrip(t *testing.T) {
	want := sampleRow()
	var got testRow
	if err := decodeTestRow(appendTestRow(nil, &want), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != want.ID || got.Name != want.Name || got.Pri != want.Pri || !got.Created.Equal(want.Created) ||
		got.UUID != want.UUID || string(got.Doc) != string(want.Doc) || got.TTL != want.TTL || got.Size != want.Size {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

// TestSkipDoesNotAllocate checks the projection property: stepping over
// columns costs no allocation, so a decode that reads one int column of a
// 20-column row allocates nothing at all. Encoding into a buffer with room
// allocates nothing either.
func TestSkipDoesNotAllocate(t *testing.T) {
	r := sampleRow()
	row := appendTestRow(nil, &r)
	var got int32
	var err error
	if n := testing.AllocsPerRun(100, func() { got, err = decodeOneColumn(row) }); n != 0 {
		t.Errorf("projection decode: %v allocations per row, want 0", n)
	}
	if err != nil || got != r.Pri {
		t.Fatalf("projection decode = %d, %v; want %d", got, err, r.Pri)
	}
	buf := make([]byte, 0, 2*len(row))
	if n := testing.AllocsPerRun(100, func() { buf = appendTestRow(buf[:0], &r) }); n != 0 {
		t.Errorf("encode into a large enough buffer: %v allocations, want 0", n)
	}
}
