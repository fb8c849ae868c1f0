package store

import (
	"bytes"
	"fmt"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

// guard is the actor a view from [Table.As] acts for and the table's
// policy; every method of such a view asks it first.
type guard struct {
	policy access.Policy
	actor  access.Actor
}

// As returns the view of t that acts for actor: every method checks the
// table's access rules (runtime/access, the README's read and write
// columns; the policy is the layout's kind and Spec.Access) before it
// touches data, and a refusal is a *access.DeniedError. On a user or stream
// table an owner-scoped view may be used only by an actor acting as that
// owner, and the cross-owner reads (ScanAllOwners, Owners, an unscoped
// Verify) need role dba or system. The view keeps t's scope, transaction
// and clock, and WithScope and In keep the actor. A table without As is the
// trusted service API: it checks nothing.
func (t *Table[K, V]) As(actor access.Actor) *Table[K, V] {
	nt := *t
	nt.guard = &guard{policy: access.PolicyOf(&t.core.layout, t.spec.Access), actor: actor}
	return &nt
}

// allow returns the *access.DeniedError that forbids op on this view, or nil
// (always nil on a view without As).
func (t *Table[K, V]) allow(op access.Op) error {
	g := t.guard
	if g == nil {
		return nil
	}
	all := t.core.ownerPartitioned() && t.scope == nil
	scope, err := g.policy.Check(g.actor, op, all)
	if err != nil {
		return err
	}
	if scope.AllOwners || !t.core.ownerPartitioned() {
		return nil
	}
	if !bytes.Equal(t.scope, keyenc.AppendString(nil, scope.Owner)) {
		return &access.DeniedError{Table: g.policy.Table, Actor: g.actor, Op: op,
			Reason: fmt.Sprintf("the view is scoped to another owner; an actor reads and writes only the rows of its own user id %q", scope.Owner)}
	}
	return nil
}
