package scan_test

import (
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/where"
)

// TestPlan shows, for filters written in --where syntax, which access path
// the planner picks, the key bounds it encodes and the residual filter.
// Table: test.people (id 7): key (tenant asc, seq desc), index by_role
// (role, created_at), unique index by_uid (uid). "plan user owner=x" plans
// the same table declared kind user, scoped to owner x (no owner: all).
// Regenerate with: go test ./runtime/scan -run TestPlan -rewrite
func TestPlan(t *testing.T) {
	datadriven.RunTest(t, "testdata/plan", func(t *testing.T, d *datadriven.TestData) string {
		l := peopleLayout(7)
		var scope []byte
		if d.HasArg("user") {
			l.Kind = "user"
			if d.HasArg("owner") {
				var owner string
				d.ScanArgs(t, "owner", &owner)
				scope = keyenc.AppendString(nil, owner)
			}
		}
		var filter scan.Expr
		if d.Input != "" {
			e, err := where.Parse(d.Input)
			if err != nil {
				return "parse error: " + err.Error() + "\n"
			}
			filter = e
		}
		p, err := scan.PlanFor(&l, scope, filter)
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return p.String()
	})
}
