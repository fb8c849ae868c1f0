package scan

import (
	"encoding/binary"
	"fmt"
	"math"
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
// appendRow (its walk + column appends, falling back to Load where it
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

// TestAppendRowSkipsUnneededFields pins the shapes appendRow skips without
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
	if err := d.appendRow(overrun); err == nil {
		t.Fatalf("appendRow accepts a row whose unneeded field overruns it")
	}

	rec := d.batch()
	defer rec.Release()
	want := "[5 0]\n[\"x\" \"y\"]\n"
	if got := fmt.Sprintf("%v\n%v\n", rec.Column(0), rec.Column(1)); got != want {
		t.Fatalf("record:\n%swant:\n%s", got, want)
	}
}

// TestVarint8 checks appendRow's word-at-a-time varint decode against
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

// TestSkipFields pins appendRow's fast path for unneeded fields (skipFields) on
// the edges of its word-at-a-time step: where it must stop, for appendRow's
// careful code to read the field (a row ending less than 9 bytes after a
// key, a varint of more than 10 bytes or with a bad tenth byte, a length
// of 0x80 or more, a two-byte key, a needed field), how far it must go
// (varints of 8, 9 and 10 bytes, a length ending exactly at the row's end,
// a run of every kind) and that a length running past the row takes it
// past len(row). Each row then goes through appendRow and Load + Append,
// which must agree.
func TestSkipFields(t *testing.T) {
	l := directLayout()
	tab, err := newTable(&l)
	if err != nil {
		t.Fatal(err)
	}
	project := []int{5} // s (tag 6): every other one-byte key is skipped
	decode := make([]bool, len(l.Columns))
	decode[5] = true
	schema := projectSchema(tab.arrowSchema(Docs{}), project)

	varint := func(tag protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, tag, protowire.VarintType), v)
	}
	raw := func(tag protowire.Number, typ protowire.Type, v ...byte) []byte {
		return append(protowire.AppendTag(nil, tag, typ), v...)
	}
	bytesField := func(tag protowire.Number, n int) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, tag, protowire.BytesType), make([]byte, n))
	}
	s := protowire.AppendString(protowire.AppendTag(nil, 6, protowire.BytesType), "x") // the needed field, 3 bytes
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	ff := func(n int) []byte { // n continuation bytes
		b := make([]byte, n)
		for i := range b {
			b[i] = 0xff
		}
		return b
	}
	for _, c := range []struct {
		name string
		row  []byte
		want int // skipFields(row, 0)
		ok   bool
	}{
		{"needed first", cat(s, varint(4, 1<<40)), 0, true},
		{"row ends less than 9 bytes after the key", cat(varint(4, 300), s), 0, true},
		{"8-byte varint", cat(varint(4, 1<<55), s, s), 9, true},
		{"9-byte varint", cat(varint(4, 1<<62), s), 10, true},
		{"10-byte varint", cat(varint(3, uint64(1<<64-1)), s), 11, true},
		{"9-byte varint 10 bytes before the end", cat(varint(4, 1<<62)), 0, true},
		{"10-byte varint with a tenth byte of 2", cat(raw(4, protowire.VarintType, append(ff(9), 2)...), s), 0, false},
		{"11-byte varint", cat(raw(4, protowire.VarintType, append(ff(10), 0)...), s), 0, false},
		{"length of 0x80", cat(bytesField(7, 0x80), s), 0, true},
		{"length 0x7f ending at the row's end", cat(bytesField(7, 0x7f)), 0x81, true},
		{"length running past the row", cat(raw(7, protowire.BytesType, 100), make([]byte, 20)), 102, false},
		{"length running one byte past the row", cat(raw(7, protowire.BytesType, 9), make([]byte, 8)), 11, false},
		{"two-byte key", cat(bytesField(17, 10), s), 0, true},
		{"a run of every kind", cat(raw(5, protowire.Fixed64Type, make([]byte, 8)...), raw(8, protowire.Fixed32Type, 1, 2, 3, 4),
			bytesField(7, 3), varint(2, 1), varint(9, 1<<20), s, varint(1, 7), make([]byte, 8)), 9 + 5 + 5 + 2 + 4, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := tab.newRowDecoder(decode, project)
			if err != nil {
				t.Fatal(err)
			}
			if got := skipFields(c.row, 0, d.keyAct); got != c.want {
				t.Errorf("skipFields(%x) = %d, want %d", c.row, got, c.want)
			}
			ref, err := tab.newRowDecoder(decode, project)
			if err != nil {
				t.Fatal(err)
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			for _, d := range []*rowDecoder{d, ref} {
				if err := d.setOutput(mem, schema, 0); err != nil {
					t.Fatal(err)
				}
				defer d.release()
			}
			errRef := ref.Load(c.row)
			if errRef == nil {
				errRef = ref.Append()
			}
			errDirect := d.appendRow(c.row)
			if (errRef == nil) != c.ok || (errDirect == nil) != c.ok {
				t.Fatalf("row %x: Load+Append error %v, appendRow error %v; want accepted %v", c.row, errRef, errDirect, c.ok)
			}
			if a, b := batchString(ref), batchString(d); a != b {
				t.Fatalf("records differ:\nLoad+Append:\n%s\nappendRow:\n%s", a, b)
			}
		})
	}
	// A run of unneeded fields after a needed one, whose length runs
	// one byte past the row, with a needed column still to come: the
	// skip inside the walk's loop must refuse it, as Load does.
	two := []int{0, 5} // id (tag 1), s (tag 6)
	decode2 := make([]bool, len(l.Columns))
	decode2[0], decode2[5] = true, true
	d, err := tab.newRowDecoder(decode2, two)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.setOutput(memory.NewGoAllocator(), projectSchema(tab.arrowSchema(Docs{}), two), 0); err != nil {
		t.Fatal(err)
	}
	overrun := cat(s, raw(7, protowire.BytesType, 9), make([]byte, 8))
	if err := d.Load(overrun); err == nil {
		t.Fatalf("Load accepts %x", overrun)
	}
	if err := d.appendRow(overrun); err == nil {
		t.Fatalf("appendRow accepts %x", overrun)
	}
}

