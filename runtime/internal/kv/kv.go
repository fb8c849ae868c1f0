// Package kv holds what runtime/store, runtime/scan and runtime/flush share
// about the Pebble database under a store and that is no user's business:
// the byte layout of the keyspaces, and how Pebble reports damaged files.
// It is internal so that the packages can agree on these without each
// exporting plumbing to every user.
package kv

import (
	"path/filepath"

	"github.com/cockroachdb/pebble/v2"
)

// Damaged reports whether err is Pebble reporting damaged database files
// (a block checksum mismatch, an sstable that does not parse), and the base
// name of the damaged file when Pebble says which.
func Damaged(err error) (file string, ok bool) {
	if err == nil {
		return "", false
	}
	info := pebble.ExtractDataCorruptionInfo(err)
	if info == nil && !pebble.IsCorruptionError(err) {
		return "", false
	}
	if info != nil && !info.IsRemote {
		file = filepath.Base(info.Path)
	}
	return file, true
}
