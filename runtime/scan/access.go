package scan

import (
	"context"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/keyenc"
)

// Guarded is a [Provider] behind its table's access policy: every scan
// names the acting user, and the guard decides which rows the actor may see
// before any row is read. A user actor scanning a user or stream table is
// confined to its own owner's key range, so no filter it sends can reach
// another owner's rows (a filter that names another owner's rows simply
// matches none of the actor's); crossing owners takes a dba or system actor
// AND an explicit ActorRequest.AllOwners. A refused scan returns a
// *access.DeniedError, never an empty result that would hide the refusal.
// Expired rows of a stream table stay hidden as on every provider scan
// (the layout's TTL at the database's clock).
//
// Guarded is safe for concurrent use.
type Guarded struct {
	p      *Provider
	policy access.Policy
}

// ActorRequest is a [Request] made by an actor.
type ActorRequest struct {
	// Actor is who scans: a user id and a role.
	Actor access.Actor
	// AllOwners asks to read every owner's rows of a user or stream table.
	// It is never implied: without it even a system actor reads only the
	// rows of Actor.UserID. Only dba and system actors may set it.
	AllOwners bool
	Request
}

// NewGuarded puts p behind policy. p must be the table's unscoped provider
// (NewProvider, not WithScope): the guard chooses the scope per request.
// The policy's kind must be the table's kind, so a user table can never be
// guarded by a shared table's rules.
func NewGuarded(p *Provider, policy access.Policy) (*Guarded, error) {
	if p == nil {
		return nil, errors.New("scan: NewGuarded: nil provider; build one with NewProvider")
	}
	name := p.t.name
	if p.scope != nil {
		return nil, fmt.Errorf("scan: %s: NewGuarded needs the unscoped provider; the guard scopes each scan to its actor, so pass the provider from NewProvider", name)
	}
	if policy.Kind != p.t.layout.Kind {
		return nil, fmt.Errorf("scan: %s: the policy is for a %s table but the table's kind is %q; use the table's generated policy", name, policy.Kind, p.t.layout.Kind)
	}
	return &Guarded{p: p, policy: policy}, nil
}

// Policy returns the rules the guard enforces.
func (g *Guarded) Policy() access.Policy { return g.policy }

// Schema is the table's full Arrow schema.
func (g *Guarded) Schema() *arrow.Schema { return g.p.Schema() }

// SupportsFilters reports, per filter, whether Scan applies it (see
// [Provider.SupportsFilters]); it does not depend on the actor.
func (g *Guarded) SupportsFilters(filters []Expr) []Pushdown { return g.p.SupportsFilters(filters) }

// Scan checks the actor against the policy and scans the rows it may see.
// For an owner-partitioned table without AllOwners that is the key range of
// Actor.UserID's rows, whatever the filter; with AllOwners (dba and system
// only) every owner's rows. See [Provider.Scan] for the rest.
func (g *Guarded) Scan(ctx context.Context, r ActorRequest) (array.RecordReader, error) {
	p, req, err := g.prepare(r)
	if err != nil {
		return nil, err
	}
	return p.Scan(ctx, req)
}

// Plan returns the plan Scan would use for r, after the access check: the
// key range shows the owner scope the actor is confined to.
func (g *Guarded) Plan(r ActorRequest) (*Plan, error) {
	p, req, err := g.prepare(r)
	if err != nil {
		return nil, err
	}
	return p.Plan(req.Filter)
}

// prepare applies the policy: the provider to scan (scoped to the actor's
// owner when the table is partitioned by owner and the request does not
// cross owners) and the request.
func (g *Guarded) prepare(r ActorRequest) (*Provider, Request, error) {
	scope, err := g.policy.Check(r.Actor, access.Read, r.AllOwners)
	if err != nil {
		return nil, Request{}, err
	}
	p := g.p
	if g.p.t.isUser() && !scope.AllOwners {
		if scope.Owner == "" {
			// Check refuses this already; never let an empty owner become
			// an empty scope, which would be the whole table.
			return nil, Request{}, &access.DeniedError{Table: g.policy.Table, Actor: r.Actor, Op: access.Read, Reason: "no owner to scope the scan to"}
		}
		p = g.p.WithScope(keyenc.AppendString(nil, scope.Owner))
	}
	return p, r.Request, nil
}
