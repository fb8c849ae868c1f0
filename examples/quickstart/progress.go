package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// terminal returns w when it is a terminal, where a progress bar helps, and
// nil otherwise: piped or captured output (CI logs, tests) stays free of
// carriage returns and escape codes.
func terminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return f
}

// progress is a progress bar on a terminal and nothing elsewhere.
type progress struct{ bar *progressbar.ProgressBar }

// newProgress starts a bar of total steps on w; with a nil w it does nothing.
func newProgress(w io.Writer, total int, what string) progress {
	if w == nil {
		return progress{}
	}
	return progress{bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}

func (p progress) add(n int) {
	if p.bar != nil {
		_ = p.bar.Add(n) // only fails writing to the terminal; the load goes on
	}
}

// set moves the bar to n, for work that reports totals rather than steps.
func (p progress) set(n int) {
	if p.bar != nil {
		_ = p.bar.Set(n)
	}
}

func (p progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
