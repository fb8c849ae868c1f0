package main

import (
	"io"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (and not a pipe or a file).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// countingReader shows, on a terminal, how many rows a long scan has
// produced so far. inspect uses it when its output goes to a file or pipe
// and stderr is a terminal: the rows then do not scroll by, and nothing else
// would say that the command is working. The bar is cleared when the scan
// ends; piped or redirected stderr gets nothing.
type countingReader struct {
	array.RecordReader
	bar *progressbar.ProgressBar
}

// withRowCounter wraps rdr with a row counter on stderr when stderr is a
// terminal and stdout is not; otherwise it returns rdr unchanged.
func withRowCounter(rdr array.RecordReader, stdout, stderr io.Writer, what string) array.RecordReader {
	if !isTerminal(stderr) || isTerminal(stdout) {
		return rdr
	}
	return &countingReader{RecordReader: rdr, bar: newRowBar(stderr, what, -1)}
}

// newRowBar is the one progress bar of the commands: rows done, rows/s
// and, when total is known (not -1), the time left; cleared when finished.
func newRowBar(w io.Writer, what string, total int64) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetPredictTime(total >= 0),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// Next advances the scan and counts the batch's rows.
func (c *countingReader) Next() bool {
	if !c.RecordReader.Next() {
		_ = c.bar.Finish()
		return false
	}
	_ = c.bar.Add64(c.RecordBatch().NumRows())
	return true
}
