package access

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/tablegen/tablegen/runtime/layout"
)

// TestMatrix prints the decision for every table kind × access level × role ×
// operation × AllOwners combination; testdata/matrix is the reviewed
// specification (run with -rewrite after an intended change).
func TestMatrix(t *testing.T) {
	datadriven.RunTest(t, "testdata/matrix", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "matrix":
			var b strings.Builder
			for _, kind := range layout.Kinds {
				levels := []Level{""}
				if !kind.OwnerScoped() {
					levels = []Level{"", Public, Private, Restricted, DBA}
				}
				for _, level := range levels {
					for _, op := range []Op{Read, Write} {
						for _, all := range []bool{false, true} {
							fmt.Fprintf(&b, "%-6s %-10s %-5s all=%-5v |", kind, orDefault(level), op, all)
							for r := RoleUser; r <= RoleSystem; r++ {
								p := Policy{Table: "ns.t", Kind: kind, Access: level}
								s, err := p.Check(Actor{UserID: "u1", Role: r}, op, all)
								fmt.Fprintf(&b, " %s=%s", r, verdict(s, err))
							}
							b.WriteString("\n")
						}
					}
				}
			}
			return b.String()
		default:
			t.Fatalf("unknown command %q", d.Cmd)
			return ""
		}
	})
}

func orDefault(l Level) string {
	if l == "" {
		return "(default)"
	}
	return string(l)
}

func verdict(s Scope, err error) string {
	var d *DeniedError
	switch {
	case errors.As(err, &d):
		return "DENY"
	case err != nil:
		return "ERR"
	case s.AllOwners:
		return "all"
	default:
		return "own:" + s.Owner
	}
}

func TestUserActorCannotEscapeOwner(t *testing.T) {
	p := Policy{Table: "chat.messages", Kind: layout.User}
	for _, all := range []bool{false, true} {
		s, err := p.Check(Actor{UserID: "u1", Role: RoleUser}, Read, all)
		if all {
			var d *DeniedError
			if !errors.As(err, &d) {
				t.Fatalf("user actor with AllOwners: err = %v, want *DeniedError", err)
			}
			continue
		}
		if err != nil || s.AllOwners || s.Owner != "u1" {
			t.Fatalf("Check = %+v, %v; want own rows of u1", s, err)
		}
	}
}

func TestEmptyOwnerRejected(t *testing.T) {
	p := Policy{Table: "chat.messages", Kind: layout.User}
	if _, err := p.Check(Actor{Role: RoleSystem}, Read, false); err == nil {
		t.Fatal("an actor without a user id got an owner scope")
	}
}

func TestUnknownRoleAndLevel(t *testing.T) {
	if _, err := (Policy{Kind: layout.Shared}).Check(Actor{UserID: "x", Role: 9}, Read, false); err == nil {
		t.Error("unknown role accepted")
	}
	if _, err := (Policy{Kind: layout.Shared, Access: "secret"}).Check(Actor{UserID: "x", Role: RoleSystem}, Read, false); err == nil {
		t.Error("unknown access level accepted")
	}
	if _, err := (Policy{Kind: "view"}).Check(Actor{UserID: "x", Role: RoleSystem}, Read, false); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestParseRole(t *testing.T) {
	for r := RoleUser; r <= RoleSystem; r++ {
		got, err := ParseRole(r.String())
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r.String(), got, err)
		}
	}
	if _, err := ParseRole("root"); err == nil {
		t.Error("ParseRole(root) succeeded")
	}
}
