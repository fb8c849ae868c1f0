package flush

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/tablegen/tablegen/runtime/store"
)

// held runs fn under a store.Lease of the executor's DB, so that Close of
// the DB never pulls Pebble away from a running flush, recovery or walk:
// Close cancels fn's context and waits for fn to return (a flush stops
// between batches, and recovery makes the next open finish its work). An
// error fn returns because of that wraps store.ErrClosed. After Close,
// held returns store.ErrClosed without running fn.
func held[T any](e *Executor, ctx context.Context, what string, fn func(context.Context) (T, error)) (T, error) {
	var zero T
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var closing atomic.Bool
	lease, err := e.db.NewLease(func() {}, func() { closing.Store(true); cancel() })
	if err != nil {
		return zero, fmt.Errorf("flush: %s: %w", what, err)
	}
	defer lease.Release()
	if err := lease.Lock(); err != nil {
		return zero, fmt.Errorf("flush: %s: %w", what, err)
	}
	defer lease.Unlock()
	v, err := fn(ctx)
	if err != nil && closing.Load() && !errors.Is(err, store.ErrClosed) {
		err = fmt.Errorf("flush: %s: %w (stopped: %v)", what, store.ErrClosed, err)
	}
	return v, err
}
