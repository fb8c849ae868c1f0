package scan

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tablegen/tablegen/runtime/layout"
)

// Metadata keys written into Arrow schemas. They let a consumer of an Arrow
// stream or a Parquet file trace a column back to its YAML declaration.
const (
	// MetaDoc holds a column's doc in field metadata, and the table's doc in
	// schema metadata. Absent when the doc is empty.
	MetaDoc = "tablegen.doc"
	// MetaTag holds a column's protobuf field number (decimal) in field
	// metadata; it is the column's stable identity across renames.
	MetaTag = "tablegen.tag"
	// MetaTable holds "namespace.table" in schema metadata.
	MetaTable = "tablegen.table"
	// MetaType holds, in field metadata of a flushed Parquet file, what
	// the Arrow type alone does not say: "json" and "duration" columns,
	// and "owner" for the added column of owner ids (see [Segment]).
	MetaType = "tablegen.type"
)

// Docs are the human descriptions that go into Arrow metadata. They are kept
// apart from [layout.Table] because they do not change what stored bytes mean
// and so must not change the layout fingerprint.
type Docs struct {
	Table   string
	Columns map[string]string // column name → doc; missing = no doc
}

// ArrowSchema builds the Arrow schema of a table: one field per column in
// layout order, nullable exactly when the column is, with docs and tags in
// metadata (see the package doc for the type mapping). Generated code calls
// it once per table (sync.OnceValues); it errors only for a layout this
// package cannot scan, which the generator never emits.
func ArrowSchema(l *layout.Table, docs Docs) (*arrow.Schema, error) {
	t, err := newTable(l)
	if err != nil {
		return nil, err
	}
	return t.arrowSchema(docs), nil
}

func (t *table) arrowSchema(docs Docs) *arrow.Schema {
	fields := make([]arrow.Field, len(t.cols))
	for i := range t.cols {
		fields[i] = t.field(i, docs.Columns[t.cols[i].Name])
	}
	keys := []string{MetaTable}
	vals := []string{t.name}
	if docs.Table != "" {
		keys = append(keys, MetaDoc)
		vals = append(vals, docs.Table)
	}
	md := arrow.NewMetadata(keys, vals)
	return arrow.NewSchema(fields, &md)
}

func (t *table) field(i int, doc string) arrow.Field {
	c := &t.cols[i]
	keys := []string{MetaTag}
	vals := []string{strconv.FormatInt(int64(c.Tag), 10)}
	if doc != "" {
		keys = append(keys, MetaDoc)
		vals = append(vals, doc)
	}
	return arrow.Field{
		Name:     c.Name,
		Type:     c.arrowType(),
		Nullable: c.Nullable,
		Metadata: arrow.NewMetadata(keys, vals),
	}
}

// arrowType is the column's Arrow type: decimal128(p,s) for a decimal,
// otherwise the one of its type.
func (c *column) arrowType() arrow.DataType {
	if c.typ == tDecimal {
		return &arrow.Decimal128Type{Precision: c.Precision, Scale: c.Scale}
	}
	return arrowType(c.typ)
}

func arrowType(t colType) arrow.DataType {
	switch t {
	case tBool:
		return arrow.FixedWidthTypes.Boolean
	case tInt32:
		return arrow.PrimitiveTypes.Int32
	case tInt64:
		return arrow.PrimitiveTypes.Int64
	case tUint64:
		return arrow.PrimitiveTypes.Uint64
	case tFloat64:
		return arrow.PrimitiveTypes.Float64
	case tString, tEnum:
		return arrow.BinaryTypes.String
	case tBytes:
		return arrow.BinaryTypes.Binary
	case tTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case tDuration:
		return arrow.FixedWidthTypes.Duration_us
	case tUUID:
		return uuidType
	case tJSON:
		return jsonType
	}
	// newTable rejects unknown types, so this is unreachable; null keeps the
	// function total without a panic.
	return arrow.Null
}

// projectSchema returns the schema of the given columns (positions), in that
// order, keeping field and schema metadata.
func projectSchema(full *arrow.Schema, cols []int) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = full.Field(c)
	}
	md := full.Metadata()
	return arrow.NewSchema(fields, &md)
}

// describe formats a column's type for messages.
func (c *column) describe() string {
	switch c.typ {
	case tEnum:
		return fmt.Sprintf("enum %v", c.Values)
	case tDecimal:
		return fmt.Sprintf("decimal(%d,%d)", c.Precision, c.Scale)
	}
	return c.Type
}
