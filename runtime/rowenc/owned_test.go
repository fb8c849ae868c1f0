package rowenc

import (
	"slices"
	"testing"
	"unsafe"
)

// TestOwnedAliases pins the aliasing contract of NewOwnedDecoder: String and
// Bytes are views into the row (no copy), Bytes cannot grow into the next
// field, and empty values are "" and a non-nil empty slice.
func TestOwnedAliases(t *testing.T) {
	row := AppendString(nil, 1, "hello")
	row = AppendBytes(row, 2, []byte("abc"))
	row = AppendString(row, 3, "")
	row = AppendBytes(row, 4, nil)
	row = AppendString(row, 5, "next")
	d := NewOwnedDecoder(row)
	var s1, s3, s5 string
	var b2, b4 []byte
	for d.Next() {
		switch d.Tag() {
		case 1:
			s1 = d.String()
		case 2:
			b2 = d.Bytes()
		case 3:
			s3 = d.String()
		case 4:
			b4 = d.Bytes()
		case 5:
			s5 = d.String()
		}
	}
	if err := d.Err(); err != nil {
		t.Fatal(err)
	}
	if s1 != "hello" || string(b2) != "abc" || s3 != "" || b4 == nil || len(b4) != 0 || s5 != "next" {
		t.Fatalf("decoded %q %q %q %v %q", s1, b2, s3, b4, s5)
	}
	if !within(unsafe.Slice(unsafe.StringData(s1), len(s1)), row) || !within(b2, row) {
		t.Fatal("String or Bytes of an owned Decoder copied instead of aliasing the row")
	}
	if cap(b2) != len(b2) {
		t.Fatalf("Bytes capacity %d reaches past the field's %d bytes", cap(b2), len(b2))
	}
	// Appending to a value must not overwrite the fields after it.
	_ = append(b2, "XXXXXXXX"...)
	_ = append(b4, "XXXXXXXX"...)
	if s5 != "next" {
		t.Fatalf("appending to a Bytes value overwrote the next field: %q", s5)
	}
	if d := NewOwnedDecoder(row); d.Next() && d.Next() {
		if got := d.Bytes(); string(got) != "abc" {
			t.Fatalf("row changed by appends: field 2 = %q", got)
		}
	}
}

// TestOwnedEmptyLastField: an empty string or bytes value that ends the
// row, its offset the end of a buffer with no spare capacity, is "" from
// String and a non-nil empty slice from Bytes that does not point just past
// the row (into the next heap object), and reading it must not index the
// row at its end.
func TestOwnedEmptyLastField(t *testing.T) {
	for _, last := range [][]byte{AppendString(nil, 2, ""), AppendBytes(nil, 2, []byte{})} {
		row := slices.Clip(append(AppendInt64(nil, 1, 7), last...))
		for _, str := range []bool{true, false} {
			d := NewOwnedDecoder(row)
			if !d.Next() || !d.Next() || d.Tag() != 2 {
				t.Fatalf("row %x: no field 2 (err %v)", row, d.Err())
			}
			if str {
				if s := d.String(); s != "" {
					t.Fatalf("row %x: String = %q; want \"\"", row, s)
				}
				continue
			}
			b := d.Bytes()
			if b == nil || len(b) != 0 {
				t.Fatalf("row %x: Bytes = %#v; want a non-nil empty slice", row, b)
			}
			if uintptr(unsafe.Pointer(unsafe.SliceData(b))) == uintptr(unsafe.Pointer(&row[0]))+uintptr(len(row)) {
				t.Fatalf("row %x: the empty Bytes value points just past the row", row)
			}
			if d.Next() || d.Err() != nil {
				t.Fatalf("row %x: a field after the last one, or error %v", row, d.Err())
			}
		}
	}
}

// TestOwnedDecodeDoesNotAllocate: with the row buffer handed over, a full
// 20-column decode allocates nothing (the copying Decoder allocates once per
// string and bytes column), and reads the same values.
func TestOwnedDecodeDoesNotAllocate(t *testing.T) {
	want := sampleRow()
	row := appendTestRow(nil, &want)
	var copied, owned testRow
	if n := testing.AllocsPerRun(100, func() { _ = decodeTestRow(row, &copied) }); n == 0 {
		t.Errorf("copying decode: no allocation; the comparison below would prove nothing")
	}
	var err error
	if n := testing.AllocsPerRun(100, func() { err = decodeOwnedTestRow(row, &owned) }); n != 0 {
		t.Errorf("owned decode: %v allocations per row, want 0", n)
	}
	if err != nil {
		t.Fatal(err)
	}
	if owned.ID != copied.ID || owned.Owner != copied.Owner || owned.Name != copied.Name ||
		string(owned.Payload) != string(copied.Payload) || string(owned.Doc) != string(copied.Doc) ||
		owned.UUID != copied.UUID || !owned.Created.Equal(copied.Created) || owned.Pri != copied.Pri {
		t.Fatalf("owned decode differs from copying decode:\n owned %+v\ncopied %+v", owned, copied)
	}
}

// TestResetStartsOver: a Decoder reset onto a new row reads it from its
// first field with no error pending and copying accessors, whatever the
// previous row left behind (a sticky error, an owned buffer, a position).
func TestResetStartsOver(t *testing.T) {
	good := AppendString(AppendInt64(nil, 1, 42), 2, "hi")
	d := NewOwnedDecoder([]byte{0x0a, 0x05, 'x'}) // truncated string
	if d.Next() || d.Err() == nil {
		t.Fatalf("truncated row: Next true or no error")
	}
	d.Reset(good)
	if d.Err() != nil {
		t.Fatalf("after Reset: error %v still pending", d.Err())
	}
	if !d.Next() || d.Tag() != 1 || d.Int64() != 42 {
		t.Fatalf("after Reset: first field tag %d, want 1 = 42", d.Tag())
	}
	if !d.Next() || d.Tag() != 2 {
		t.Fatalf("after Reset: second field tag %d, want 2", d.Tag())
	}
	s := d.String()
	good[len(good)-1] = '!'
	if s != "hi" {
		t.Fatalf("after Reset the decoder still aliases the row: %q", s)
	}
	if d.Next() || d.Err() != nil {
		t.Fatalf("after the last field: Next true or error %v", d.Err())
	}
}
