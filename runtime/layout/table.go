package layout

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is a table's kind, as declared in YAML (`kind:`). The kind decides
// how keys are scoped, which is part of what the stored bytes mean, and
// whether rows expire.
type Kind string

// The table kinds.
const (
	// System tables hold the database's own bookkeeping; keys are not
	// scoped by owner.
	System Kind = "system"
	// Shared tables hold rows every owner sees; keys are not scoped by owner.
	Shared Kind = "shared"
	// User tables prefix every key with the owner's user id.
	User Kind = "user"
	// Stream tables are user tables whose rows expire after the table's TTL.
	Stream Kind = "stream"
)

// Kinds lists every kind, in documentation order.
var Kinds = []Kind{System, Shared, User, Stream}

// OwnerScoped reports whether the table's keys carry the owner's scope
// (kind user and stream): one owner's rows are one contiguous key range,
// and changing this misreads every stored key.
func (k Kind) OwnerScoped() bool { return k == User || k == Stream }

// Expires reports whether rows of the kind expire after the table's TTL
// (kind stream).
func (k Kind) Expires() bool { return k == Stream }

// LiveCutoff returns the event time before which a row of the table has
// expired at now (now - TTL, truncated to the microseconds keys store),
// and false when the table's rows do not expire (not a stream table, or no
// TTL). It is the one expiry rule: the store's reads, the providers, the
// catalog, inspect and flush all hide rows whose event time (the first key
// column) is before it.
func (t *Table) LiveCutoff(now time.Time) (time.Time, bool) {
	if !t.Kind.Expires() || t.TTL <= 0 {
		return time.Time{}, false
	}
	return time.UnixMicro(now.Add(-t.TTL).UnixMicro()).UTC(), true
}

// Valid reports whether k is one of the four kinds.
func (k Kind) Valid() bool {
	switch k {
	case System, Shared, User, Stream:
		return true
	}
	return false
}

// Table describes what a table's bytes mean on disk. The store records it
// the first time a table is registered in a database and diffs it against
// the build's on every later open. Its JSON encoding is that record (see
// [Table.Fingerprint]); fields added after the first release are omitted
// when empty, so a table that does not use them keeps its fingerprint.
type Table struct {
	ID        uint32      `json:"id"`
	Namespace string      `json:"namespace"`
	Name      string      `json:"name"`
	Kind      Kind        `json:"kind"`
	Key       []KeyColumn `json:"key,omitempty"`
	Columns   []Column    `json:"columns,omitempty"`
	Indexes   []Index     `json:"indexes,omitempty"`
	// TTL is how long rows of a stream table live, counted from the event
	// time (the first key column). 0 for other kinds.
	TTL time.Duration `json:"ttl,omitempty"`
	// MaxRowsPerOwner caps the rows one owner keeps in a stream table
	// (older ones are expired first); 0 means no cap.
	MaxRowsPerOwner int `json:"max_rows_per_owner,omitempty"`
	// NeverFlush says the table's rows always stay hot (YAML flush: never,
	// the default of system and shared tables): runtime/flush refuses it.
	// It is a policy on an operation, not part of what the bytes mean, so
	// Canonical drops it: it is in neither the fingerprint nor the stored
	// record, and changing it is no layout change.
	NeverFlush bool `json:"never_flush,omitempty"`
	// Owner is the Go type of a user or stream table's owner: "" for
	// string, "int64" or "uuid". Every type is stored as its text form (see
	// store.Owner), so the type decides which stored owners the typed API
	// can read, and changing it is refused.
	Owner string `json:"owner,omitempty"`
}

// KeyColumn is one column of the primary key, in key order.
type KeyColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Desc bool   `json:"desc,omitempty"` // encoded descending ("newest first")
}

// Column is one column of the row; Tag is its protobuf field number.
type Column struct {
	Tag      int32    `json:"tag"`
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Nullable bool     `json:"nullable,omitempty"`
	Values   []string `json:"values,omitempty"` // enum values; the stored value is the index
	// Precision and Scale are a decimal column's digits in all and after the
	// point; rows store the unscaled integer, so both are part of what stored
	// values mean. 0 for other types.
	Precision int32 `json:"precision,omitempty"`
	Scale     int32 `json:"scale,omitempty"`
}

// MaxDecimalPrecision is the most digits a decimal column holds, what a
// 128-bit integer (Arrow decimal128, a 16-byte Parquet DECIMAL) holds.
const MaxDecimalPrecision = 38

