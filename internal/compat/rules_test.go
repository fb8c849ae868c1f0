package compat

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestRuleIDsMatchLayout: every rule id with which layout.Diff refuses or
// warns (and so with which the store refuses an upgrade on open) is a rule
// of `tablegen breaking`, so a program's error names a rule the tool knows.
// The ids are read from runtime/layout's declaration of them (the refused
// and warning ones come before its "Safe changes" line).
func TestRuleIDsMatchLayout(t *testing.T) {
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.ID] = true
	}
	src, err := os.ReadFile("../../runtime/layout/diff.go")
	if err != nil {
		t.Fatal(err)
	}
	decl, _, ok := strings.Cut(string(src), "// Safe changes.")
	if !ok {
		t.Fatal("runtime/layout/diff.go has no \"// Safe changes.\" line")
	}
	ids := regexp.MustCompile(`(?m)^\trule\w+\s*= "(\w+)"$`).FindAllStringSubmatch(decl, -1)
	if len(ids) < 10 {
		t.Fatalf("found only %d refused or warning rule ids in runtime/layout/diff.go", len(ids))
	}
	for _, m := range ids {
		if !known[m[1]] {
			t.Errorf("rule id %s of runtime/layout is not a rule of internal/compat", m[1])
		}
	}
}
