package compat

import (
	"testing"

	"github.com/tablegen/tablegen/runtime/layout"
)

// TestRuleIDsMatchLayout: every rule id with which layout.Diff refuses or
// warns (and so with which the store refuses an upgrade on open) is a rule
// of `tablegen breaking`, so a program's error names a rule the tool knows.
func TestRuleIDsMatchLayout(t *testing.T) {
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.ID] = true
	}
	for _, id := range []string{layout.RuleTableIDChanged, layout.RuleTableKindChanged, layout.RuleKeyChanged, layout.RuleColumnTypeIncompatible,
		layout.RuleColumnTypeChanged, layout.RuleColumnNullableToRequired, layout.RuleColumnTagReused, layout.RuleColumnRenamed,
		layout.RuleEnumValueRemoved, layout.RuleEnumValueRenamed, layout.RuleEnumValuesReordered, layout.RuleUniqueIndexAdded,
		layout.RuleIndexColumnsChanged} {
		if !known[id] {
			t.Errorf("rule id %s of runtime/layout is not a rule of internal/compat", id)
		}
	}
}
