package scan

import (
	"encoding/binary"
	"fmt"
	stdbits "math/bits"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/protobuf/encoding/protowire"
	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/runtime/layout"
)

// directLayout has every column type, nullable and not, a two-byte tag and
// gaps in the tags (unknown tags in a row are other tables' or newer
// builds' columns).
func directLayout() layout.Table {
	return layout.Table{ID: 7, Namespace: "t", Name: "direct", Kind: "system",
		Key: []layout.KeyColumn{{Name: "id", Type: "int64"}},
		Columns: []layout.Column{
			{Tag: 1, Name: "id", Type: "int64"},
			{Tag: 2, Name: "b", Type: "bool"},
			{Tag: 3, Name: "i32", Type: "int32", Nullable: true},
			{Tag: 4, Name: "u", Type: "uint64"},
			{Tag: 5, Name: "f", Type: "float64", Nullable: true},
			{Tag: 6, Name: "s", Type: "string"},
			{Tag: 7, Name: "by", Type: "bytes", Nullable: true},
			{Tag: 9, Name: "ts", Type: "timestamp"},
			{Tag: 10, Name: "ts_null", Type: "timestamp", Nullable: true},
			{Tag: 11, Name: "d", Type: "duration"},
			{Tag: 12, Name: "uid", Type: "uuid"},
			{Tag: 13, Name: "uid_null", Type: "uuid", Nullable: true},
			{Tag: 14, Name: "e", Type: "enum", Values: []string{"a", "b", "c"}},
			{Tag: 15, Name: "e_null", Type: "enum", Values: []string{"x"}, Nullable: true},
			{Tag: 16, Name: "j", Type: "json", Nullable: true},
			{Tag: 300, Name: "far", Type: "string", Nullable: true},
		},
	}
}

// genField draws one encoded field: usually a well-formed value for a
// column of the layout, sometimes an unknown tag, a wrong wire type, an
// out-of-range value, a long or non-minimal varint, or a group.
func genField(t *rapid.T, l *layout.Table) []byte {
	tags := []protowire.Number{8, 17, 299, 301, 5000}
	for _, c := range l.Columns {
		tags = append(tags, protowire.Number(c.Tag))
	}
	tag := rapid.SampledFrom(tags).Draw(t, "tag")
	var b []byte
	switch rapid.IntRange(0, 9).Draw(t, "shape") {
	case 0, 1, 2:
		b = protowire.AppendTag(b, tag, protowire.VarintType)
		b = protowire.AppendVarint(b, rapid.SampledFrom([]uint64{0, 1, 2, 3, 127, 128, 1 << 31, 1<<31 - 1, 1 << 40, ^uint64(0), ^uint64(0) - 5, uint64(1) << 63}).Draw(t, "varint"))
	case 3:
		b = protowire.AppendTag(b, tag, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, rapid.Uint64().Draw(t, "fixed64"))
	case 4, 5:
		b = protowire.AppendTag(b, tag, protowire.BytesType)
		n := rapid.SampledFrom([]int{0, 1, 3, 15, 16, 17, 200}).Draw(t, "len")
		v := make([]byte, n)
		for i := range v {
			v[i] = byte('a' + i%26)
		}
		if n > 0 && rapid.IntRange(0, 3).Draw(t, "utf8") == 0 {
			v[n/2] = 0xff // not UTF-8: decoding it as a string is an error
		}
		b = protowire.AppendBytes(b, v)
	case 6:
		b = protowire.AppendTag(b, tag, protowire.Fixed32Type)
		b = protowire.AppendFixed32(b, rapid.Uint32().Draw(t, "fixed32"))
	case 7:
		// A non-minimal varint: a zero value padded with continuation bytes.
		b = protowire.AppendTag(b, tag, protowire.VarintType)
		for range rapid.IntRange(1, 10).Draw(t, "pad") {
			b = append(b, 0x80)
		}
		b = append(b, 0)
	case 8:
		b = protowire.AppendTag(b, tag, protowire.StartGroupType)
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, 5)
		b = protowire.AppendTag(b, tag, protowire.EndGroupType)
	default:
		// A truncated field.
		b = protowire.AppendTag(b, tag, protowire.BytesType)
		b = append(b, 5, 'x')
	}
	return b
}

