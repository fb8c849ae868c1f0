package compat

import (
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestParseErrors is a golden test of Parse's errors: each case is a lock
// file and the exact error, with its file:line:col.
func TestParseErrors(t *testing.T) {
	datadriven.RunTest(t, "testdata/parse_errors", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "parse":
			l, err := Parse("tablegen.lock", []byte(d.Input))
			if err != nil {
				return err.Error() + "\n"
			}
			return string(Marshal(l)[len(header):])
		}
		t.Fatalf("unknown command %q", d.Cmd)
		return ""
	})
}
