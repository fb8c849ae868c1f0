package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/layout"
)

// This file generates what follows from a table's kind: the access policy
// and guarded provider of every table, the explicitly named cross-owner view
// of user and stream tables (<E>AllOwners), and a stream table's TTL reads,
// expiry and background expirer. All of it lands in <table>_store.go.

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
	names := []string{e + "Policy", "Guard" + e + "Provider"}
	if tp.owned() {
		names = append(names, e+"OwnerStore", e+"AllOwners", "Test"+e+"Isolation")
	}
	if tp.t.Kind == schema.KindUser {
		names = append(names, "Test"+e+"Owners")
	}
	if tp.stream() {
		names = append(names, e+"MaxRowsPerOwner", "Test"+e+"Expire", "Test"+e+"Expirer")
	}
	return names
}

// accessKind is the runtime/layout constant of the table's kind, for its
// access policy.
func (tp *tablePlan) accessKind() *jen.Statement { return kindConst(layout.Kind(tp.t.Kind)) }

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

// policyDecl emits <E>Policy and Guard<E>Provider.
func (tp *tablePlan) policyDecl(f *jen.File) {
	t, e := tp.t, tp.entity
	var who string
	switch t.Kind {
	case schema.KindUser, schema.KindStream:
		who = "any role reads and writes the rows of the owner it acts as; only dba and system\nread every owner's rows, and only when a request says AllOwners"
	default:
		level := string(t.Access)
		if level == "" {
			level = "the default"
		}
		who = fmt.Sprintf("access level %s (see runtime/access for the role each operation needs)", level)
	}
	f.Add(docf("%sPolicy is who may read and write %s (kind %s): %s.\nGuard%sProvider enforces it on scans.", e, t.FullName(), t.Kind, who, e))
	f.Var().Id(e+"Policy").Op("=").Qual(pathAccess, "Policy").Add(fields(func(g *jen.Group) {
		g.Add(kv("Table", jen.Lit(t.FullName())))
		g.Add(kv("Kind", tp.accessKind()))
		if l := tp.accessLevel(); l != nil {
			g.Add(kv("Access", l))
		}
	}))
	f.Line()

	doc := fmt.Sprintf("Guard%sProvider puts p, the unscoped provider of %s, behind %sPolicy: every scan\nnames its actor, a refusal is a *access.DeniedError, and", e, t.FullName(), e)
	if tp.owned() {
		doc += " a scan without AllOwners reads only the\nactor's own rows, whatever its filter."
	} else {
		doc += " a permitted scan reads the whole table."
	}
	opts := jen.Qual(pathScan, "GuardOptions").Values()
	if tp.stream() {
		doc += fmt.Sprintf("\nRows older than %sTTL are never returned.", e)
		opts = jen.Qual(pathScan, "GuardOptions").Values(jen.Dict{jen.Id("TTL"): jen.Id(e + "TTL")})
	}
	f.Add(docComment(doc))
	f.Func().Id("Guard"+e+"Provider").Params(jen.Id("p").Op("*").Qual(pathScan, "Provider")).Params(jen.Op("*").Qual(pathScan, "Guarded"), jen.Error()).Block(
		jen.Return(jen.Qual(pathScan, "NewGuarded").Call(jen.Id("p"), jen.Id(e+"Policy"), opts)),
	)
	f.Line()
}

// rootOwnerMethods emits the methods of the unscoped store of a user or
// stream table besides For and Verify: AllOwners and, for stream tables,
// WithClock, Expire and StartExpirer.
func (tp *tablePlan) rootOwnerMethods(f *jen.File, storeName string) {
	t, e := tp.t, tp.entity
	all := e + "AllOwners"
	method(f, storeName, fmt.Sprintf("AllOwners returns the read-only view of every owner's rows of %s, for flush, admin and\nexport. It is the only way to read across owners; guard what reaches it by role\n(%sPolicy with AllOwners set allows dba and system only).", t.FullName(), e), "AllOwners").
		Params().Op("*").Id(all).Block(jen.Return(jen.Op("&").Id(all).Add(fields(func(g *jen.Group) {
		g.Add(kv("t", st()))
		if tp.stream() {
			g.Add(kv("now", jen.Id("s").Dot("now")))
		}
	}))))
	f.Line()
	if !tp.stream() {
		return
	}
	evt := t.Key.Columns[0].Name
	f.Add(docf("%sMaxRowsPerOwner is the cap of max_rows_per_owner (0: no cap). Expire enforces it,\nnot Put: between two runs an owner may hold more rows.", e))
	f.Const().Id(e + "MaxRowsPerOwner").Op("=").Lit(t.MaxRowsPerOwner)
	f.Line()
	method(f, storeName, "WithClock returns a store (sharing the table) whose reads, expiry and expirer take now from\nthe given clock instead of time.Now: for tests, and for replaying events at their own time.\nA nil clock means time.Now.", "WithClock").
		Params(jen.Id("now").Func().Params().Qual("time", "Time")).Op("*").Id(storeName).Block(
		jen.If(jen.Id("now").Op("==").Nil()).Block(jen.Id("now").Op("=").Qual("time", "Now")),
		jen.Return(jen.Op("&").Id(storeName).Values(jen.Dict{jen.Id("t"): st(), jen.Id("now"): jen.Id("now")})),
	)
	f.Line()
	method(f, storeName, fmt.Sprintf("Expire removes every owner's rows whose %s is before now - %sTTL, one Pebble\nrange deletion per owner, then, when %sMaxRowsPerOwner > 0, each owner's oldest rows\nbeyond the cap (one more range deletion), and returns how many rows it removed. Reads hide\nexpired rows whether or not Expire ran; Expire reclaims their space.", evt, e, e), "Expire").
		Params(jen.Id("now").Qual("time", "Time")).Params(jen.Int(), jen.Error()).Block(
		jen.Return(st().Dot("Expire").Call(jen.Id("now").Dot("Add").Call(jen.Op("-").Id(e+"TTL")), jen.Id(e+"MaxRowsPerOwner"))),
	)
	f.Line()
	method(f, storeName, "StartExpirer runs Expire every interval (first after one interval) on its own goroutine,\nwith the store's clock, until stop is called; onRun, if not nil, gets each run's result.\nstop waits for a run in progress and returns an error if any run failed.", "StartExpirer").
		Params(jen.Id("interval").Qual("time", "Duration"), jen.Id("onRun").Func().Params(jen.Id("removed").Int(), jen.Err().Error())).
		Params(jen.Id("stop").Func().Params().Error(), jen.Err().Error()).Block(
		jen.Return(jen.Qual(pathStore, "StartExpirer").Call(jen.Id("interval"), jen.Id("s").Dot("Expire"),
			jen.Qual(pathStore, "ExpirerOptions").Values(jen.Dict{jen.Id("Now"): jen.Id("s").Dot("now"), jen.Id("OnRun"): jen.Id("onRun")}))),
	)
	f.Line()
}

