package schema

import (
	"time"

	"github.com/tablegen/tablegen/runtime/layout"
)

// Pos is a position in a YAML source file. Every declaration carries one so
// that later stages (the generator, the lock file, breaking-change rules) can
// report file:line:col without re-reading the source.
type Pos struct {
	File   string // path as given to the loader, slash-separated
	Line   int    // 1-based
	Column int    // 1-based
}

// Kind is what a table is for; it decides how keys are scoped and who may read it.
type Kind string

// The table kinds of the language.
const (
	KindSystem Kind = "system"
	KindShared Kind = "shared"
	KindUser   Kind = "user"   // every key is implicitly prefixed by the owner's user id
	KindStream Kind = "stream" // rows expire after TTL
)

// OwnerScoped reports whether rows of the kind are partitioned by owner: the
// layout's rule, so the loader and the runtime cannot disagree.
func (k Kind) OwnerScoped() bool { return layout.Kind(k).OwnerScoped() }

// Access is the access level of a shared table (see the README's access rules).
type Access string

// The access levels of the language.
const (
	AccessPublic     Access = "public"
	AccessPrivate    Access = "private"
	AccessRestricted Access = "restricted"
	AccessDBA        Access = "dba"
)

// Type is a column type of the table language.
type Type string

// The column types of the language.
const (
	TypeBool      Type = "bool"
	TypeInt32     Type = "int32"
	TypeInt64     Type = "int64"
	TypeUint64    Type = "uint64"
	TypeFloat64   Type = "float64"
	TypeString    Type = "string"
	TypeBytes     Type = "bytes"
	TypeTimestamp Type = "timestamp" // microseconds, UTC
	TypeDuration  Type = "duration"  // microseconds
	TypeUUID      Type = "uuid"
	TypeEnum      Type = "enum"
	TypeJSON      Type = "json"
	TypeDecimal   Type = "decimal" // fixed precision and scale, at most 38 digits
)

// Schema is the validated, normalized model of every table under a schemas
// directory. The generator consumes it as is: it never re-validates.
type Schema struct {
	Tables []*Table // sorted by Namespace, then Name
}

// Table is one validated table declaration.
type Table struct {
	Pos       Pos    // position of the document's first key
	File      string // source path, slash-separated, relative to the schemas dir's parent as given
	Namespace string // e.g. "system"; also the generated Go package name
	Name      string // e.g. "jobs"
	ID        uint32 // stable table id, unique across the schema
	Kind      Kind
	Access    Access // defaults: shared → private; others → "" (kind decides)
	Entity    string // Go name of a row type, e.g. "Job"
	Doc       string
	Key       *KeyType
	Columns   []*Column // in declaration order
	Indexes   []*Index  // sorted by ID
	Reserved  Reserved
	TTL       time.Duration // stream tables only; 0 otherwise
	// MaxRowsPerOwner caps a stream table per owner; 0 means no cap.
	MaxRowsPerOwner int
	// NeverFlush is true when the table's rows always stay hot (YAML
	// flush: never, the default of system and shared tables).
	NeverFlush bool
	// OwnerType is the Go type of a user or stream table's owner
	// (TypeString, TypeUUID or TypeInt64; TypeString by default); "" for
	// other kinds.
	OwnerType Type
}

// FullName is "namespace.table", the name used in errors, the catalog and the CLI.
func (t *Table) FullName() string { return t.Namespace + "." + t.Name }

// Column returns the column named name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// KeyType is the primary key of a table. A key type named by several tables
// has the same columns and types in all of them (validated), so the generator
// emits it once per namespace package.
type KeyType struct {
	Pos     Pos
	Name    string    // as written in YAML, e.g. "JobId"
	GoName  string    // Go identifier with initialisms, e.g. "JobID"
	Columns []*Column // the table's key columns, in key order (pointers into Table.Columns)
	// Desc holds, per key column, whether it sorts descending ("newest first").
	Desc []bool
}

// Column is one column of a table.
type Column struct {
	Pos      Pos
	Name     string // snake_case as written
	GoName   string // exported Go field name, e.g. "CreatedAt", "UserID"
	Tag      int32  // protobuf field number, 1..536870911
	Type     Type
	Nullable bool
	Doc      string
	Values   []string // enum values in declaration order; the stored value is the index
	// GoType is the named Go type tablegen.yaml's go_types gives the field
	// (import/path.Name), set by the generator; "" for the type's default.
	GoType string
	// Precision and Scale are a decimal column's digits in all and after the
	// point (decimal(12,2) holds ±9999999999.99); 0 for other types.
	Precision, Scale int32
}

// Index is a secondary index.
type Index struct {
	Pos     Pos
	Name    string // e.g. "by_status"
	GoName  string // e.g. "ByStatus"
	ID      uint32 // unique within the table, >= 1
	Columns []*Column
	Unique  bool
	// Covering is true when the index's entries carry a copy of the row, so
	// a scan of the index reads no row separately. Never with Unique.
	Covering bool
	Doc      string // from the YAML doc; the generator puts it on the lookup methods
	// Sparse is true when any indexed column is nullable: rows with a null
	// indexed value have no entry.
	Sparse bool
}

// Reserved lists tags and column names that must never be used again.
type Reserved struct {
	Tags    []int32
	Columns []string
}
