package layout

import (
	"strings"
	"testing"
	"time"
)

func validTable() Table {
	return Table{ID: 3, Namespace: "app", Name: "events", Kind: Stream,
		Key:     []KeyColumn{{Name: "at", Type: "timestamp"}, {Name: "id", Type: "string"}},
		Columns: []Column{{Tag: 1, Name: "at", Type: "timestamp"}, {Tag: 2, Name: "id", Type: "string"}, {Tag: 3, Name: "s", Type: "enum", Values: []string{"a"}}},
		Indexes: []Index{{ID: 1, Name: "by_s", Columns: []string{"s"}}},
		TTL:     time.Hour, MaxRowsPerOwner: 10,
	}
}

func TestValidate(t *testing.T) {
	ok := validTable()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid table: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Table)
		want string
	}{
		{"zero id", func(l *Table) { l.ID = 0 }, "table id is 0"},
		{"no name", func(l *Table) { l.Name = "" }, "namespace and name"},
		{"unknown kind", func(l *Table) { l.Kind = "global" }, `unknown kind "global"`},
		{"zero tag", func(l *Table) { l.Columns[0].Tag = 0 }, "tags start at 1"},
		{"duplicate tag", func(l *Table) { l.Columns[1].Tag = 1 }, "tag 1 is used by two columns"},
		{"duplicate name", func(l *Table) { l.Columns[1].Name = "at" }, "column name at is used twice"},
		{"unknown type", func(l *Table) { l.Columns[1].Type = "text" }, `unknown type "text"`},
		{"enum without values", func(l *Table) { l.Columns[2].Values = nil }, "enum values are set exactly when"},
		{"key not a column", func(l *Table) { l.Key[1].Name = "nope" }, "key column nope is not a column"},
		{"key type unknown", func(l *Table) { l.Key[1].Type = "text" }, `key column id has unknown type "text"`},
		{"zero index id", func(l *Table) { l.Indexes[0].ID = 0 }, "index ids start at 1"},
		{"duplicate index id", func(l *Table) { l.Indexes = append(l.Indexes, Index{ID: 1, Name: "x", Columns: []string{"id"}}) }, "index id 1 is used twice"},
		{"index column", func(l *Table) { l.Indexes[0].Columns = []string{"nope"} }, "index by_s column nope is not a column"},
		{"negative ttl", func(l *Table) { l.TTL = -time.Second }, "must not be negative"},
		{"ttl on a user table", func(l *Table) { l.Kind = User }, "kind user rows do not expire"},
	}
	for _, tc := range tests {
		l := validTable()
		tc.edit(&l)
		err := l.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), l.FullName()) {
			t.Errorf("%s: Validate = %v, want an error naming the table and containing %q", tc.name, err, tc.want)
		}
	}
}

func TestKindMethods(t *testing.T) {
	for _, k := range Kinds {
		if got, want := k.OwnerScoped(), k == User || k == Stream; got != want {
			t.Errorf("%s.OwnerScoped() = %t", k, got)
		}
		if got, want := k.Expires(), k == Stream; got != want {
			t.Errorf("%s.Expires() = %t", k, got)
		}
		if !k.Valid() {
			t.Errorf("%s is not valid", k)
		}
	}
	if Kind("").Valid() || Kind("").OwnerScoped() {
		t.Error("the empty kind is valid or owner-scoped")
	}
}
