// Package scan turns a table's stored rows into Apache Arrow record batches
// with projection, filter and limit pushdown. It is the Go counterpart of a
// DataFusion TableProvider: [Provider.Schema] describes the table,
// [Provider.SupportsFilters] says which filters it applies, and
// [Provider.Scan] streams [arrow.RecordBatch]es.
//
// It also merges a table's hot rows with its flushed segments
// ([Provider.ScanUnion]) through the [Segment] interface, which
// runtime/flush implements over its Parquet files: this package reads no
// file format and imports neither Parquet nor gRPC. Every reader holds a
// store.Lease, so closing the DB ends open scans with store.ErrClosed.
//
// The package knows no particular table. It works from a [layout.Table] (the
// binding description of a table's bytes) plus [Docs], so the same code serves
// generated providers and tools that only have the YAML (tablegen inspect).
//
// # Arrow types
//
// bool, int32, int64, uint64 and float64 map to the Arrow types of the same
// name; string → utf8; bytes → binary; timestamp → timestamp[us, UTC];
// duration → duration[us]; uuid → the canonical extension type arrow.uuid
// (fixed_size_binary[16] storage); json → the canonical extension type
// arrow.json (utf8 storage); decimal(p,s) → decimal128(p,s), which
// pqarrow flushes as Parquet DECIMAL(p,s). A decimal literal in a filter
// is a number or string that fits the column exactly.
//
// Enums are plain utf8 holding the value's name, not dictionary<int16, utf8>.
// The dictionary form would save a few bytes per row in memory, but: every
// consumer (DuckDB, DataFusion, the Arrow CSV/JSON writers, pandas) reads
// utf8 without special cases; a dictionary per batch complicates
// concatenation and IPC streams (dictionary replacement/deltas) for little
// gain on small batches; Parquet dictionary-encodes repeated strings by
// itself, so the flushed files are as small either way; and the Arrow type
// does not have to change in spirit when an enum gains a value. A stored
// ordinal outside the declared values is reported as a corrupt row.
//
// Column docs and tags travel in field metadata (keys [MetaDoc] and
// [MetaTag]); the table doc and full name in schema metadata ([MetaDoc],
// [MetaTable]).
//
// # Filters
//
// A filter is an [Expr] tree: a column compared with a literal ([Cmp]), [In],
// [IsNull], a string prefix ([Prefix], what LIKE 'abc%' means), [And], [Or]
// and [Not]. Binding a filter to a table (done by Scan and SupportsFilters)
// checks every column and literal type; errors name both ([ExprError]).
//
// Evaluation follows SQL's three-valued logic: a comparison, IN or prefix
// test on a NULL column value is UNKNOWN, not false; NOT UNKNOWN is UNKNOWN;
// AND is false if either side is false, OR is true if either side is true,
// otherwise UNKNOWN propagates. A row is returned only when the whole filter
// is TRUE. So `NOT (email = 'a')` does not return rows whose email is NULL,
// exactly as in SQL. NULL cannot be a literal: write IS [NOT] NULL. float64
// compares by IEEE rules (NaN equals nothing, != everything). Enums compare by
// their declaration order (the stored ordinal), which is also the order of
// their key encoding.
//
// # Order of operations
//
// A scan applies the filter, then the limit, then the projection: the limit
// counts rows that passed the filter, and a filter may use columns that are
// not projected. Only the projected and filtered columns are decoded.
// Rows come out in primary-key order for key and full scans, and in index
// order (index values, then primary key) for index scans; [Plan] says which.
//
// Memory is bounded by the batch size (default 8192 rows), never by the table
// size: one batch is built at a time and the previous one is released by the
// next call to Next (Retain a batch to keep it). The limit stops the
// underlying Pebble iteration as soon as it is met. A cancelled context ends
// the scan between batches and every batch-size rows examined.
package scan