// batchString takes d's batch and formats it (its row count, then each
// column).
func batchString(d *rowDecoder) string {
	rec := d.batch()
	defer rec.Release()
	out := fmt.Sprintf("%d rows\n", rec.NumRows())
	for i := range int(rec.NumCols()) {
		out += fmt.Sprintf("%s: %v\n", rec.ColumnName(i), rec.Column(i))
	}
	return out
}

// TestAppendRowMatchesLoad is the differential test of the scan's direct
// path: for random rows (well-formed or not) and random projections,
// appendRow (walk + column appends, falling back to Load where walk
// declines) accepts exactly the rows Load accepts and produces exactly the
// record Load + Append produces.
func TestAppendRowMatchesLoad(t *testing.T) {
	l := directLayout()
	tab, err := newTable(&l)
	if err != nil {
		t.Fatal(err)
	}
	full := tab.arrowSchema(Docs{})
	rapid.Check(t, func(rt *rapid.T) {
		project := rapid.SliceOfNDistinct(rapid.IntRange(0, len(l.Columns)-1), 0, len(l.Columns), rapid.ID[int]).Draw(rt, "project")
		decode := make([]bool, len(l.Columns))
		for _, p := range project {
			decode[p] = true
		}
		schema := projectSchema(full, project)
		direct, err := tab.newRowDecoder(decode, project)
		if err != nil {
			rt.Fatal(err)
		}
		ref, err := tab.newRowDecoder(decode, project)
		if err != nil {
			rt.Fatal(err)
		}
		// A checked allocator: rows taken back and batches never taken
		// must give their buffers back.
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(rt, 0)
		first := rapid.IntRange(0, 100).Draw(rt, "first") // batch columns' first size
		for _, d := range []*rowDecoder{direct, ref} {
			if err := d.setOutput(mem, schema, first); err != nil {
				rt.Fatal(err)
			}
			defer d.release()
		}
		for i := range rapid.IntRange(1, 70).Draw(rt, "rows") {
			var row []byte
			for range rapid.IntRange(0, 12).Draw(rt, "fields") {
				row = append(row, genField(rt, &l)...)
			}
			errRef := ref.Load(row)
			if errRef == nil {
				errRef = ref.Append()
			}
			errDirect := direct.appendRow(row)
			if (errRef == nil) != (errDirect == nil) {
				rt.Fatalf("row %d %x: Load+Append error %v, appendRow error %v", i, row, errRef, errDirect)
			}
			if errRef != nil {
				// A failed row appends nothing: the batches go on.
				continue
			}
			if rapid.IntRange(0, 9).Draw(rt, "cut") == 0 {
				if a, b := batchString(ref), batchString(direct); a != b {
					rt.Fatalf("records differ:\nLoad+Append:\n%s\nappendRow:\n%s", a, b)
				}
			}
		}
		if a, b := batchString(ref), batchString(direct); a != b {
			rt.Fatalf("records differ:\nLoad+Append:\n%s\nappendRow:\n%s", a, b)
		}
	})
}

