package store

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ExpirerOptions configure [StartExpirer].
type ExpirerOptions struct {
	// Now is the clock handed to each run; nil means time.Now. Tests set it
	// to move time without waiting.
	Now func() time.Time
	// OnRun, when set, is called on the expirer's goroutine after every run
	// with the rows removed and the run's error, for metrics and logs. It
	// should return quickly: the next run waits for it.
	OnRun func(removed int, err error)
}

// StartExpirer calls expire(now) every interval on a goroutine of its own
// (the first run one interval after the start) until stop is called.
// Generated stream stores wrap it as StartExpirer; it is separate from
// [Table.Expire] so that one expirer can serve any expiry function.
//
// stop ends the loop, waits for a run in progress to finish and returns
// nil, or an error wrapping the first failed run's error and saying how many
// runs failed: failures never pass silently, even without OnRun. A run that
// fails does not end the loop (the next run retries). Calling stop again
// returns the same result. No goroutine outlives stop.
func StartExpirer(interval time.Duration, expire func(now time.Time) (int, error), o ExpirerOptions) (stop func() error, err error) {
	if interval <= 0 {
		return nil, fmt.Errorf("store: expirer interval is %v; use a positive duration such as time.Second", interval)
	}
	if expire == nil {
		return nil, errors.New("store: expirer has no expire function; pass the table's Expire")
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	var first error
	var failed, runs int
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			n, err := expire(now())
			runs++
			if err != nil {
				failed++
				if first == nil {
					first = err
				}
			}
			if o.OnRun != nil {
				o.OnRun(n, err)
			}
		}
	}()
	var once sync.Once
	var result error
	return func() error {
		once.Do(func() {
			close(quit)
			<-done
			if first != nil {
				result = fmt.Errorf("store: expirer: %d of %d runs failed; the first: %w", failed, runs, first)
			}
		})
		return result
	}, nil
}