// streamPointReads emits Get and Has of a stream table's owner store, which
// treat an expired row as absent, and its cutoff helper.
func (tp *tablePlan) streamPointReads(f *jen.File, recv string) {
	t, e, k := tp.t, tp.entity, tp.key
	evt := t.Key.Columns[0].Name
	method(f, recv, fmt.Sprintf("cutoff is the oldest event time a read returns: now - %sTTL.", e), "cutoff").
		Params().Qual("time", "Time").Block(jen.Return(jen.Id("s").Dot("now").Call().Dot("Add").Call(jen.Op("-").Id(e + "TTL"))))
	f.Line()
	expired := k.value(0, jen.Id("k")).Dot("UnixMicro").Call().Op("<").Id("s").Dot("cutoff").Call().Dot("UnixMicro").Call()
	method(f, recv, fmt.Sprintf("Get returns the row with key k, or an error wrapping store.ErrNotFound, also when the\nrow's %s is older than %sTTL (expired, whether or not Expire removed it yet).", evt, e), "Get").
		Params(jen.Id("k").Id(k.name)).Params(jen.Id(e), jen.Error()).Block(
		jen.If(expired.Clone()).Block(
			jen.Return(jen.Id(e).Values(), jen.Qual("fmt", "Errorf").Call(jen.Lit(t.FullName()+": row %v expired (older than %v): %w"), jen.Id("k"), jen.Id(e+"TTL"), jen.Qual(pathStore, "ErrNotFound"))),
		),
		jen.Return(st().Dot("Get").Call(jen.Id("k"))),
	)
	f.Line()
	method(f, recv, "Has reports whether an unexpired row with key k exists, without decoding it.", "Has").
		Params(jen.Id("k").Id(k.name)).Params(jen.Bool(), jen.Error()).Block(
		jen.If(expired.Clone()).Block(jen.Return(jen.False(), jen.Nil())),
		jen.Return(st().Dot("Has").Call(jen.Id("k"))),
	)
	f.Line()
}

// allOwnersDecl emits <E>AllOwners, the read-only cross-owner view.
func (tp *tablePlan) allOwnersDecl(f *jen.File) {
	t, e, k := tp.t, tp.entity, tp.key
	all := e + "AllOwners"
	tableType := jen.Op("*").Qual(pathStore, "Table").Types(jen.Id(k.name), jen.Id(e))
	doc := fmt.Sprintf("%s reads every owner's rows of %s; get it from %sStore.AllOwners. It has\nno write methods: writes always go through one owner's store.", all, t.FullName(), e)
	if tp.stream() {
		doc += fmt.Sprintf("\nExpired rows (older than %sTTL) are skipped.", e)
	}
	f.Add(docComment(doc))
	f.Type().Id(all).StructFunc(func(g *jen.Group) {
		g.Id("t").Add(tableType)
		if tp.stream() {
			g.Id("now").Func().Params().Qual("time", "Time")
		}
	})
	f.Line()
	floor := jen.Nil()
	if tp.stream() {
		floor = jen.Qual(pathKeyenc, "AppendTimestamp").Call(jen.Nil(), jen.Id("s").Dot("now").Call().Dot("Add").Call(jen.Op("-").Id(e+"TTL")))
	}
	method(f, all, "Scan yields every owner's rows with their owner, in (owner, key) order or reversed, from one\nconsistent snapshot. Page with o.Limit and o.After = s.Cursor(owner, key) of the last row.", "Scan").
		Params(jen.Id("o").Qual(pathStore, "ScanOptions")).Qual("iter", "Seq2").Types(jen.Qual(pathStore, "Owned").Types(jen.Id(e)), jen.Error()).Block(
		jen.Return(st().Dot("ScanAllOwners").Call(jen.Id("o"), floor.Clone())),
	)
	f.Line()
	method(f, all, "Cursor returns the o.After that continues Scan just past owner's row with key k.", "Cursor").
		Params(jen.Id("owner").String(), jen.Id("k").Id(k.name)).Index().Byte().Block(
		jen.Return(st().Dot("OwnerCursor").Call(jen.Id("owner"), jen.Id("k"))),
	)
	f.Line()
	ownersDoc := "Owners yields each owner that has rows, once, in order, seeking from owner to owner\nrather than reading rows."
	if tp.stream() {
		ownersDoc += " Owners whose rows have all expired are skipped."
	}
	method(f, all, ownersDoc, "Owners").
		Params().Qual("iter", "Seq2").Types(jen.String(), jen.Error()).Block(
		jen.Return(st().Dot("Owners").Call(floor.Clone())),
	)
	f.Line()
}
