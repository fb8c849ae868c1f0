package keyenc

import (
	"errors"
	"fmt"
)

// ErrMalformed is wrapped by every decoding error, so callers can tell a
// corrupt or mismatched key (errors.Is(err, ErrMalformed)) from other
// failures such as I/O errors reported by the store.
var ErrMalformed = errors.New("malformed key")

// malformed builds a decoding error for the named type that wraps
// ErrMalformed and tells the reader what usually causes it.
func malformed(typ, format string, args ...any) error {
	return fmt.Errorf("keyenc: decoding %s: %s: %w (the key is truncated or corrupt, or was written with a different key layout: check the table's key column types and their asc/desc directions)",
		typ, fmt.Sprintf(format, args...), ErrMalformed)
}

// truncated reports that fewer than need bytes remain for a fixed-width type.
func truncated(typ string, need, have int) error {
	return malformed(typ, "need %d bytes, have %d", need, have)
}
