// Package store is the generic typed store that generated tables run on: one
// Pebble database holds every table, each row and each secondary-index entry
// under its own keyspace, and a typed [Table] turns Go values into keys and
// rows through the codec functions of a [Spec].
//
// # Keyspace
//
// The on-disk layout is binding (see DESIGN.md); every key starts with a
// keyspace byte:
//
//	0x01 meta:  0x01 + BE uint32 table id                      → JSON of the table's Layout and fingerprint
//	0x02 rows:  0x02 + BE uint32 table id + scope + key tuple  → row (protobuf wire format)
//	0x03 index: 0x03 + BE uint32 table id + BE uint32 index id + scope + index values [+ key tuple] → scope + key tuple
//
// A unique index entry's key is the index values alone; a non-unique entry's
// key is the index values followed by the row's key tuple, so every entry is
// one Pebble key and nothing grows. The value of both kinds of entry is the
// row's key without its table prefix (scope + key tuple): a reader, and
// [Table.Verify], can find the row from the entry without knowing where the
// index values end. The scope is empty for system, shared and stream tables;
// for user tables it is the encoded owner (see [Table.WithScope]).
//
// # Consistency
//
// Every Put, Delete and [Batch] writes a row and all its index entries in one
// Pebble batch, so they become visible together or not at all. Writes to
// tables that have indexes go through one commit path per [DB], serialized
// by a mutex: it reads the old rows, checks unique indexes and applies the
// changes in an indexed Pebble batch that it then commits, all while holding
// the mutex. That is why two goroutines inserting the same unique value can
// never both succeed: the second one runs after the first has committed and
// sees its entry. Writes to tables without indexes need no read and skip the
// mutex.
//
// Scans read from one consistent snapshot: a primary scan uses one Pebble
// iterator, an index scan a Pebble snapshot from which it reads both the
// entries and the rows they point to, so a concurrent writer can never make
// an index scan return a row that does not match the index.
package store
