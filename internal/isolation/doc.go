// Package isolation holds the adversarial tests of owner isolation: for the
// generated user table chat.messages and stream table chat.typing_events,
// owners whose ids are prefixes of each other, contain the key encoding's
// escape and terminator bytes (0x00, 0x01, 0xFF), separators (':' and '/'),
// unicode or 64 KiB are drawn with rapid together with writes, and every
// read API (Get, Has, scans, prefix and key ranges, index lookups and
// scans, paging cursors taken from another owner, guarded providers with
// arbitrary filters, the explicit cross-owner view) is checked to return
// no row of another owner, and, for the stream table, no expired row.
//
// It also shows the row id generator (runtime/rowid) feeding chat.messages
// with its high-water mark kept in the same database (store.DB.Mark).
//
// The package has no non-test code besides this comment.
package isolation
