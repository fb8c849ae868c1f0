package docs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
)

// diagram writes a Mermaid erDiagram of one namespace: an entity per table
// (its columns, the key marked PK, single-column unique indexes UK), an
// entity per key type (its columns), a solid "keys" line from each key type
// to every table it keys — so tables that share a key type meet at one box —
// and a dotted line from a key type to every other table that has all of its
// columns with the same names and types (a likely reference).
func diagram(tables []*schema.Table) string {
	var b strings.Builder
	b.WriteString("erDiagram\n")

	keys := map[string]*schema.KeyType{}
	var keyNames []string
	for _, t := range tables {
		if _, ok := keys[t.Key.GoName]; !ok {
			keys[t.Key.GoName] = t.Key
			keyNames = append(keyNames, t.Key.GoName)
		}
	}
	slices.Sort(keyNames)

	for _, name := range keyNames {
		k := keys[name]
		fmt.Fprintf(&b, "    %s {\n", name)
		for _, c := range k.Columns {
			fmt.Fprintf(&b, "        %s %s\n", c.Type, c.Name)
		}
		b.WriteString("    }\n")
	}
	for _, t := range tables {
		label := "keys"
		card := "||--o|" // one key value identifies at most one row
		if t.Kind == schema.KindUser {
			label = "keys, per owner"
			card = "||--o{" // one row per owner
		}
		fmt.Fprintf(&b, "    %s %s %s : %q\n", t.Key.GoName, card, t.Name, label)
	}
	for _, t := range tables {
		for _, name := range keyNames {
			if name == t.Key.GoName {
				continue
			}
			if cols := references(t, keys[name]); cols != "" {
				fmt.Fprintf(&b, "    %s |o..o{ %s : %q\n", name, t.Name, cols)
			}
		}
	}
	for _, t := range tables {
		fmt.Fprintf(&b, "    %s {\n", t.Name)
		if t.Kind == schema.KindUser {
			fmt.Fprintf(&b, "        string %s PK \"implicit: the owner's user id\"\n", schema.OwnerColumn)
		}
		for _, c := range t.Columns {
			var marks []string
			if slices.Contains(t.Key.Columns, c) {
				marks = append(marks, "PK")
			}
			if uniqueAlone(t, c) {
				marks = append(marks, "UK")
			}
			line := fmt.Sprintf("        %s %s", c.Type, c.Name)
			if len(marks) > 0 {
				line += " " + strings.Join(marks, ", ")
			}
			if c.Nullable {
				line += ` "nullable"`
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("    }\n")
	}
	return b.String()
}

// references returns the names of k's columns, joined by ", ", when table t
// has every one of them with the same type; otherwise "". A key type with
// exactly t's own key columns is a twin of t's key, not a reference (RowId and
// UserRowId both over row_id).
func references(t *schema.Table, k *schema.KeyType) string {
	if slices.EqualFunc(k.Columns, t.Key.Columns, func(a, b *schema.Column) bool {
		return a.Name == b.Name && a.Type == b.Type
	}) {
		return ""
	}
	names := make([]string, len(k.Columns))
	for i, kc := range k.Columns {
		c := t.Column(kc.Name)
		if c == nil || c.Type != kc.Type {
			return ""
		}
		names[i] = kc.Name
	}
	return strings.Join(names, ", ")
}

// uniqueAlone reports whether c is the only column of a unique index of t.
func uniqueAlone(t *schema.Table, c *schema.Column) bool {
	for _, x := range t.Indexes {
		if x.Unique && len(x.Columns) == 1 && x.Columns[0] == c {
			return true
		}
	}
	return false
}
