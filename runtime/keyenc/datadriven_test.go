package keyenc

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestDataDriven runs testdata/encode, which shows typed values and the
// exact bytes they encode to, so the on-disk key format can be reviewed (and
// any change to it shows up as a diff). Regenerate with -rewrite after an
// intended change. Commands:
//
//	encode      each input line is a tuple, e.g. `string "a" int64/desc -1`;
//	            prints its bytes, components separated by |.
//	sort        prints the input tuples ordered by their encoded bytes.
//	decode type=<kind>[/desc]
//	            each input line is hex; prints the decoded value and the
//	            rest, or the error.
func TestDataDriven(t *testing.T) {
	datadriven.RunTest(t, "testdata/encode", func(t *testing.T, d *datadriven.TestData) string {
		var out strings.Builder
		switch d.Cmd {
		case "encode":
			for _, line := range inputLines(d.Input) {
				layout, vs := parseTuple(t, line)
				fmt.Fprintf(&out, "%s → %s", line, hexTuple(t, layout, vs))
				if note := normalizedNote(layout, vs); note != "" {
					fmt.Fprintf(&out, " (decodes as %s)", note)
				}
				out.WriteByte('\n')
			}
		case "sort":
			type row struct {
				line string
				enc  []byte
			}
			var rows []row
			for _, line := range inputLines(d.Input) {
				layout, vs := parseTuple(t, line)
				rows = append(rows, row{line, encodeTuple(layout, vs)})
			}
			slices.SortStableFunc(rows, func(a, b row) int { return bytes.Compare(a.enc, b.enc) })
			for _, r := range rows {
				fmt.Fprintf(&out, "%s\n", r.line)
			}
		case "decode":
			var typ string
			d.ScanArgs(t, "type", &typ)
			c := parseColumn(t, typ)
			for _, line := range inputLines(d.Input) {
				b, err := hex.DecodeString(strings.ReplaceAll(line, " ", ""))
				if err != nil {
					t.Fatalf("%s: bad hex %q: %v", d.Pos, line, err)
				}
				v, rest, err := c.decode(b)
				if err != nil {
					fmt.Fprintf(&out, "%s → error: %v\n", line, err)
					continue
				}
				fmt.Fprintf(&out, "%s → %s rest [% x]\n", line, c.k.format(v), rest)
			}
		default:
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
		}
		return out.String()
	})
}

func inputLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func parseColumn(t *testing.T, word string) column {
	name, dir, _ := strings.Cut(word, "/")
	k := kindByName(name)
	if k == nil || (dir != "" && dir != "desc") {
		t.Fatalf("unknown column type %q (want a type name, optionally with /desc)", word)
	}
	return column{k: k, desc: dir == "desc"}
}

// parseTuple reads `type value type value …`; string and bytes values are
// Go-quoted.
func parseTuple(t *testing.T, line string) ([]column, []any) {
	var layout []column
	var vs []any
	for s := line; s != ""; s = strings.TrimSpace(s) {
		word, rest, _ := strings.Cut(s, " ")
		c := parseColumn(t, word)
		rest = strings.TrimSpace(rest)
		var tok string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			tok, s = q, rest[len(q):]
		} else {
			tok, s, _ = strings.Cut(rest, " ")
		}
		v, err := c.k.parse(tok)
		if err != nil {
			t.Fatalf("%q: bad %s value %q: %v", line, c.k.name, tok, err)
		}
		layout, vs = append(layout, c), append(vs, v)
	}
	return layout, vs
}

// hexTuple encodes the tuple component by component, checking on the way
// that the components decode back.
func hexTuple(t *testing.T, layout []column, vs []any) string {
	parts := make([]string, len(vs))
	for i, c := range layout {
		b := c.encode(nil, vs[i])
		got, rest, err := c.decode(b)
		if err != nil || len(rest) != 0 || !c.k.same(got, c.k.norm(vs[i])) {
			t.Fatalf("%s %v: round trip gave %v, rest %x, err %v", c, vs[i], got, rest, err)
		}
		parts[i] = fmt.Sprintf("% x", b)
	}
	return strings.Join(parts, " | ")
}

// normalizedNote lists decoded values that differ from the input in print
// (timestamps truncated to µs or moved to UTC, durations truncated).
func normalizedNote(layout []column, vs []any) string {
	var notes []string
	for i, c := range layout {
		if in, out := c.k.format(vs[i]), c.k.format(c.k.norm(vs[i])); in != out {
			notes = append(notes, out)
		}
	}
	return strings.Join(notes, ", ")
}
