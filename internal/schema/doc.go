// Package schema is the front end of the table language: it reads the YAML
// table declarations under schemas/, validates them like a compiler (every
// problem at once, each as "file:line:col: what is wrong; how to fix it") and
// returns a normalized model that the generator consumes without
// re-validating.
//
// # Files
//
// One table per file, at <schemas>/<namespace>/<table>.yaml (Load enforces the
// layout; ParseFiles does not). Block and flow YAML styles both work. YAML
// aliases (*name) are refused: they would make positions point at the anchor
// rather than the use.
//
// # Rules
//
// Besides the shape of every mapping (unknown keys with a "did you mean",
// repeated keys, required keys, value types), the loader enforces:
//
//   - names: namespace, table, column, index names and enum values are lower
//     snake_case; entities and key types are exported CamelCase Go names;
//     entities spell Go initialisms in capitals (APIToken, not ApiToken). A
//     namespace names a Go package and a directory under generated/, so it
//     is not a Go keyword, "main", "internal", "testdata", "vendor" or *_test.
//     A table names generated files, so it does not end in _test or in a
//     GOOS/GOARCH suffix, and is not another table's name + _store, _arrow or
//     _provider.
//   - Go names: snake names become Go names with golint's initialisms
//     (GoName); within a table columns, indexes and enum values have distinct
//     Go names, and no column is called Key or String (generated methods).
//     Within a namespace's package, entities, key types, enum types
//     (EnumTypeName) and enum constants (EnumConstName) are distinct.
//   - tables: full names and table ids (1..2^32-1) are unique across files.
//   - columns: tags are unique, in 1..536870911, outside protobuf's
//     19000..19999 and not in reserved.tags; names are unique and not in
//     reserved.columns. Enum columns list values; other columns may not.
//   - key: its columns exist, are listed once, are not nullable and are not
//     float64 or json (no order-preserving encoding); desc lists key columns.
//     A key type named by several tables, in any namespace, has the same
//     columns, types and desc everywhere and no enum column.
//   - indexes: names and ids (>= 1) unique; columns exist, are listed once,
//     not empty, not float64 or json (bytes is fine); no two indexes over the
//     same column list. An index over a nullable column is sparse. An index
//     is not both unique and covering.
//   - kinds: access (public, private, restricted, dba) is allowed on shared
//     tables (default private) and system tables (default: the kind decides);
//     user and stream tables have an implicit owner (the stored key is
//     owner + declared key), so they may not declare a column whose Go name
//     is OwnerID; stream tables need a positive ttl (Go duration syntax) and
//     may set max_rows_per_owner, their first key column is an ascending
//     timestamp so expiry is a key range, and they may not declare indexes
//     (expiry's range deletions would orphan the entries). ttl and
//     max_rows_per_owner are refused on other kinds.
//   - flush: never (the rows always stay hot; flush refuses the table) or
//     allowed; system and shared tables default to never, user and stream
//     tables to allowed.
package schema
