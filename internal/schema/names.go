package schema

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// EnumTypeName is the Go type the generator declares for enum column c of t:
// the entity name followed by the column's Go name (Job + Status →
// JobStatus). The loader checks that it collides with no other type name in
// the namespace's package, so the generator can use it as is.
func (t *Table) EnumTypeName(c *Column) string { return t.Entity + c.GoName }

// EnumConstName is the Go constant for value v of enum column c of t
// (JobStatus + running → JobStatusRunning); checked like EnumTypeName.
func (t *Table) EnumConstName(c *Column, v string) string {
	return t.EnumTypeName(c) + EnumValueName(v)
}

// EnumValueName is the Go suffix of an enum constant: the value split on
// underscores, each word capitalized (in_progress → InProgress), an
// all-capitals word written as a word (ACTIVE → Active) unless it is an
// initialism (api → API), and CamelCase kept (inProgress → InProgress).
// The loader checks constants named this way for collisions, and the
// generator emits them, so both must use this one function.
func EnumValueName(v string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(v, "_") {
		if part == "" {
			continue
		}
		upper := strings.ToUpper(part)
		switch {
		case initialisms[upper]:
			b.WriteString(upper)
		case part == upper:
			r, size := utf8.DecodeRuneInString(part)
			b.WriteRune(r)
			b.WriteString(strings.ToLower(part[size:]))
		default:
			r, size := utf8.DecodeRuneInString(part)
			b.WriteRune(unicode.ToUpper(r))
			b.WriteString(part[size:])
		}
	}
	return b.String()
}
