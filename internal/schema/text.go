package schema

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// maxCharErrors bounds the reports of badCharacters for one file, so a
// binary file named *.yaml gives a few lines, not one per byte.
const maxCharErrors = 5

// badCharacters reports, at its own line and column, every character of a
// schema file that cannot appear in generated Go source or in a YAML
// document: invalid UTF-8, NUL and the other C0/C1 control characters (tab,
// line feed and carriage return aside) and a byte order mark anywhere but at
// the start. The YAML decoder rejects some of them with no position at all,
// and accepts others (U+FEFF) that then break the generated code; checking
// the bytes first gives the author the exact place. It returns whether the
// file is clean.
func (p *fileParser) badCharacters(data []byte) bool {
	line, col, n := 1, 1, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		var what string
		switch {
		case r == utf8.RuneError && size <= 1:
			what = fmt.Sprintf("byte 0x%02X is not valid UTF-8; save the file as UTF-8", data[i])
		case r == '\uFEFF' && i == 0:
		case r == '\uFEFF':
			what = "a byte order mark (U+FEFF) may only start the file; delete this invisible character"
		case r == '\t' || r == '\n' || r == '\r':
		case unicode.IsControl(r):
			what = fmt.Sprintf("the control character %s is not allowed in a schema file; delete it", charName(r))
		}
		if what != "" {
			p.errs.add(Pos{File: p.file, Line: line, Column: col}, "%s", what)
			if n++; n == maxCharErrors {
				return false
			}
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += size
	}
	return n == 0
}

// badScalars reports string values that hold, through a YAML escape such as
// "\0" or "\uFEFF", a character badCharacters refuses in the raw file, or a
// lone carriage return: the error is at the string's position. Line feeds
// and tabs stay allowed (docs are multi-line text).
func (p *fileParser) badScalars(n *yaml.Node) {
	if n == nil {
		return
	}
	if n.Kind == yaml.ScalarNode {
		for i, r := range n.Value {
			if r == '\n' || r == '\t' || (r == '\r' && i+1 < len(n.Value) && n.Value[i+1] == '\n') {
				continue
			}
			if r == '\uFEFF' || unicode.IsControl(r) {
				p.errorf(n, "", "this string holds %s (character %d of the value), which cannot appear in generated code; remove it from the value", charName(r), len([]rune(n.Value[:i]))+1)
				return
			}
		}
		return
	}
	for _, c := range n.Content {
		p.badScalars(c)
	}
}

// charName names a control or invisible character for messages: U+0000 (NUL).
func charName(r rune) string {
	names := map[rune]string{0: "NUL", '\r': "CR", 0x1b: "ESC", 0x7f: "DEL", 0xfeff: "BOM", 0x85: "NEL"}
	if name, ok := names[r]; ok {
		return fmt.Sprintf("U+%04X (%s)", r, name)
	}
	return fmt.Sprintf("U+%04X", r)
}
