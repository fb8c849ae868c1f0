package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// This file generates what follows from a table's kind: its access level
// (for store.Spec.Access) and a stream table's expiry and background
// expirer. Owner scoping, TTL reads and access checks are the runtime's.

const pathAccess = "github.com/tablegen/tablegen/runtime/access"

// stream reports whether the table is a stream table: owner-partitioned,
// keyed by event time first, with a TTL.
func (tp *tablePlan) stream() bool { return tp.t.Kind == schema.KindStream }

// streamProblems says what about a stream table the generated expiry
// could not work with (the loader refuses all of it first): no TTL, a key
// not led by an ascending timestamp, secondary indexes.
func streamProblems(t *schema.Table) []string {
	if t.Kind != schema.KindStream {
		return nil
	}
	var out []string
	if t.TTL <= 0 {
		out = append(out, "a stream table needs a positive ttl")
	}
	if c := t.Key.Columns[0]; c.Type != schema.TypeTimestamp || desc(t.Key, 0) {
		out = append(out, fmt.Sprintf("a stream table's first key column must be an ascending timestamp (the event time), not %s %s", c.Name, c.Type))
	}
	if len(t.Indexes) > 0 {
		out = append(out, "a stream table may not declare indexes (expiry's range deletions would orphan their entries)")
	}
	return out
}

// accessDecls are the package-level names this file's output and the
// owner and TTL tests (tests_owner.go) declare for tp, for checkNames.
func (tp *tablePlan) accessDecls() []string {
	e := tp.entity
	var names []string
	if tp.owned() {
		names = append(names, e+"OwnerStore")
	}
	if tp.stream() {
		names = append(names, e+"MaxRowsPerOwner")
	}
	return names
}

// accessLevel is the runtime/access constant of the declared access level,
// or nil for the kind's default.
func (tp *tablePlan) accessLevel() *jen.Statement {
	switch tp.t.Access {
	case schema.AccessPublic:
		return jen.Qual(pathAccess, "Public")
	case schema.AccessPrivate:
		return jen.Qual(pathAccess, "Private")
	case schema.AccessRestricted:
		return jen.Qual(pathAccess, "Restricted")
	case schema.AccessDBA:
		return jen.Qual(pathAccess, "DBA")
	}
	return nil
}

// streamMethods emits what a stream table's root store adds: the cap
// constant, WithClock, Expire and StartExpirer. Hiding expired rows on
// reads is the runtime's (store.Table, from the layout's TTL).
func (tp *tablePlan) streamMethods(f *jen.File, storeName string) {
	if !tp.stream() {
		return
	}
	t, e := tp.t, tp.entity
	f.Add(docf("%sMaxRowsPerOwner is the cap of max_rows_per_owner (0: no cap). Expire enforces it,\nnot Put: between two runs an owner may hold more rows.", e))
	f.Const().Id(e + "MaxRowsPerOwner").Op("=").Lit(t.MaxRowsPerOwner)
	f.Line()
	method(f, storeName, "WithClock returns the store whose reads, expiry and expirer take now from the given clock\n(nil: time.Now), for tests and for replaying events at their own time.", "WithClock").
		Params(jen.Id("now").Func().Params().Qual("time", "Time")).Op("*").Id(storeName).Block(
		jen.Return(jen.Op("&").Id(storeName).Values(jen.Id("s").Dot("t").Dot("WithClock").Call(jen.Id("now")))),
	)
	f.Line()
	method(f, storeName, fmt.Sprintf("Expire removes every owner's rows older than now - %sTTL and, with a cap, each owner's\noldest rows beyond it, and returns how many it removed (see store.Table.Expire).", e), "Expire").
		Params(jen.Id("now").Qual("time", "Time")).Params(jen.Int(), jen.Error()).Block(
		jen.Return(jen.Id("s").Dot("t").Dot("Expire").Call(jen.Id("now").Dot("Add").Call(jen.Op("-").Id(e+"TTL")), jen.Id(e+"MaxRowsPerOwner"))),
	)
	f.Line()
	method(f, storeName, "StartExpirer runs Expire every interval with the store's clock until stop is called\n(see store.StartExpirer).", "StartExpirer").
		Params(jen.Id("interval").Qual("time", "Duration"), jen.Id("onRun").Func().Params(jen.Id("removed").Int(), jen.Err().Error())).
		Params(jen.Id("stop").Func().Params().Error(), jen.Err().Error()).Block(
		jen.Return(jen.Qual(pathStore, "StartExpirer").Call(jen.Id("interval"), jen.Id("s").Dot("Expire"),
			jen.Qual(pathStore, "ExpirerOptions").Values(jen.Dict{jen.Id("Now"): jen.Id("s").Dot("t").Dot("Now"), jen.Id("OnRun"): jen.Id("onRun")}))),
	)
	f.Line()
}

// ownerGoType is the Go type of an owned table's owner (owner: {type: …}).
func (tp *tablePlan) ownerGoType() *jen.Statement {
	switch tp.t.OwnerType {
	case schema.TypeUUID:
		return jen.Qual("github.com/google/uuid", "UUID")
	case schema.TypeInt64:
		return jen.Int64()
	}
	return jen.String()
}

// ownerSample is an owner value of the table's owner type for the
// generated tests, distinct per name.
func (tp *tablePlan) ownerSample(name string) *jen.Statement {
	switch tp.t.OwnerType {
	case schema.TypeUUID:
		return jen.Qual("github.com/google/uuid", "NewSHA1").Call(jen.Qual("github.com/google/uuid", "NameSpaceOID"), jen.Index().Byte().Call(jen.Lit(name)))
	case schema.TypeInt64:
		return jen.Lit(int64(len(name)*1000 + int(name[0])))
	}
	return jen.Lit(name)
}