// TestWalkLongVarints pins appendRow's decode of needed varints of nine and
// ten bytes (a negative int32 or int64 takes ten), read from the word of
// the first eight and the bytes after it: it must take such rows itself
// (not hand them to Load) and append what Load decodes, and refuse a tenth
// byte above 1, which Load refuses too.
func TestWalkLongVarints(t *testing.T) {
	l := directLayout()
	tab, err := newTable(&l)
	if err != nil {
		t.Fatal(err)
	}
	project := []int{0, 2, 3} // id int64 (tag 1), i32 (tag 3), u uint64 (tag 4)
	decode := make([]bool, len(l.Columns))
	for _, p := range project {
		decode[p] = true
	}
	schema := projectSchema(tab.arrowSchema(Docs{}), project)
	row := func(id int64, i32 int32, u uint64) []byte {
		b := protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), uint64(id))
		b = protowire.AppendVarint(protowire.AppendTag(b, 3, protowire.VarintType), uint64(int64(i32)))
		return protowire.AppendVarint(protowire.AppendTag(b, 4, protowire.VarintType), u)
	}
	for _, r := range [][]byte{
		row(-1, -1, 1<<63),
		row(math.MinInt64, math.MinInt32, 1<<62),
		row(1<<62, -12345, 1<<64-1),
		row(1<<56, 7, 1<<56-1), // nine bytes, then eight
	} {
		d, err := tab.newRowDecoder(decode, project)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := tab.newRowDecoder(decode, project)
		if err != nil {
			t.Fatal(err)
		}
		mem := memory.NewGoAllocator()
		for _, d := range []*rowDecoder{d, ref} {
			if err := d.setOutput(mem, schema, 0); err != nil {
				t.Fatal(err)
			}
		}
		// Load counts its rows in d.gen: unchanged, appendRow took the
		// row itself.
		gen := d.gen
		if err := d.appendRow(r); err != nil || d.gen != gen {
			t.Fatalf("row %x: appendRow error %v, Load calls %d; want it to take the row itself", r, err, d.gen-gen)
		}
		if err := ref.Load(r); err != nil {
			t.Fatal(err)
		}
		if err := ref.Append(); err != nil {
			t.Fatal(err)
		}
		if a, b := batchString(ref), batchString(d); a != b {
			t.Fatalf("row %x: records differ:\nLoad+Append:\n%s\nappendRow:\n%s", r, a, b)
		}
	}
	// A tenth byte of 2 overflows 64 bits: both refuse the row.
	bad := append(protowire.AppendTag(nil, 1, protowire.VarintType), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)
	bad = protowire.AppendVarint(protowire.AppendTag(bad, 4, protowire.VarintType), 1)
	d, err := tab.newRowDecoder(decode, project)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.setOutput(memory.NewGoAllocator(), schema, 0); err != nil {
		t.Fatal(err)
	}
	if err := d.appendRow(bad); err == nil {
		t.Fatalf("appendRow takes a varint whose tenth byte is 2")
	}
	if err := d.Load(bad); err == nil {
		t.Fatalf("Load takes a varint whose tenth byte is 2")
	}
}
