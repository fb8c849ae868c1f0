// Package jsonschema produces the JSON Schema (draft 2020-12) of tablegen's
// table language.
//
// Editors that run yaml-language-server (VS Code's YAML extension, Neovim,
// Helix, JetBrains) read it from the `# yaml-language-server: $schema=…` line
// that `tablegen new` writes at the top of every table file, and then complete
// keys, show each key's documentation on hover and flag typos, bad types and
// missing keys while the file is typed — before `tablegen generate` runs.
//
// The schema is a convenience for editors, not the authority: internal/schema
// is. It mirrors the loader's per-file rules (keys, types, enums, name
// patterns, ranges, which keys each kind allows) but cannot express the rules
// that span columns or files (unique tags, key columns that exist, shared key
// types), which only the loader reports.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/tablegen/tablegen/internal/schema"
)

// ID is the $id of the schema: where the repository publishes it.
const ID = "https://github.com/tablegen/tablegen/schemas/tablegen.schema.json"

// Name patterns, identical to the loader's: lower snake_case for names that
// become files, columns and constants; CamelCase for Go type names.
const (
	SnakePattern = `^[a-z][a-z0-9]*(_[a-z0-9]+)*$`
	CamelPattern = `^[A-Z][A-Za-z0-9]*$`
	// DurationPattern accepts what the loader's schema.ParseTTL does: Go
	// duration syntax (time.ParseDuration) plus the units d and w.
	DurationPattern = `^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d|w)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h|d|w))*$`
)

// types lists the column types in the order the language documents them,
// with a one-line description each (shown in editor completion lists).
var types = []struct {
	Type schema.Type
	Doc  string
}{
	{schema.TypeBool, "true or false (Go bool)."},
	{schema.TypeInt32, "32-bit signed integer (Go int32)."},
	{schema.TypeInt64, "64-bit signed integer (Go int64); also row ids."},
	{schema.TypeUint64, "64-bit unsigned integer (Go uint64)."},
	{schema.TypeFloat64, "64-bit float (Go float64); cannot be a key or index column."},
	{schema.TypeString, "UTF-8 text (Go string)."},
	{schema.TypeBytes, "Raw bytes (Go []byte)."},
	{schema.TypeTimestamp, "Point in time, stored as microseconds since the Unix epoch, UTC (Go time.Time)."},
	{schema.TypeDuration, "Length of time, stored in microseconds (Go time.Duration)."},
	{schema.TypeUUID, "128-bit UUID (Go [16]byte)."},
	{schema.TypeEnum, "One of a fixed list of names given in `values`; stored as its position in the list, generated as a Go type with constants."},
	{schema.TypeJSON, "A JSON document stored as bytes (Go json.RawMessage); cannot be a key or index column."},
	{schema.TypeDecimal, "Exact decimal with a fixed precision and scale (Go apd.Decimal from github.com/cockroachdb/apd/v3; Arrow decimal128, Parquet DECIMAL); values that need rounding are refused."},
}

// kinds lists the table kinds with a description each.
var kinds = []struct {
	Kind schema.Kind
	Doc  string
}{
	{schema.KindSystem, "Metadata of the service itself (users, jobs, …). Readable by the service role and above unless `access` says otherwise."},
	{schema.KindShared, "Data shared by all users. Who may read it is set by `access` (default private)."},
	{schema.KindUser, "Data partitioned by owner: every key is implicitly prefixed by the owner's user id, and the generated store cannot be used without naming the owner."},
	{schema.KindStream, "Short-lived events keyed by event time that expire after `ttl`; optionally capped per owner by `max_rows_per_owner`."},
}

// accesses lists the access levels with a description each.
var accesses = []struct {
	Access schema.Access
	Doc    string
}{
	{schema.AccessPublic, "Every role may read (user and above); service and above may write."},
	{schema.AccessPrivate, "Service and above may read and write (the default for shared tables)."},
	{schema.AccessRestricted, "Service and above may read; only dba and system may write."},
	{schema.AccessDBA, "Only dba and system may read or write."},
}

