package store

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"
)

// ErrLocked is wrapped by the error [Open] returns when another process (or
// another Open in this process) has the database open: Pebble holds a lock
// on the directory for as long as a database is open, so a second opener
// must talk to the one that has it (a service's endpoint) or wait until it
// stops. Match it with errors.Is.
var ErrLocked = errors.New("the database is open in another process")

// openError wraps an error of pebble.Open, marking a held directory lock
// with ErrLocked. It is the one place that knows what a held lock looks
// like: fcntl(F_SETLK) fails with a bare EAGAIN or EACCES (an EACCES that
// comes wrapped in a *PathError is a permission problem creating the LOCK
// file instead), and Pebble refuses a second lock within one process with
// its own message.
func openError(dir string, err error) error {
	var errno syscall.Errno
	locked := errors.As(err, &errno) && (errno == syscall.EAGAIN || errno == syscall.EACCES) && !isPathError(err)
	if locked || strings.Contains(err.Error(), "lock held by current process") {
		return fmt.Errorf("store: open %s: %w (%v); stop that process or talk to it", dir, ErrLocked, err)
	}
	return fmt.Errorf("store: open %s: %w", dir, err)
}

func isPathError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}
