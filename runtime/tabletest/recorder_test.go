package tabletest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing the
// test, to check that a helper fails when it must and says why. Fatal and
// Fatalf end the goroutine, as testing's do, so run the helper with
// runRecorded.
type recorder struct {
	testing.TB
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}

func (r *recorder) Error(args ...any) { r.record(fmt.Sprint(args...)) }

func (r *recorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }

func (r *recorder) Fatal(args ...any) {
	r.record(fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.record(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

func (r *recorder) record(msg string) {
	r.failed = true
	r.msgs = append(r.msgs, msg)
}

// message is every recorded failure, one per line.
func (r *recorder) message() string { return strings.Join(r.msgs, "\n") }

// runRecorded runs f with a recorder on its own goroutine (so that Fatal
// can end it) and returns the recorder once f has returned or failed.
func runRecorded(t *testing.T, f func(tb testing.TB)) *recorder {
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	return rec
}
