// Package compat keeps tables' stored data readable as their schemas evolve.
// It owns the lock file, schemas/tablegen.lock, and the breaking-change rules
// of `tablegen breaking`.
//
// # The lock file
//
// The lock file records, per table, what decides how its rows, keys and index
// entries are laid out on disk: the table id, full name and kind; the key
// columns with their types and direction; every column's tag, name, type,
// nullability and enum values (numbered, since an enum value is stored as its
// position); every index's id, name, columns, uniqueness and whether it is
// covering. It also records every retired id: table ids, and per table the
// column tags and index ids that were removed. A retired id may never be
// used again, because old data may still sit under it.
//
// Build computes the lock from a schema and the previous lock; Marshal writes
// it, one fact per line, sorted, so that a review sees exactly what a change
// does:
//
//	tablegen-lock 1
//
//	table system.jobs
//	  id 5
//	  kind system
//	  key
//	    column job_id string
//	  column 1 job_id string
//	  column 2 status enum
//	    value 0 new
//	    value 1 running
//	  column 3 parameters json nullable
//	  index 1 by_status
//	    column status
//	  retired tag 4 old_name string
//	  retired index 2 by_old
//
//	retired table 9 system.old_table
//
// Words other than letters, digits, '_', '.' and '-' are written as Go
// quoted strings. Lines starting with '#' are comments. Parse reads the file
// back with file:line:col errors.
//
// Retiring is automatic: when `tablegen generate` runs Build with the
// committed lock, every table, column or index that disappeared from the
// schemas moves to the retired lists. Tags listed under `reserved:` are
// recorded as retired too. CheckRetired reports a schema that reuses a retired
// id; the one exception is a column that takes its own tag back with the same
// name and type, which restores it.
//
// # Breaking-change rules
//
// Compare(old, new) reports what a schema change does to data already
// stored. Each Finding prints like a compiler diagnostic, warnings marked:
//
//	schemas/system/jobs.yaml:7:5: COLUMN_TYPE_INCOMPATIBLE: column …
//	schemas/system/jobs.yaml:12:5: warning: UNIQUE_INDEX_ADDED: unique index …
//
// The position is in the new schema, or, for a removal, where the removed
// thing was declared in the old schema (or old lock file). Errors fail
// `tablegen breaking` unless their rule is allowed with --allow; warnings
// never do. The rules:
//
//	TABLE_ID_CHANGED             error    a table's id changed: rows are keyed by table id
//	TABLE_ID_REUSED              error    a table took a retired id, or another table's id
//	TABLE_REMOVED_NOT_RETIRED    error    a table was removed but the new lock does not retire its id
//	TABLE_KIND_CHANGED           error    kind changed between user or stream (owner key prefix) and shared or system
//	                             warning  any other kind change (keys unchanged, expiry/access differ)
//	KEY_CHANGED                  error    key columns, their types, order or desc changed
//	OWNER_TYPE_CHANGED           error    a user or stream table's owner type changed
//	COLUMN_TYPE_INCOMPATIBLE     error    the tag's type changed so stored values are misread
//	COLUMN_TYPE_CHANGED          warning  the type changed so some stored values may be rejected
//	COLUMN_NULLABLE_TO_REQUIRED  error    stored nulls would read as zero values
//	COLUMN_TAG_CHANGED           error    a column (by name) moved to another tag
//	COLUMN_TAG_REUSED            error    a tag that is retired, or held a column still present, is reused
//	COLUMN_RENAMED               warning  same tag, new name: data carries over, flushed Parquet keeps the old name
//	COLUMN_REMOVED_NOT_RETIRED   error    a column was removed but the new lock does not retire its tag
//	ENUM_VALUE_REMOVED           error    an enum value disappeared
//	ENUM_VALUE_RENAMED           error    an enum position has a new name
//	ENUM_VALUES_REORDERED        error    an enum value moved to another position
//	DECIMAL_SCALE_CHANGED        error    a decimal's scale changed: stored unscaled integers would read ×10^k
//	DECIMAL_PRECISION_NARROWED   error    a decimal's precision shrank: stored values may not fit
//	DECIMAL_PRECISION_WIDENED    warning  a decimal's precision grew: flushed Parquet keeps the old DECIMAL(p,s)
//	UNIQUE_INDEX_ADDED           warning  existing rows may hold duplicates; the backfill would fail
//	INDEX_COLUMNS_CHANGED        error    same index id, other columns, column types or uniqueness
//	INDEX_ID_REUSED              error    an index took a retired id
//	INDEX_REMOVED_NOT_RETIRED    error    an index was removed but the new lock does not retire its id
//
// Changes that keep every stored byte's meaning report nothing, even those
// the store does work for when the database opens: an added index is
// backfilled from the rows, and an index that starts or stops covering
// (runtime/layout's safe rule INDEX_COVERING_CHANGED) has its entries
// rebuilt from them.
//
// Tables are matched by full name, then by id (a rename keeps the id and the
// data); columns by tag; indexes by id. "Retired in the new lock" means the
// lock file next to the new schemas lists the id, which `tablegen generate`
// does when it sees the removal; the rules thus catch a removal committed
// without regenerating.
//
// Enum values are stored as their position in declaration order (0, 1, 2 …),
// so appending values is safe and every other edit to the list is not.
// Adding a column is always safe: old rows decode with it null (or zero). A
// key column's type may not change at all, and neither may an indexed
// column's, since both change the order-preserving key encoding (int32 keys
// are 4 bytes, int64 keys 8).
//
// # Column type compatibility
//
// Rows are protobuf wire format with the tag as field number (runtime/rowenc):
// bool, int32, int64, uint64 and enum are varints (int32 sign-extended, as
// protobuf does), timestamp and duration zigzag varints of microseconds,
// float64 fixed64, and string, bytes, json, uuid and decimal length-delimited
// (a decimal is its unscaled integer, so it changes to and from no other type). A type
// change keeps a tag's stored values readable only as this table says
// (TestTypeChangeTable checks it against the code); every change not listed
// is COLUMN_TYPE_INCOMPATIBLE:
//
//	from                        to                          verdict
//	int32                       int64                       safe
//	bool                        int32, int64, uint64        safe
//	enum                        int32, int64, uint64        safe (the position becomes the number)
//	string                      bytes                       safe
//	json                        string, bytes               safe
//	uuid                        bytes                       safe (16 raw bytes)
//	bytes                       string                      warning (stored bytes need not be UTF-8)
//	string, bytes               json                        warning (stored text need not be JSON)
//	int64                       int32                       error (narrowing: large values fail to decode)
//	int32, int64                uint64                      error (negatives read as huge numbers)
//	uint64                      int32, int64                error (values ≥ 2^63 read as negatives)
//	timestamp                   duration                    error (same bits, different meaning)
//	duration                    timestamp                   error (same bits, different meaning)
//	bool, int32, int64, uint64  timestamp, duration         error (zigzag vs plain varint)
//	timestamp, duration         bool, int32, int64, uint64  error (zigzag vs plain varint)
//	int32, int64, uint64        enum                        error (numbers need not be valid positions)
//	int32, int64, uint64, enum  bool                        error (only 0 and 1 are booleans)
//	string, bytes, json         uuid                        error (only 16-byte values are UUIDs)
//	uuid                        string, json                error (raw bytes, not the text form)
//	float64                     any other type              error (fixed64 wire type)
//
// Across wire types (varint, fixed64, length-delimited) nothing decodes.
package compat
