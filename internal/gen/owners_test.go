package gen

import (
	"strings"
	"testing"
	"time"

	"github.com/tablegen/tablegen/internal/schema"
)

// TestStreamProblems checks that the generator refuses, with positioned
// errors, hand-built stream tables its expiry could not serve (the loader
// refuses them first; the generator must not emit code that breaks).
func TestStreamProblems(t *testing.T) {
	cases := []struct {
		name string
		edit func(b *tb)
		want []string
	}{
		{"no ttl", func(b *tb) { b.t.TTL = 0 }, []string{"needs a positive ttl"}},
		{"key not led by time", func(b *tb) { b.key("EvKey", "EvKey", "id", "at") }, []string{"must be an ascending timestamp"}},
		{"descending time", func(b *tb) { b.key("EvKey", "EvKey", "-at", "id") }, []string{"must be an ascending timestamp"}},
		{"index", func(b *tb) { b.index("by_id", 1, false, "id") }, []string{"may not declare indexes"}},
		{"valid", func(b *tb) {}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := table("app", "events", 1, schema.KindStream, "Event").
				col("at", schema.TypeTimestamp, false).
				col("id", schema.TypeString, false).
				key("EvKey", "EvKey", "at", "id")
			b.t.TTL = time.Minute
			b.t.Pos = schema.Pos{File: "schemas/app/events.yaml", Line: 1, Column: 1}
			c.edit(b)
			_, err := Generate(&schema.Schema{Tables: []*schema.Table{b.t}}, Options{ImportPath: "example.com/app/generated"})
			if c.want == nil {
				if err != nil {
					t.Fatalf("Generate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Generate succeeded; want an error containing %q", c.want)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), "schemas/app/events.yaml:1:1: table app.events: ") || !strings.Contains(err.Error(), w) {
					t.Fatalf("Generate = %v; want a positioned error containing %q", err, w)
				}
			}
		})
	}
}
