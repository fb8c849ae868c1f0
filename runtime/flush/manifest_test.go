package flush

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/scan"
)

func validManifest() *Manifest {
	owner := "a/b"
	return &Manifest{Format: 1, Table: "chat.messages", TableID: 9, NextSeq: 3, Segments: []Segment{
		{Seq: 1, File: "owner-dir=a%2Fb/part-00000001.parquet", Owner: &owner, Rows: 2, Bytes: 10, MinKey: "01", MaxKey: "02", State: Done,
			Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Columns: []scan.ColumnStats{{Name: "row_id", Min: int64(1), Max: int64(2)}}},
		{Seq: 2, File: "owner-dir=a%2Fb/part-00000002.parquet", Keys: "owner-dir=a%2Fb/part-00000002.keys", Owner: &owner, Rows: 1, MinKey: "03", MaxKey: "03", State: Deleting},
	}}
}

// TestParseManifest accepts what flush writes and refuses manipulations,
// in particular paths that would lead recovery outside the table directory.
func TestParseManifest(t *testing.T) {
	good, err := json.Marshal(validManifest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseManifest(good); err != nil {
		t.Fatalf("valid manifest refused: %v", err)
	}
	for name, edit := range map[string]func(m *Manifest){
		"format":          func(m *Manifest) { m.Format = 2 },
		"escape":          func(m *Manifest) { m.Segments[0].File = "../../etc/passwd" },
		"wrong seq name":  func(m *Manifest) { m.Segments[0].File = "owner-dir=a%2Fb/part-00000002.parquet" },
		"another owner":   func(m *Manifest) { m.Segments[0].File = "owner-dir=b/part-00000001.parquet" },
		"duplicate seq":   func(m *Manifest) { m.Segments[1].Seq = 1 },
		"seq past next":   func(m *Manifest) { m.NextSeq = 2 },
		"keys when done":  func(m *Manifest) { m.Segments[0].Keys = "owner-dir=a%2Fb/part-00000001.keys" },
		"no keys pending": func(m *Manifest) { m.Segments[1].Keys = "" },
		"state":           func(m *Manifest) { m.Segments[0].State = "gone" },
		"bad hex":         func(m *Manifest) { m.Segments[0].MinKey = "zz" },
		"reversed range":  func(m *Manifest) { m.Segments[0].MinKey = "09" },
		"no rows":         func(m *Manifest) { m.Segments[0].Rows = 0 },
	} {
		m := validManifest()
		edit(m)
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseManifest(data); !errors.Is(err, ErrCorruptManifest) {
			t.Errorf("%s: ParseManifest returned %v, want ErrCorruptManifest", name, err)
		}
	}
}

// FuzzParseManifest: no input panics, and every accepted manifest only
// names files inside its table directory.
func FuzzParseManifest(f *testing.F) {
	good, err := json.Marshal(validManifest())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format":1,"table":"a.b","table_id":1,"next_seq":1,"segments":[]}`))
	f.Add([]byte(`{"format":1,"next_seq":2,"segments":[{"seq":1,"file":"../x","state":"done"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data)
		if err != nil {
			if !errors.Is(err, ErrCorruptManifest) {
				t.Fatalf("error does not wrap ErrCorruptManifest: %v", err)
			}
			return
		}
		for _, s := range m.Segments {
			for _, p := range []string{s.File, s.Keys} {
				if p == "" {
					continue
				}
				if _, _, ok := seqOf(p[len(p)-len(partFile(s.Seq, "parquet")):]); !ok && s.Keys != p {
					t.Fatalf("accepted file name %q", p)
				}
				for _, part := range splitSlash(p) {
					if part == ".." || part == "" {
						t.Fatalf("accepted path %q", p)
					}
				}
			}
		}
	})
}

func splitSlash(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}
