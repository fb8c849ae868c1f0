package main

import (
	"os"
	"strings"
	"testing"
)

// TestInspectReadsColdRows is issue 19's "inspect: hot + cold rows by
// default (-hot-only to skip cold)": after a flush, inspect prints every
// row (through the cold root the flush recorded in the database, or the
// one -cold names), -hot-only the hot ones, and a recorded root that is
// gone is an error naming it rather than part of the table.
func TestInspectReadsColdRows(t *testing.T) {
	dbDir, root := t.TempDir(), t.TempDir()
	putMessages(t, dbDir, []string{"alice", "bob"}, 10, func(owner string, _ int) string { return owner + " says hi" })
	runIn := func(args ...string) (int, string, string) {
		var out, errb strings.Builder
		code := run(append([]string{args[0], "-schemas", "../../schemas"}, args[1:]...), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, out, errs := runIn("flush", "-db", dbDir, "-to", root, "-owner", "alice", "chat.messages"); code != 0 {
		t.Fatalf("flush: exit %d, %q %q", code, out, errs)
	}
	rows := func(out string) int { return strings.Count(out, "\n") - 1 } // less the CSV header
	for _, c := range []struct {
		args  []string
		rows  int
		alice int
	}{
		{nil, 20, 10}, // the root the flush recorded in the database
		{[]string{"-cold", root}, 20, 10},
		{[]string{"-cold", root, "-owner", "alice"}, 10, 10},
		{[]string{"-cold", root, "-where", "content = 'alice says hi'", "-limit", "4"}, 4, 4},
		{[]string{"-hot-only"}, 10, 0},
	} {
		args := append([]string{"inspect", "-db", dbDir, "-format", "csv", "chat.messages"}, c.args...)
		code, out, errs := runIn(args...)
		if code != 0 || rows(out) != c.rows || strings.Count(out, "alice says hi") != c.alice {
			t.Errorf("inspect %v: exit %d, %d rows (%d of alice), want %d (%d); stderr %q", c.args, code, rows(out), strings.Count(out, "alice says hi"), c.rows, c.alice, errs)
		}
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-cold", root, "-hot-only"}, 2, "-cold and -hot-only exclude each other"},
		{[]string{"-cold", root + "/missing"}, 1, "-cold " + root + "/missing"},
	} {
		args := append([]string{"inspect", "-db", dbDir, "chat.messages"}, c.args...)
		code, out, errs := runIn(args...)
		if code != c.code || !strings.Contains(errs, c.msg) || out != "" {
			t.Errorf("inspect %v: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errs, c.code, c.msg)
		}
	}
	// A recorded root that moved away: inspect says so rather than print
	// the hot rows alone.
	moved := root + ".moved"
	if err := os.Rename(root, moved); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runIn("inspect", "-db", dbDir, "chat.messages")
	if want := "the database records its cold root as " + root + ", which cannot be read"; code != 1 || out != "" || !strings.Contains(errs, want) {
		t.Errorf("inspect with the recorded root moved: exit %d, stdout %q, stderr %q; want exit 1 and %q", code, out, errs, want)
	}
	if code, out, errs := runIn("inspect", "-db", dbDir, "-format", "csv", "-cold", moved, "chat.messages"); code != 0 || rows(out) != 20 {
		t.Errorf("inspect -cold with the moved root: exit %d, %d rows, stderr %q", code, rows(out), errs)
	}
}
