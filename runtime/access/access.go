// Package access decides who may read and write which table, and over which
// owners' rows. Providers and stores ask it before they touch data; a denial
// is a *DeniedError, never an empty result that hides it.
//
// The rules (also in the README):
//
// Roles are ordered user < service < dba < system.
//
//	table kind  access      read                 write
//	----------  ----------  -------------------  ------------------
//	shared      public      user and above       service and above
//	shared      private     service and above    service and above
//	shared      restricted  service and above    dba and above
//	shared      dba         dba and above        dba and above
//	system      (default)   service and above    system only
//	system      public      user and above       system only
//	system      dba         dba and above        system only
//	user/stream  -          the owner's rows: any role acting as that owner;
//	                        every owner's rows: dba and system, and only when
//	                        the request says AllOwners explicitly
//
// "Acting as that owner" means the rows are those of Actor.UserID: a user
// actor can never name another owner, whatever filter it sends. Service
// actors work on behalf of one owner at a time too; crossing owners is an
// administrative act (flush, export, audit) reserved to dba and system.
package access

import (
	"fmt"
	"strings"

	"github.com/tablegen/tablegen/runtime/layout"
)

// Role is an actor's privilege level. Higher roles include lower ones.
type Role int8

// The roles, in increasing order of privilege.
const (
	RoleUser Role = iota + 1
	RoleService
	RoleDBA
	RoleSystem
)

var roleNames = [...]string{RoleUser: "user", RoleService: "service", RoleDBA: "dba", RoleSystem: "system"}

// String returns the role's name as used in YAML and the CLI.
func (r Role) String() string {
	if r >= RoleUser && r <= RoleSystem {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int8(r))
}

// ParseRole parses a role name.
func ParseRole(s string) (Role, error) {
	for r := RoleUser; r <= RoleSystem; r++ {
		if roleNames[r] == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q; use one of user, service, dba, system", s)
}

// Level is a table's declared access level (YAML `access:`).
type Level string

// The access levels. The empty level means the kind's default.
const (
	Public     Level = "public"
	Private    Level = "private"
	Restricted Level = "restricted"
	DBA        Level = "dba"
)

// Op is what an actor wants to do.
type Op int8

// The operations.
const (
	Read Op = iota + 1
	Write
)

func (o Op) String() string {
	if o == Write {
		return "write"
	}
	return "read"
}

// Actor is who is asking: a user id and a role.
type Actor struct {
	UserID string
	Role   Role
}

// Policy is one table's access rule, generated from its YAML.
type Policy struct {
	Table  string // "namespace.table", for errors
	Kind   layout.Kind
	Access Level // "" = the kind's default
}

// Scope is the set of rows a permitted request may see.
type Scope struct {
	// AllOwners is true when the request may see every owner's rows (or the
	// table is not partitioned by owner).
	AllOwners bool
	// Owner is the only owner whose rows are visible when AllOwners is false.
	Owner string
}

// DeniedError reports a refused request. Callers match it with errors.As.
type DeniedError struct {
	Table  string
	Actor  Actor
	Op     Op
	Reason string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("access denied: %s %s as %q (role %s): %s",
		e.Op, e.Table, e.Actor.UserID, e.Actor.Role, e.Reason)
}

// Check decides whether actor may perform op on the table and, for owner
// partitioned tables, which owners' rows it may touch. allOwners is the
// request's explicit wish to cross owners; it is never implied.
func (p Policy) Check(actor Actor, op Op, allOwners bool) (Scope, error) {
	deny := func(format string, args ...any) (Scope, error) {
		return Scope{}, &DeniedError{Table: p.Table, Actor: actor, Op: op, Reason: fmt.Sprintf(format, args...)}
	}
	if actor.Role < RoleUser || actor.Role > RoleSystem {
		return deny("unknown role; use one of user, service, dba, system")
	}
	switch {
	case p.Kind.OwnerScoped():
		if allOwners {
			if actor.Role < RoleDBA {
				return deny("only dba and system may read across owners")
			}
			return Scope{AllOwners: true}, nil
		}
		if actor.UserID == "" {
			return deny("the actor has no user id; owner-partitioned tables need one")
		}
		return Scope{Owner: actor.UserID}, nil
	case p.Kind == layout.Shared || p.Kind == layout.System:
		// Not partitioned by owner: every permitted request sees every row,
		// whether or not it asked for AllOwners.
		need, err := p.need(op)
		if err != nil {
			return Scope{}, err
		}
		if actor.Role < need {
			return deny("needs role %s or above", need)
		}
		return Scope{AllOwners: true}, nil
	default:
		return deny("unknown table kind %q", p.Kind)
	}
}

// need returns the least role that may perform op on a shared or system table.
func (p Policy) need(op Op) (Role, error) {
	level := p.Access
	if p.Kind == layout.System {
		if op == Write {
			return RoleSystem, nil
		}
		switch level {
		case "", Private, Restricted:
			return RoleService, nil
		case Public:
			return RoleUser, nil
		case DBA:
			return RoleDBA, nil
		}
	}
	if level == "" {
		level = Private
	}
	switch level {
	case Public:
		if op == Read {
			return RoleUser, nil
		}
		return RoleService, nil
	case Private:
		return RoleService, nil
	case Restricted:
		if op == Read {
			return RoleService, nil
		}
		return RoleDBA, nil
	case DBA:
		return RoleDBA, nil
	}
	return 0, &DeniedError{Table: p.Table, Op: op, Reason: fmt.Sprintf("unknown access level %q; use one of %s", level, strings.Join([]string{string(Public), string(Private), string(Restricted), string(DBA)}, ", "))}
}