// Index is one secondary index.
type Index struct {
	ID      uint32   `json:"id"`
	Name    string   `json:"name"`
	Columns []string `json:"columns,omitempty"`
	Unique  bool     `json:"unique,omitempty"`
	// Covering entries carry a copy of their row, so a scan of the index
	// reads its rows in index order from the entries alone instead of one
	// scattered row read per match. It costs a second copy of each row in
	// the store (kept when the row is flushed) and rewrites the entry on
	// every write of the row. Only non-unique indexes cover: a unique
	// index finds one row, with one read.
	Covering bool `json:"covering,omitempty"`
}

// FullName is "namespace.name", the name errors use.
func (t *Table) FullName() string { return t.Namespace + "." + t.Name }

// Column returns the column named name.
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// Validate reports what makes t unusable as a table description: an
// unknown kind or type, duplicate or zero tags and index ids, key or index
// columns that are not columns (when columns are listed), a TTL on a kind that does not expire. The
// schema loader rejects all of these in YAML; Validate guards descriptions
// built by hand or read from disk.
func (t *Table) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if t.ID == 0 {
		bad("table id is 0; table ids start at 1")
	}
	if t.Namespace == "" || t.Name == "" {
		bad("namespace and name must both be set (got %q)", t.FullName())
	}
	if !t.Kind.Valid() {
		bad("unknown kind %q; use one of system, shared, user, stream", t.Kind)
	}
	tags := map[int32]bool{}
	names := map[string]bool{}
	for _, c := range t.Columns {
		switch {
		case c.Tag <= 0:
			bad("column %s has tag %d; tags start at 1", c.Name, c.Tag)
		case tags[c.Tag]:
			bad("tag %d is used by two columns", c.Tag)
		}
		tags[c.Tag] = true
		if names[c.Name] {
			bad("column name %s is used twice", c.Name)
		}
		names[c.Name] = true
		if !knownType(c.Type) {
			bad("column %s has unknown type %q", c.Name, c.Type)
		}
		if (c.Type == "enum") != (len(c.Values) > 0) {
			bad("column %s: enum values are set exactly when the type is enum", c.Name)
		}
		if c.Type == "decimal" && (c.Precision < 1 || c.Precision > MaxDecimalPrecision || c.Scale < 0 || c.Scale > c.Precision) {
			bad("column %s: decimal(%d,%d) needs 1 <= precision <= %d and 0 <= scale <= precision", c.Name, c.Precision, c.Scale, MaxDecimalPrecision)
		}
		if c.Type != "decimal" && (c.Precision != 0 || c.Scale != 0) {
			bad("column %s: precision and scale are set only on decimal columns", c.Name)
		}
	}
	for _, k := range t.Key {
		if _, ok := t.Column(k.Name); !ok && len(t.Columns) > 0 {
			bad("key column %s is not a column", k.Name)
		}
		if !knownType(k.Type) {
			bad("key column %s has unknown type %q", k.Name, k.Type)
		}
	}
	ids := map[uint32]bool{}
	for _, ix := range t.Indexes {
		switch {
		case ix.ID == 0:
			bad("index %s has id 0; index ids start at 1", ix.Name)
		case ids[ix.ID]:
			bad("index id %d is used twice", ix.ID)
		}
		ids[ix.ID] = true
		if ix.Covering && ix.Unique {
			bad("index %s is unique and covering; only a non-unique index covers", ix.Name)
		}
		for _, name := range ix.Columns {
			if _, ok := t.Column(name); !ok && len(t.Columns) > 0 {
				bad("index %s column %s is not a column", ix.Name, name)
			}
		}
	}
	if t.TTL < 0 || t.MaxRowsPerOwner < 0 {
		bad("ttl and max rows per owner must not be negative")
	}
	switch {
	case t.Owner != "" && t.Owner != "int64" && t.Owner != "uuid":
		bad("owner type %q is not one of int64, uuid (or empty for string)", t.Owner)
	case t.Owner != "" && !t.Kind.OwnerScoped():
		bad("kind %s has no owner, but an owner type %s is set", t.Kind, t.Owner)
	}
	if !t.Kind.Expires() && (t.TTL != 0 || t.MaxRowsPerOwner != 0) {
		bad("kind %s rows do not expire, but a ttl or max rows per owner is set", t.Kind)
	}
	if err := errors.Join(errs...); err != nil {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		return fmt.Errorf("layout of table %s: %s", t.FullName(), strings.Join(msgs, "; "))
	}
	return nil
}
