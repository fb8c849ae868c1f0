package store

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Layout describes what a table's bytes mean on disk: its id, key columns,
// column tags and types, and indexes. [NewTable] records it in the metadata
// keyspace the first time a table is registered and compares it on every
// later open, so a build whose generated code reads the bytes differently
// fails loudly instead of misreading rows.
type Layout struct {
	ID        uint32         `json:"id"`
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Kind      string         `json:"kind"` // system | shared | user | stream
	Key       []KeyColumn    `json:"key,omitempty"`
	Columns   []ColumnLayout `json:"columns,omitempty"`
	Indexes   []IndexLayout  `json:"indexes,omitempty"`
}

// KeyColumn is one column of the primary key, in key order.
type KeyColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Desc bool   `json:"desc,omitempty"` // encoded descending ("newest first")
}

// ColumnLayout is one column of the row; Tag is its protobuf field number.
type ColumnLayout struct {
	Tag      int32    `json:"tag"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Nullable bool     `json:"nullable,omitempty"`
	Values   []string `json:"values,omitempty"` // enum values; the stored value is the index
}

// IndexLayout is one secondary index.
type IndexLayout struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Columns []string `json:"columns,omitempty"`
	Unique  bool     `json:"unique,omitempty"`
}

// FullName is "namespace.name", the name errors use.
func (l *Layout) FullName() string { return l.Namespace + "." + l.Name }

// canonical returns a copy with columns sorted by tag and indexes by id:
// declaration order does not change what the bytes mean, so it must not
// change the fingerprint either.
func (l *Layout) canonical() Layout {
	c := *l
	c.Key = slices.Clone(l.Key)
	c.Columns = slices.Clone(l.Columns)
	c.Indexes = slices.Clone(l.Indexes)
	slices.SortStableFunc(c.Columns, func(a, b ColumnLayout) int { return cmp.Compare(a.Tag, b.Tag) })
	slices.SortStableFunc(c.Indexes, func(a, b IndexLayout) int { return cmp.Compare(a.ID, b.ID) })
	return c
}

func (l *Layout) canonicalJSON() []byte {
	// Marshal of a struct of strings, ints, bools and slices of them cannot fail.
	b, _ := json.Marshal(l.canonical())
	return b
}

// Fingerprint is the hex SHA-256 of the layout's canonical JSON (columns in
// tag order, indexes in id order). Equal fingerprints mean the same bytes are
// read the same way.
func (l *Layout) Fingerprint() string {
	sum := sha256.Sum256(l.canonicalJSON())
	return hex.EncodeToString(sum[:])
}

// layoutRecord is the JSON stored under a table's metadata key.
type layoutRecord struct {
	Fingerprint string `json:"fingerprint"`
	Layout      Layout `json:"layout"`
}

// layoutChanges lists, in words, every difference between the layout
// recorded in the database and the one the program declares. An empty list
// means they are the same. Each entry is one independent change so a later
// version can classify them (safe to upgrade automatically or not).
func layoutChanges(stored, current *Layout) []string {
	var ch []string
	add := func(format string, args ...any) { ch = append(ch, fmt.Sprintf(format, args...)) }
	if stored.ID != current.ID {
		add("table id %d → %d", stored.ID, current.ID)
	}
	if stored.FullName() != current.FullName() {
		add("table renamed %s → %s", stored.FullName(), current.FullName())
	}
	if stored.Kind != current.Kind {
		add("kind %s → %s", stored.Kind, current.Kind)
	}
	ch = append(ch, keyChanges(stored.Key, current.Key)...)
	ch = append(ch, columnChanges(stored.Columns, current.Columns)...)
	ch = append(ch, indexChanges(stored.Indexes, current.Indexes)...)
	return ch
}

func keyChanges(stored, current []KeyColumn) []string {
	var ch []string
	for i := range max(len(stored), len(current)) {
		switch {
		case i >= len(current):
			ch = append(ch, fmt.Sprintf("key column %d (%s) removed", i+1, describeKeyColumn(stored[i])))
		case i >= len(stored):
			ch = append(ch, fmt.Sprintf("key column %d (%s) added", i+1, describeKeyColumn(current[i])))
		case stored[i] != current[i]:
			ch = append(ch, fmt.Sprintf("key column %d changed %s → %s", i+1, describeKeyColumn(stored[i]), describeKeyColumn(current[i])))
		}
	}
	return ch
}

func describeKeyColumn(k KeyColumn) string {
	s := k.Name + " " + k.Type
	if k.Desc {
		s += " desc"
	}
	return s
}

func columnChanges(stored, current []ColumnLayout) []string {
	var ch []string
	add := func(format string, args ...any) { ch = append(ch, fmt.Sprintf(format, args...)) }
	byTag := make(map[int32]ColumnLayout, len(current))
	for _, c := range current {
		byTag[c.Tag] = c
	}
	seen := make(map[int32]bool, len(stored))
	for _, s := range sortedColumns(stored) {
		seen[s.Tag] = true
		c, ok := byTag[s.Tag]
		if !ok {
			add("column tag %d (%s %s) removed", s.Tag, s.Name, s.Type)
			continue
		}
		if s.Name != c.Name {
			add("column tag %d renamed %s → %s", s.Tag, s.Name, c.Name)
		}
		if s.Type != c.Type {
			add("column tag %d (%s) type %s → %s", s.Tag, c.Name, s.Type, c.Type)
		}
		if s.Nullable != c.Nullable {
			add("column tag %d (%s) nullable %t → %t", s.Tag, c.Name, s.Nullable, c.Nullable)
		}
		if !slices.Equal(s.Values, c.Values) {
			add("column tag %d (%s) enum values [%s] → [%s]", s.Tag, c.Name, strings.Join(s.Values, " "), strings.Join(c.Values, " "))
		}
	}
	for _, c := range sortedColumns(current) {
		if !seen[c.Tag] {
			add("column tag %d (%s %s) added", c.Tag, c.Name, c.Type)
		}
	}
	return ch
}

func sortedColumns(cols []ColumnLayout) []ColumnLayout {
	s := slices.Clone(cols)
	slices.SortStableFunc(s, func(a, b ColumnLayout) int { return cmp.Compare(a.Tag, b.Tag) })
	return s
}

func indexChanges(stored, current []IndexLayout) []string {
	var ch []string
	add := func(format string, args ...any) { ch = append(ch, fmt.Sprintf(format, args...)) }
	byID := make(map[uint32]IndexLayout, len(current))
	for _, c := range current {
		byID[c.ID] = c
	}
	sorted := func(ix []IndexLayout) []IndexLayout {
		s := slices.Clone(ix)
		slices.SortStableFunc(s, func(a, b IndexLayout) int { return cmp.Compare(a.ID, b.ID) })
		return s
	}
	seen := make(map[uint32]bool, len(stored))
	for _, s := range sorted(stored) {
		seen[s.ID] = true
		c, ok := byID[s.ID]
		if !ok {
			add("index %d (%s) removed", s.ID, s.Name)
			continue
		}
		if s.Name != c.Name {
			add("index %d renamed %s → %s", s.ID, s.Name, c.Name)
		}
		if !slices.Equal(s.Columns, c.Columns) {
			add("index %d (%s) columns [%s] → [%s]", s.ID, c.Name, strings.Join(s.Columns, " "), strings.Join(c.Columns, " "))
		}
		if s.Unique != c.Unique {
			add("index %d (%s) unique %t → %t", s.ID, c.Name, s.Unique, c.Unique)
		}
	}
	for _, c := range sorted(current) {
		if !seen[c.ID] {
			add("index %d (%s) added", c.ID, c.Name)
		}
	}
	return ch
}

func jsonRecord(canon *Layout) ([]byte, error) {
	return json.Marshal(layoutRecord{Fingerprint: canon.Fingerprint(), Layout: *canon})
}

func parseRecord(b []byte) (*layoutRecord, error) {
	var rec layoutRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	if rec.Fingerprint == "" {
		return nil, fmt.Errorf("record has no fingerprint")
	}
	return &rec, nil
}