// TestAppendRowSkipsUnneededFields pins the shapes walk skips without
// decoding (unknown and unprojected tags of every wire type, a length of two
// bytes, a varint too near the row's end for the 8-byte skip) and a row
// carrying every projected column followed by one lacking one, whose
// absent column must still get its zero value.
func TestAppendRowSkipsUnneededFields(t *testing.T) {
	l := directLayout()
	tab, err := newTable(&l)
	if err != nil {
		t.Fatal(err)
	}
	project := []int{0, 5} // id (tag 1), s (tag 6)
	decode := make([]bool, len(l.Columns))
	for _, p := range project {
		decode[p] = true
	}
	schema := projectSchema(tab.arrowSchema(Docs{}), project)
	d, err := tab.newRowDecoder(decode, project)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.setOutput(memory.NewGoAllocator(), schema, 0); err != nil {
		t.Fatal(err)
	}

	var full []byte
	full = protowire.AppendTag(full, 17, protowire.BytesType)
	full = protowire.AppendBytes(full, make([]byte, 200)) // two-byte length
	full = protowire.AppendTag(full, 8, protowire.Fixed32Type)
	full = protowire.AppendFixed32(full, 1)
	full = protowire.AppendTag(full, 299, protowire.Fixed64Type)
	full = protowire.AppendFixed64(full, 1)
	full = protowire.AppendTag(full, 2, protowire.VarintType) // b: not projected
	full = protowire.AppendVarint(full, 1<<40)
	full = protowire.AppendTag(full, 1, protowire.VarintType)
	full = protowire.AppendVarint(full, 5)
	full = protowire.AppendTag(full, 6, protowire.BytesType)
	full = protowire.AppendBytes(full, []byte("x"))

	var lacking []byte // no id; an unneeded varint in the last bytes
	lacking = protowire.AppendTag(lacking, 6, protowire.BytesType)
	lacking = protowire.AppendBytes(lacking, []byte("y"))
	lacking = protowire.AppendTag(lacking, 300, protowire.VarintType)
	lacking = protowire.AppendVarint(lacking, 300)

	for _, row := range [][]byte{full, lacking} {
		if err := d.appendRow(row); err != nil {
			t.Fatalf("row %x: %v", row, err)
		}
	}
	// An unneeded field whose length runs past the row is corrupt, as Load says.
	var overrun []byte
	overrun = protowire.AppendTag(overrun, 17, protowire.BytesType)
	overrun = protowire.AppendVarint(overrun, 200)
	overrun = append(overrun, 1, 2, 3)
	overrun = protowire.AppendTag(overrun, 1, protowire.VarintType)
	overrun = protowire.AppendVarint(overrun, 5)
	if err := d.Load(overrun); err == nil {
		t.Fatalf("Load accepts a row whose unneeded field overruns it")
	}
	if _, ok, _ := d.walk(overrun); ok {
		t.Fatalf("walk accepts a row whose unneeded field overruns it")
	}

	d.truncate() // what appendRow does after walk declines
	rec := d.batch()
	defer rec.Release()
	want := "[5 0]\n[\"x\" \"y\"]\n"
	if got := fmt.Sprintf("%v\n%v\n", rec.Column(0), rec.Column(1)); got != want {
		t.Fatalf("record:\n%swant:\n%s", got, want)
	}
}

// TestVarint8 checks walk's word-at-a-time varint decode against
// protowire for every varint of up to eight bytes, whatever bytes follow it.
func TestVarint8(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		bits := rapid.IntRange(0, 56).Draw(rt, "bits")
		v := rapid.Uint64().Draw(rt, "v")
		if bits < 64 {
			v &= 1<<bits - 1
		}
		b := protowire.AppendVarint(nil, v)
		b = append(b, rapid.SliceOfN(rapid.Byte(), 8, 8).Draw(rt, "after")...)
		want, n := protowire.ConsumeVarint(b)
		if n > 8 {
			return // a varint of nine or ten bytes is left to ConsumeVarint
		}
		w := binary.LittleEndian.Uint64(b)
		m := ^w & 0x8080808080808080
		if got, gotN := varint8(w, m), stdbits.TrailingZeros64(m)>>3+1; got != want || gotN != n {
			rt.Fatalf("varint %x: varint8 = %d (%d bytes), want %d (%d bytes)", b[:n], got, gotN, want, n)
		}
	})
}