// Generate returns the JSON Schema of the table language, indented and
// newline-terminated. The output depends on nothing but this package, so it
// is byte-identical across runs and machines: `tablegen check` regenerates it
// and compares it with the committed schemas/tablegen.schema.json.
func Generate() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep `<`, `>` and `&` readable in descriptions
	enc.SetIndent("", "  ")
	if err := enc.Encode(document()); err != nil {
		// Every value in the document is a string, number, bool, slice or map
		// of those, which encoding/json always encodes; an error here would be
		// a bug in this package. Return the message as the document so the
		// check that compares it with the committed file reports it.
		return []byte(fmt.Sprintf("{\"error\": %q}\n", err.Error()))
	}
	return buf.Bytes()
}

func document() *node {
	kindNames := make([]string, len(kinds))
	kindDocs := make([]string, len(kinds))
	for i, k := range kinds {
		kindNames[i], kindDocs[i] = string(k.Kind), k.Doc
	}
	accessNames := make([]string, len(accesses))
	accessDocs := make([]string, len(accesses))
	for i, a := range accesses {
		accessNames[i], accessDocs[i] = string(a.Access), a.Doc
	}

	table := object(
		"One table of tablegen's table language. Each file schemas/<namespace>/<table>.yaml declares exactly one table; `tablegen generate` compiles it into Go (typed key, entity struct, codec, store, indexes, Arrow schema and scan provider).",
		[]string{"namespace", "table", "id", "kind", "entity", "key", "columns"},
		map[string]*node{
			"namespace": str("Namespace of the table, in lower snake_case. It names the generated Go package (<out>/<namespace>/, out set in tablegen.yaml) and the directory the file lives in. Not a Go keyword, not `main`, `internal`, `testdata` or `vendor`, and not ending in `_test`.", SnakePattern),
			"table":     str("Name of the table, in lower snake_case, unique within its namespace. It names the file (<table>.yaml) and the generated files (<table>.go, <table>_store.go …).", SnakePattern),
			"id":        integer("Stable table id, unique across the schema. It is part of every stored key, so never change it and never reuse the id of a deleted table (the lock file remembers retired ids). `tablegen new` picks the next free one.", 1, math.MaxUint32),
			"kind":      enumOf("What the table is for; decides how keys are scoped and who may read it.", kindNames, kindDocs),
			"entity":    str("Go type name of one row, an exported CamelCase identifier with Go initialisms in capitals (UserID, not UserId), e.g. Job.", CamelPattern),
			"doc":       str("What one row is. It becomes the doc comment of the generated entity type and the table's description in docs/schema.", ""),
			"key":       ref("key", "The primary key: a named key type and the columns it is made of, in order."),
			"columns": array("The columns, in declaration order. Each has a unique snake_case name and a unique, never-reused tag.",
				ref("column", "One column."), 1, false),
			"indexes": array("Secondary indexes, kept in the same write batch as their rows. Lookups by index columns; unique indexes refuse a second row with the same values.",
				ref("index", "One secondary index."), 0, false),
			"reserved": ref("reserved", "Tags and column names of removed columns, which must never be used again."),
			"flush": enumOf("Whether `tablegen flush` may move the table's rows to Parquet. System and shared tables default to never (bookkeeping and reference rows stay hot), user and stream tables to allowed. Changing it is not a layout change.",
				[]string{"never", "allowed"}, []string{"The rows always stay hot: flush refuses the table, and a flush of several tables skips it.", "Flush may move the table's rows to cold segments; they stay rows of the table."}),
		},
	)
	// Keys that only some kinds have are offered in the if/then branch of
	// those kinds; propertyNames keeps the object closed to typos.
	ttl := str("How long a row lives after its event time (required for stream tables): Go duration syntax plus d (24h) and w (7d), such as 30s, 15m, 24h, 30d or 2w. Expired rows are never returned and are removed with range deletions.", DurationPattern)
	maxRows := integer("The most rows one owner may hold; the oldest are dropped first. Omit for no cap.", 1, math.MaxInt64)
	access := enumOf("Who may read and write the table through providers, by role (user < service < dba < system). Shared tables default to private; system tables are written only by the system role and read by service and above unless set.", accessNames, accessDocs)
	table.PropertyNames = &node{Type: "string", Enum: append(slices.Sorted(maps.Keys(table.Properties)), "access", "max_rows_per_owner", "owner", "ttl")}
	slices.Sort(table.PropertyNames.Enum)
	table.AdditionalProperties = nil
	table.Schema = "https://json-schema.org/draft/2020-12/schema"
	table.ID = ID
	table.Title = "tablegen table"
	isKind := func(k ...schema.Kind) *node {
		names := make([]string, len(k))
		for i, x := range k {
			names[i] = string(x)
		}
		return &node{Type: "object", Required: []string{"kind"}, Properties: map[string]*node{"kind": {Type: "string", Enum: names}}}
	}
	// has matches an object with any of keys; under not, it forbids them
	// without offering them for completion.
	has := func(desc string, keys ...string) *node {
		n := &node{Type: "object", Description: desc, Properties: map[string]*node{}}
		for _, k := range keys {
			n.AnyOf = append(n.AnyOf, &node{Type: "object", Required: []string{k}, Properties: map[string]*node{k: {}}})
		}
		return n
	}
	table.AllOf = []*node{
		{
			If: isKind(schema.KindStream),
			Then: &node{
				Type:     "object",
				Required: []string{"ttl"},
				Properties: map[string]*node{
					"ttl":                ttl,
					"max_rows_per_owner": maxRows,
					"indexes":            forbidden("stream tables have no secondary indexes (expiry deletes key ranges, which would leave entries behind); remove indexes or use kind: user."),
				},
			},
			Else: &node{Type: "object", AllOf: []*node{
				{Not: has("ttl applies only to stream tables; remove it or set kind: stream.", "ttl")},
				{Not: has("max_rows_per_owner applies only to stream tables; remove it or set kind: stream.", "max_rows_per_owner")},
			}},
		},
		{
			If: isKind(schema.KindUser, schema.KindStream),
			Then: &node{Type: "object", Properties: map[string]*node{"owner": object(
				"The owner's Go type, which For(owner), AllOwners and Owners use (default string). Every type is stored as its text form; changing it is a breaking change.",
				[]string{"type"},
				map[string]*node{"type": enumOf("The Go type of the owner.", []string{"string", "uuid", "int64"},
					[]string{"string (the default).", "uuid.UUID, stored as its canonical lowercase hyphenated text.", "int64, stored as its decimal text (owners list in text order)."})},
			)}},
			Else: &node{Type: "object", Not: has("owner applies only to user and stream tables; remove it (other kinds have no owner).", "owner")},
		},
		{
			If:   isKind(schema.KindShared, schema.KindSystem),
			Then: &node{Type: "object", Properties: map[string]*node{"access": access}},
			Else: &node{Type: "object", Not: has("access applies only to shared and system tables; remove it (who may read a user or stream table follows from its kind).", "access")},
		},
	}

	colName := str("Column name in lower snake_case; the Go field name is derived from it (created_at → CreatedAt, user_id → UserID).", SnakePattern)
	typeNames := make([]string, len(types))
	typeDocs := make([]string, len(types))
	for i, t := range types {
		typeNames[i], typeDocs[i] = string(t.Type), t.Doc
	}
	column := object("One column of the table.", []string{"name", "tag", "type"}, map[string]*node{
		"name": colName,
		"tag": described(&node{
			Type:    "integer",
			Minimum: ptr[int64](1),
			Maximum: ptr[int64](schema.MaxTag),
			Not: &node{
				Description: "Tags 19000..19999 are reserved by protobuf itself.",
				Type:        "integer", Minimum: ptr[int64](19000), Maximum: ptr[int64](19999),
			},
		}, "Protobuf field number of the column in stored rows: unique in the table, 1..536870911 except 19000..19999 (reserved by protobuf). Never change it and never reuse the tag of a removed column (list it under reserved.tags)."),
		"type":     enumOf("Column type.", typeNames, typeDocs),
		"nullable": boolean("Whether the column may be null (a pointer or explicit-null field in Go). Key columns cannot be nullable; a row whose indexed column is null has no entry in that index (sparse)."),
		"doc":      str("What the column holds. It becomes the Go field's doc comment and appears in docs/schema.", ""),
		"values": array("Enum columns only (and required there): the enum's values in lower snake_case. A value is stored as its position in this list, so only append new values.",
			str("One enum value, in lower snake_case.", SnakePattern), 1, true),
		"precision": integer("Decimal columns only (and required there): digits in all, 1..38. Part of what stored values mean: it may only grow.", 1, schema.MaxDecimalPrecision),
		"scale":     integer("Decimal columns only: digits after the point, 0 (the default) up to the precision. Values are stored as v×10^scale, so it never changes.", 0, schema.MaxDecimalPrecision),
	})
	isType := func(t schema.Type) *node {
		return &node{Type: "object", Required: []string{"type"}, Properties: map[string]*node{"type": {Type: "string", Const: string(t)}}}
	}
	column.AllOf = []*node{
		{
			If: isType(schema.TypeEnum),
			Then: &node{Type: "object", Required: []string{"values"}, Properties: map[string]*node{
				"values": {Description: "Required on enum columns."},
			}},
			Else: &node{Type: "object", Properties: map[string]*node{
				"values": forbidden("values is only allowed on enum columns; remove it or set type: enum."),
			}},
		},
		{
			If: isType(schema.TypeDecimal),
			Then: &node{Type: "object", Required: []string{"precision"}, Properties: map[string]*node{
				"precision": {Description: "Required on decimal columns."},
			}},
			Else: &node{Type: "object", Properties: map[string]*node{
				"precision": forbidden("precision is only allowed on decimal columns; remove it or set type: decimal."),
				"scale":     forbidden("scale is only allowed on decimal columns; remove it or set type: decimal."),
			}},
		},
	}

	key := object("The primary key of the table.", []string{"type", "columns"}, map[string]*node{
		"type": str("Go type name of the key, in CamelCase, e.g. JobId. Several tables may share a key type when its columns, types and desc are the same in all of them.", CamelPattern),
		"columns": array("The key's columns in key order; they must exist, be non-nullable and not float64 or json. Stream tables start with their event-time timestamp. User tables are additionally prefixed by the owner.",
			str("A column of this table.", SnakePattern), 1, true),
		"desc": array("Key columns that sort descending (newest first), e.g. [created_at].",
			str("A key column.", SnakePattern), 0, true),
	})

	index := object("A secondary index.", []string{"name", "id", "columns"}, map[string]*node{
		"name": str("Index name in lower snake_case, conventionally by_<columns>, e.g. by_status; it names the generated lookup methods.", SnakePattern),
		"id":   integer("Index id, unique within the table and never reused: it is part of every stored index entry.", 1, math.MaxUint32),
		"columns": array("The indexed columns, in order; not float64 or json. If any is nullable the index is sparse: rows with a null value have no entry.",
			str("A column of this table.", SnakePattern), 1, true),
		"unique":   boolean("Whether at most one row may have the same indexed values; a second is refused with an error."),
		"covering": boolean("Entries carry a copy of the row, so scans of the index read no row separately; costs a second copy of each row, kept after flush. Not with unique."),
		"doc":      str("What the index is for. It becomes the doc comment of the generated lookup methods.", ""),
	})
	// The loader refuses unique with covering; saying so here lets an editor
	// flag it while the file is typed.
	index.Not = &node{
		Type:        "object",
		Description: "an index is not both unique and covering: a unique index finds its one row with one read; remove covering or unique.",
		Required:    []string{"unique", "covering"},
		Properties:  map[string]*node{"unique": {Const: true}, "covering": {Const: true}},
	}

	reserved := object("Tags and column names of removed columns. Old rows and old readers still give them their old meaning, so they must never be used again.", nil, map[string]*node{
		"tags": array("Retired column tags.",
			integer("A retired tag.", 1, schema.MaxTag), 0, true),
		"columns": array("Retired column names.", str("A retired column name.", SnakePattern), 0, true),
	})

	table.Defs = map[string]*node{"key": key, "column": column, "index": index, "reserved": reserved}
	return table
}
