package scan

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
)

// TestStatsFastPath checks Stats.addFast, the typed loops a flush uses,
// against the general per-value path as the reference: for random batches
// of every column type (nulls, NaN, ±Inf, invalid UTF-8 included), built
// by the schema-driven row source exactly as a flush builds them, both
// must produce the same manifest statistics.
func TestStatsFastPath(t *testing.T) {
	types := []string{"bool", "int32", "int64", "uint64", "float64", "string", "bytes", "timestamp", "duration", "uuid", "enum", "json"}
	l := &layout.Table{ID: 1, Namespace: "t", Name: "all", Kind: "shared", Key: []layout.KeyColumn{{Name: "c1", Type: "int64"}}}
	for i, typ := range types {
		c := layout.Column{Tag: int32(i + 1), Name: "c" + string(rune('a'+i)), Type: typ, Nullable: i%2 == 0}
		if typ == "enum" {
			c.Values = []string{"x", "y", "z"}
		}
		l.Columns = append(l.Columns, c)
	}
	l.Key[0].Name = l.Columns[2].Name
	tb, err := newTable(l)
	if err != nil {
		t.Fatal(err)
	}
	schema := tb.arrowSchema(Docs{})
	all := make([]bool, len(types))
	project := make([]int, len(types))
	for i := range all {
		all[i], project[i] = true, i
	}
	floats := []float64{0, -1.5, 2, math.NaN(), math.Inf(1), math.Inf(-1), 1e300}
	strs := []string{"", "a", "ab", "b", "\xff", "zz"}
	validStrs := []string{"", "a", "ab", "b", "zz"}
	rapid.Check(t, func(t *rapid.T) {
		fast, slow := &Stats{t: tb}, &Stats{t: tb}
		for _, s := range []*Stats{fast, slow} {
			n := len(tb.cols)
			s.min, s.max, s.has, s.nulls, s.noRange = make([]Value, n), make([]Value, n), make([]bool, n), make([]int64, n), make([]bool, n)
		}
		fast.fast = true
		for range rapid.IntRange(1, 3).Draw(t, "batches") {
			src, err := tb.newRowDecoder(all, project)
			if err != nil {
				t.Fatal(err)
			}
			if err := src.setOutput(memory.DefaultAllocator, schema, 0); err != nil {
				t.Fatal(err)
			}
			for range rapid.IntRange(0, 6).Draw(t, "rows") {
				var row []byte
				for i, c := range l.Columns {
					if c.Nullable && rapid.Bool().Draw(t, "null") {
						continue
					}
					tag := protowire.Number(c.Tag)
					switch c.Type {
					case "bool":
						row = rowenc.AppendBool(row, tag, rapid.Bool().Draw(t, "b"))
					case "int32":
						row = rowenc.AppendInt32(row, tag, rapid.Int32().Draw(t, "i32"))
					case "int64":
						row = rowenc.AppendInt64(row, tag, rapid.Int64Range(-5, 5).Draw(t, "i64"))
					case "uint64":
						row = rowenc.AppendUint64(row, tag, rapid.Uint64().Draw(t, "u64"))
					case "float64":
						row = rowenc.AppendFloat64(row, tag, rapid.SampledFrom(floats).Draw(t, "f"))
					case "string":
						// Decoding refuses invalid UTF-8 in a string column.
						row = rowenc.AppendString(row, tag, rapid.SampledFrom(validStrs).Draw(t, "s"))
					case "bytes", "json":
						row = rowenc.AppendString(row, tag, rapid.SampledFrom(strs).Draw(t, "s"))
					case "timestamp":
						row = rowenc.AppendTimestamp(row, tag, time.UnixMicro(rapid.Int64Range(-1e15, 1e15).Draw(t, "ts")))
					case "duration":
						row = rowenc.AppendDuration(row, tag, time.Duration(rapid.Int64Range(-1e9, 1e9).Draw(t, "d"))*time.Microsecond)
					case "uuid":
						var u [16]byte
						u[i%16] = rapid.Byte().Draw(t, "u")
						row = rowenc.AppendUUID(row, tag, u)
					case "enum":
						row = rowenc.AppendEnum(row, tag, rapid.Int32Range(0, 2).Draw(t, "e"))
					}
				}
				if err := src.Load(row); err != nil {
					t.Fatal(err)
				}
				if err := src.Append(); err != nil {
					t.Fatal(err)
				}
			}
			rec := src.batch()
			for _, s := range []*Stats{fast, slow} {
				if err := s.Add(rec); err != nil {
					t.Fatal(err)
				}
			}
			rec.Release()
		}
		got, err1 := json.Marshal(fast.Columns())
		want, err2 := json.Marshal(slow.Columns())
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if string(got) != string(want) {
			t.Fatalf("fast path statistics\n%s\nwant\n%s", got, want)
		}
	})
}
