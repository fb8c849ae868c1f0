package rowenc

import "testing"

var (
	sinkRow testRow
	sinkI32 int32
)

// BenchmarkDecodeRow compares decoding all 20 columns of a row, with a
// copying and with an owned Decoder, with a projection that reads one and
// skips 19; the ratios are the savings of handing the row buffer over and
// of column projection.
func BenchmarkDecodeRow(b *testing.B) {
	r := sampleRow()
	row := appendTestRow(nil, &r)
	b.Run("full", func(b *testing.B) {
		b.SetBytes(int64(len(row)))
		b.ReportAllocs()
		for b.Loop() {
			if err := decodeTestRow(row, &sinkRow); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The same full decode of a row buffer handed over to the Decoder:
	// strings and bytes are views into it, not copies.
	b.Run("owned", func(b *testing.B) {
		b.SetBytes(int64(len(row)))
		b.ReportAllocs()
		for b.Loop() {
			if err := decodeOwnedTestRow(row, &sinkRow); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("skip19", func(b *testing.B) {
		b.SetBytes(int64(len(row)))
		b.ReportAllocs()
		for b.Loop() {
			v, err := decodeOneColumn(row)
			if err != nil {
				b.Fatal(err)
			}
			sinkI32 = v
		}
	})
}

func BenchmarkEncodeRow(b *testing.B) {
	r := sampleRow()
	buf := appendTestRow(nil, &r)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = appendTestRow(buf[:0], &r)
	}
}
