package keyenc

import (
	"strings"
	"testing"
)

var (
	benchPlain   = "user-0000012345@example.com" // no 0x00: the fast path
	benchEscaped = strings.Repeat("ab\x00", 9)   // 9 escapes in 27 bytes
	sinkString   string
	sinkInt64    int64
)

func BenchmarkAppendString(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    string
		enc  func([]byte, string) []byte
	}{
		{"plain", benchPlain, AppendString},
		{"escaped", benchEscaped, AppendString},
		{"plain/desc", benchPlain, AppendStringDesc},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.SetBytes(int64(len(bc.s)))
			for b.Loop() {
				buf = bc.enc(buf[:0], bc.s)
			}
		})
	}
}

func BenchmarkDecodeString(b *testing.B) {
	for _, bc := range []struct {
		name string
		s    string
		enc  func([]byte, string) []byte
		dec  func([]byte) (string, []byte, error)
	}{
		{"plain", benchPlain, AppendString, DecodeString},
		{"escaped", benchEscaped, AppendString, DecodeString},
		{"plain/desc", benchPlain, AppendStringDesc, DecodeStringDesc},
	} {
		b.Run(bc.name, func(b *testing.B) {
			enc := bc.enc(nil, bc.s)
			b.SetBytes(int64(len(bc.s)))
			for b.Loop() {
				s, _, err := bc.dec(enc)
				if err != nil {
					b.Fatal(err)
				}
				sinkString = s
			}
		})
	}
}

func BenchmarkAppendInt64(b *testing.B) {
	buf := make([]byte, 0, 8)
	var v int64 = -1234567
	for b.Loop() {
		buf = AppendInt64(buf[:0], v)
		v++
	}
}

func BenchmarkDecodeInt64(b *testing.B) {
	enc := AppendInt64(nil, -1234567)
	for b.Loop() {
		v, _, err := DecodeInt64(enc)
		if err != nil {
			b.Fatal(err)
		}
		sinkInt64 = v
	}
}
