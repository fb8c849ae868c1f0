package gen

import (
	"fmt"

	"github.com/dave/jennifer/jen"
)

// This file generates the per-table tests of owner isolation (user and
// stream tables) and of TTL reads, Expire and the expirer (stream tables).

// noExpiry emits, for a stream table, `root = root.WithClock(year 1)`: the
// generated random rows have event times from year 1 to 9999, none of which
// has expired at year 1, so the generic store tests see every row.
func (tp *tablePlan) noExpiry(g *jen.Group) {
	if !tp.stream() {
		return
	}
	g.Comment("At year 1 no random row (years 1 to 9999) has expired: every row stays visible.")
	g.Id("root").Op("=").Id("root").Dot("WithClock").Call(yearOne())
}

// yearOne is func() time.Time { return time.Time{} }.
func yearOne() *jen.Statement {
	return jen.Func().Params().Qual("time", "Time").Block(jen.Return(jen.Qual("time", "Time").Values()))
}

// hostileOwners is the list of owner ids the isolation tests use: ids that
// are prefixes of each other, that contain the key encoding's escape and
// terminator bytes, separators, unicode, and a 64 KiB id.
func hostileOwners() *jen.Statement {
	var ids []jen.Code
	for _, s := range []string{"u1", "u10", "u1\x00", "u1\x00\x01", "u1\x01", "u1\xff", "\xff", "\x00", "a:b", "a/b", "a", "é", "日本"} {
		ids = append(ids, jen.Lit(s))
	}
	ids = append(ids, jen.Qual("strings", "Repeat").Call(jen.Lit("o"), jen.Lit(64<<10)))
	return jen.Index().String().Values(ids...)
}

// ownerTests emits the isolation test of user and stream tables and the
// expiry tests of stream tables.
func (tp *tablePlan) ownerTests(f *jen.File) {
	if !tp.owned() {
		return
	}
	tp.isolationTest(f)
	if tp.stream() {
		tp.expireTest(f)
		tp.expirerTest(f)
	}
}

// ek is string(<key of row>.AppendKey(nil)).
func (tp *tablePlan) ek(row *jen.Statement) *jen.Statement { return tp.encodedKey(tp.keyOf(row)) }

func (tp *tablePlan) isolationTest(f *jen.File) {
	e := tp.entity
	unique := hasUnique(tp.t)
	f.Add(docf("Test%sIsolation puts rows for owners whose ids are prefixes of each other, hold the key\nencoding's escape bytes, separators, unicode or 64 KiB, often under keys and unique values\nanother owner has too, and checks that every read of one owner (Get, Has, scans both ways,\npaging, Count, prefix ranges, index lookups, cursors taken from another owner's rows) sees\nexactly its own rows, and that AllOwners sees each row once with its owner.", e))
	f.Func().Id("Test" + e + "Isolation").Params(tT()).BlockFunc(func(g *jen.Group) {
		g.Id("db").Op(":=").Add(openDB("t"))
		g.List(jen.Id("root"), jen.Err()).Op(":=").Id("New" + e + "Store").Call(jen.Id("db"))
		g.Add(ifErrFatal("New" + e + "Store"))
		tp.noExpiry(g)
		g.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("root").Dot("For").Call(jen.Lit("")), jen.Err().Op("==").Nil()).Block(
			fatalf("For(\"\") succeeded; want an error: every row needs an owner"),
		)
		g.Id("owners").Op(":=").Add(hostileOwners())
		g.Id("stores").Op(":=").Make(jen.Index().Op("*").Id(e+"OwnerStore"), jen.Len(jen.Id("owners")))
		g.Id("models").Op(":=").Make(jen.Index().Add(tp.modelType()), jen.Len(jen.Id("owners")))
		g.For(jen.List(jen.Id("i"), jen.Id("o")).Op(":=").Range().Id("owners")).Block(
			jen.List(jen.Id("s"), jen.Err()).Op(":=").Id("root").Dot("For").Call(jen.Id("o")),
			ifErrFatal("For(%.20q)", jen.Id("o")),
			jen.If(jen.Id("s").Dot("Owner").Call().Op("!=").Id("o")).Block(fatalf("Owner() = %.20q; want %.20q", jen.Id("s").Dot("Owner").Call(), jen.Id("o"))),
			jen.List(jen.Id("stores").Index(jen.Id("i")), jen.Id("models").Index(jen.Id("i"))).Op("=").List(jen.Id("s"), tp.modelType().Values()),
		)
		g.Id("r").Op(":=").Add(newRand(tp.t.ID, 9))
		g.Var().Id("all").Index().Id(e).Comment("every row put, of any owner")
		g.For(jen.Range().Lit(300)).BlockFunc(func(g *jen.Group) {
			g.Id("i").Op(":=").Id("r").Dot("IntN").Call(jen.Len(jen.Id("owners")))
			g.Id("v").Op(":=").Id("random" + e).Call(jen.Id("r"))
			g.If(jen.Len(jen.Id("all")).Op(">").Lit(0).Op("&&").Id("r").Dot("IntN").Call(jen.Lit(2)).Op("==").Lit(0)).Block(
				jen.Comment("Another owner's row: same key, same unique values."),
				jen.Id("v").Op("=").Id("all").Index(jen.Id("r").Dot("IntN").Call(jen.Len(jen.Id("all")))),
			)
			g.Id("ek").Op(":=").Add(tp.ek(jen.Id("v")))
			g.Err().Op(":=").Id("stores").Index(jen.Id("i")).Dot("Put").Call(jen.Op("&").Id("v"))
			if unique {
				g.Comment("Unique values are unique per owner: only a clash inside this owner may refuse the row.")
				g.If(jen.Id("c").Op(":=").Id("conflict"+e).Call(jen.Id("models").Index(jen.Id("i")), jen.Id("ek"), jen.Op("&").Id("v")), jen.Len(jen.Id("c")).Op(">").Lit(0)).Block(
					jen.Var().Id("uv").Op("*").Qual(pathStore, "UniqueViolationError"),
					jen.If(jen.Op("!").Qual("errors", "As").Call(jen.Err(), jen.Op("&").Id("uv"))).Block(
						fatalf("owner %d: Put = %v; want a *store.UniqueViolationError of %v", jen.Id("i"), jen.Err(), jen.Id("c")),
					),
					jen.Continue(),
				)
			}
			g.Add(ifErrFatal("owner %d: Put", jen.Id("i")))
			g.Id("models").Index(jen.Id("i")).Index(jen.Id("ek")).Op("=").Id("v")
			g.Id("all").Op("=").Append(jen.Id("all"), jen.Id("v"))
		})
		g.For(jen.List(jen.Id("i"), jen.Id("s")).Op(":=").Range().Id("stores")).BlockFunc(func(g *jen.Group) {
			g.Var().Id("others").Index().Id(e)
			g.For(jen.List(jen.Id("j"), jen.Id("m")).Op(":=").Range().Id("models")).Block(
				jen.If(jen.Id("j").Op("!=").Id("i")).Block(
					jen.Id("others").Op("=").Append(jen.Id("others"), jen.Id("sorted"+e+"Rows").Call(jen.Id("m")).Op("...")),
				),
			)
			g.Comment("Other owners' rows are \"old\" rows here: their keys and index values must find")
			g.Comment("nothing, or only this owner's own row that happens to share them.")
			g.Id("r").Dot("Shuffle").Call(jen.Len(jen.Id("others")), jen.Func().Params(jen.List(jen.Id("a"), jen.Id("b")).Int()).Block(
				jen.List(jen.Id("others").Index(jen.Id("a")), jen.Id("others").Index(jen.Id("b"))).Op("=").List(jen.Id("others").Index(jen.Id("b")), jen.Id("others").Index(jen.Id("a"))),
			))
			g.Id("check"+e+"Store").Call(jen.Id("t"), jen.Id("s"), jen.Id("models").Index(jen.Id("i")), jen.Id("others"))
			g.Comment("A paging cursor taken from another owner's row pages this owner's rows only.")
			g.Id("want").Op(":=").Id("sorted" + e + "Rows").Call(jen.Id("models").Index(jen.Id("i")))
			g.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Id("others").Index(jen.Empty(), jen.Min(jen.Len(jen.Id("others")), jen.Lit(5)))).Block(
				jen.Id("after").Op(":=").Add(tp.keyOf(jen.Id("w"))).Dot("AppendKey").Call(jen.Nil()),
				jen.Var().Id("expect").Index().Id(e),
				jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("want")).Block(
					jen.If(jen.Qual("bytes", "Compare").Call(tp.keyOf(jen.Id("x")).Dot("AppendKey").Call(jen.Nil()), jen.Id("after")).Op(">").Lit(0)).Block(
						jen.Id("expect").Op("=").Append(jen.Id("expect"), jen.Id("x")),
					),
				),
				tp.diffRowsFatal(collect(jen.Id("s").Dot("Scan").Call(jen.Id("s").Dot("All").Call(), opts(jen.Dict{jen.Id("After"): jen.Id("after")}))), jen.Id("expect"),
					"owner %d: Scan after another owner's cursor", jen.Id("i")),
			)
		})
		g.Comment("AllOwners sees every row once, with its owner; Owners lists the owners with rows.")
		g.Id("n").Op(":=").Lit(0)
		g.For(jen.List(jen.Id("row"), jen.Err()).Op(":=").Range().Id("root").Dot("AllOwners").Call().Dot("Scan").Call(opts(nil))).Block(
			ifErrFatal("AllOwners().Scan"),
			jen.Id("i").Op(":=").Qual("slices", "Index").Call(jen.Id("owners"), jen.Id("row").Dot("Owner")),
			jen.If(jen.Id("i").Op("<").Lit(0)).Block(fatalf("AllOwners().Scan returned a row of unknown owner %.20q", jen.Id("row").Dot("Owner"))),
			jen.List(jen.Id("w"), jen.Id("ok")).Op(":=").Id("models").Index(jen.Id("i")).Index(tp.ek(jen.Id("row").Dot("Row"))),
			jen.If(jen.Op("!").Id("ok").Op("||").Id("diff"+e).Call(jen.Op("&").Id("row").Dot("Row"), jen.Op("&").Id("w")).Op("!=").Lit("")).Block(
				fatalf("AllOwners().Scan returned %v as a row of owner %d, which does not hold it", tp.keyOf(jen.Id("row").Dot("Row")), jen.Id("i")),
			),
			jen.Id("n").Op("++"),
		)
		g.Var().Id("wantOwners").Index().String()
		g.Id("total").Op(":=").Lit(0)
		g.For(jen.List(jen.Id("i"), jen.Id("m")).Op(":=").Range().Id("models")).Block(
			jen.Id("total").Op("+=").Len(jen.Id("m")),
			jen.If(jen.Len(jen.Id("m")).Op(">").Lit(0)).Block(jen.Id("wantOwners").Op("=").Append(jen.Id("wantOwners"), jen.Id("owners").Index(jen.Id("i")))),
		)
		g.If(jen.Id("n").Op("!=").Id("total")).Block(fatalf("AllOwners().Scan returned %d rows; want %d", jen.Id("n"), jen.Id("total")))
		g.Qual("slices", "Sort").Call(jen.Id("wantOwners"))
		g.Var().Id("gotOwners").Index().String()
		g.For(jen.List(jen.Id("o"), jen.Err()).Op(":=").Range().Id("root").Dot("AllOwners").Call().Dot("Owners").Call()).Block(
			ifErrFatal("AllOwners().Owners"),
			jen.Id("gotOwners").Op("=").Append(jen.Id("gotOwners"), jen.Id("o")),
		)
		g.If(jen.Op("!").Qual("slices", "Equal").Call(jen.Id("gotOwners"), jen.Id("wantOwners"))).Block(
			fatalf("AllOwners().Owners() listed %d owners; want the %d with rows, in order", jen.Len(jen.Id("gotOwners")), jen.Len(jen.Id("wantOwners"))),
		)
	})
	f.Line()
}

// expired is the condition that row v's event time is before cutoff (at
// microsecond precision, as stored).
func (tp *tablePlan) expired(v, cutoff *jen.Statement) *jen.Statement {
	evt := tp.t.Key.Columns[0].GoName
	return v.Dot(evt).Dot("UnixMicro").Call().Op("<").Add(cutoff).Dot("UnixMicro").Call()
}

func (tp *tablePlan) expireTest(f *jen.File) {
	e := tp.entity
	evt := tp.t.Key.Columns[0]
	f.Add(docf("Test%sExpire writes rows of several owners with event times up to twice %sTTL old\nand checks that reads hide the expired ones before Expire runs, that Expire removes exactly\nthose (and, with a cap, each owner's oldest rows beyond %sMaxRowsPerOwner), and that\nAllOwners never returns an expired row.", e, e, e))
	f.Func().Id("Test" + e + "Expire").Params(tT()).BlockFunc(func(g *jen.Group) {
		g.Id("db").Op(":=").Add(openDB("t"))
		g.List(jen.Id("base"), jen.Err()).Op(":=").Id("New" + e + "Store").Call(jen.Id("db"))
		g.Add(ifErrFatal("New" + e + "Store"))
		g.Id("now").Op(":=").Qual("time", "Date").Call(jen.Lit(2030), jen.Lit(1), jen.Lit(2), jen.Lit(3), jen.Lit(4), jen.Lit(5), jen.Lit(0), jen.Qual("time", "UTC"))
		g.Id("cutoff").Op(":=").Id("now").Dot("Add").Call(jen.Op("-").Id(e + "TTL"))
		g.Id("root").Op(":=").Id("base").Dot("WithClock").Call(jen.Func().Params().Qual("time", "Time").Block(jen.Return(jen.Id("now"))))
		g.Id("everything").Op(":=").Id("base").Dot("WithClock").Call(yearOne()).Comment("a view at which no row has expired")
		g.Id("owners").Op(":=").Index().String().Values(jen.Lit("u1"), jen.Lit("u10"), jen.Lit("u1\x00"))
		g.Id("stored").Op(":=").Make(jen.Index().Add(tp.modelType()), jen.Len(jen.Id("owners")))
		g.Id("r").Op(":=").Add(newRand(tp.t.ID, 10))
		g.Id("ttl").Op(":=").Int64().Call(jen.Id(e+"TTL").Op("/").Qual("time", "Microsecond"))
		g.For(jen.Range().Lit(200)).Block(
			jen.Id("i").Op(":=").Id("r").Dot("IntN").Call(jen.Len(jen.Id("owners"))),
			jen.Id("v").Op(":=").Id("random"+e).Call(jen.Id("r")),
			jen.Id("v").Dot(evt.GoName).Op("=").Id("now").Dot("Add").Call(jen.Op("-").Qual("time", "Duration").Call(jen.Id("r").Dot("Int64N").Call(jen.Lit(2).Op("*").Id("ttl").Op("+").Lit(1))).Op("*").Qual("time", "Microsecond")),
			jen.List(jen.Id("s"), jen.Err()).Op(":=").Id("root").Dot("For").Call(jen.Id("owners").Index(jen.Id("i"))),
			ifErrFatal("For"),
			jen.If(jen.Err().Op(":=").Id("s").Dot("Put").Call(jen.Op("&").Id("v")), jen.Err().Op("!=").Nil()).Block(fatalf("Put: %v", jen.Err())),
			jen.If(jen.Id("stored").Index(jen.Id("i")).Op("==").Nil()).Block(jen.Id("stored").Index(jen.Id("i")).Op("=").Add(tp.modelType()).Values()),
			jen.Id("stored").Index(jen.Id("i")).Index(tp.ek(jen.Id("v"))).Op("=").Id("v"),
		)
		g.Id("live").Op(":=").Make(jen.Index().Add(tp.modelType()), jen.Len(jen.Id("owners")))
		g.Id("removed").Op(":=").Lit(0)
		g.For(jen.List(jen.Id("i"), jen.Id("o")).Op(":=").Range().Id("owners")).BlockFunc(func(g *jen.Group) {
			g.Id("live").Index(jen.Id("i")).Op("=").Add(tp.modelType()).Values()
			g.Var().Id("hidden").Index().Id(e)
			g.For(jen.List(jen.Id("ek"), jen.Id("v")).Op(":=").Range().Id("stored").Index(jen.Id("i"))).Block(
				jen.If(tp.expired(jen.Id("v"), jen.Id("cutoff"))).Block(
					jen.Id("hidden").Op("=").Append(jen.Id("hidden"), jen.Id("v")),
					jen.Id("removed").Op("++"),
				).Else().Block(jen.Id("live").Index(jen.Id("i")).Index(jen.Id("ek")).Op("=").Id("v")),
			)
			g.Comment("Before Expire ran, reads already hide the expired rows.")
			g.List(jen.Id("s"), jen.Err()).Op(":=").Id("root").Dot("For").Call(jen.Id("o"))
			g.Add(ifErrFatal("For"))
			g.Id("check"+e+"Store").Call(jen.Id("t"), jen.Id("s"), jen.Id("live").Index(jen.Id("i")), jen.Id("hidden"))
			if tp.t.MaxRowsPerOwner > 0 {
				g.Comment("The cap keeps each owner's newest rows, in key order.")
				g.If(jen.Id("rows").Op(":=").Id("sorted"+e+"Rows").Call(jen.Id("live").Index(jen.Id("i"))), jen.Len(jen.Id("rows")).Op(">").Id(e+"MaxRowsPerOwner")).Block(
					jen.For(jen.List(jen.Id("_"), jen.Id("v")).Op(":=").Range().Id("rows").Index(jen.Empty(), jen.Len(jen.Id("rows")).Op("-").Id(e+"MaxRowsPerOwner"))).Block(
						jen.Delete(jen.Id("live").Index(jen.Id("i")), tp.ek(jen.Id("v"))),
						jen.Id("removed").Op("++"),
					),
				)
			}
		})
		g.If(jen.List(jen.Id("n"), jen.Err()).Op(":=").Id("root").Dot("Expire").Call(jen.Id("now")), jen.Err().Op("!=").Nil().Op("||").Id("n").Op("!=").Id("removed")).Block(
			fatalf("Expire = %d, %v; want %d, nil", jen.Id("n"), jen.Err(), jen.Id("removed")),
		)
		g.Comment("What is left on disk is exactly the live rows.")
		g.For(jen.List(jen.Id("i"), jen.Id("o")).Op(":=").Range().Id("owners")).Block(
			jen.List(jen.Id("s"), jen.Err()).Op(":=").Id("everything").Dot("For").Call(jen.Id("o")),
			ifErrFatal("For"),
			jen.Id("check"+e+"Store").Call(jen.Id("t"), jen.Id("s"), jen.Id("live").Index(jen.Id("i")), jen.Nil()),
		)
		g.If(jen.List(jen.Id("n"), jen.Err()).Op(":=").Id("root").Dot("Expire").Call(jen.Id("now")), jen.Err().Op("!=").Nil().Op("||").Id("n").Op("!=").Lit(0)).Block(
			fatalf("second Expire = %d, %v; want 0, nil", jen.Id("n"), jen.Err()),
		)
		g.Comment("Once every row is older than the TTL, nothing is visible across owners either.")
		g.Id("later").Op(":=").Id("base").Dot("WithClock").Call(jen.Func().Params().Qual("time", "Time").Block(
			jen.Return(jen.Id("now").Dot("Add").Call(jen.Lit(2).Op("*").Id(e+"TTL").Op("+").Qual("time", "Second"))),
		))
		g.For(jen.List(jen.Id("row"), jen.Err()).Op(":=").Range().Id("later").Dot("AllOwners").Call().Dot("Scan").Call(opts(nil))).Block(
			ifErrFatal("AllOwners().Scan"),
			fatalf(fmt.Sprintf("AllOwners().Scan returned %%v (%s %%v), which has expired", evt.Name), tp.keyOf(jen.Id("row").Dot("Row")), jen.Id("row").Dot("Row").Dot(evt.GoName)),
		)
		g.For(jen.List(jen.Id("o"), jen.Err()).Op(":=").Range().Id("later").Dot("AllOwners").Call().Dot("Owners").Call()).Block(
			ifErrFatal("AllOwners().Owners"),
			fatalf("AllOwners().Owners() listed %q, whose rows have all expired", jen.Id("o")),
		)
	})
	f.Line()
}

func (tp *tablePlan) expirerTest(f *jen.File) {
	e := tp.entity
	evt := tp.t.Key.Columns[0].GoName
	f.Add(docf("Test%sExpirer starts the background expirer, waits for its first run to remove an\nexpired row, and stops it.", e))
	f.Func().Id("Test" + e + "Expirer").Params(tT()).BlockFunc(func(g *jen.Group) {
		g.Id("db").Op(":=").Add(openDB("t"))
		g.List(jen.Id("base"), jen.Err()).Op(":=").Id("New" + e + "Store").Call(jen.Id("db"))
		g.Add(ifErrFatal("New" + e + "Store"))
		g.Id("now").Op(":=").Qual("time", "Date").Call(jen.Lit(2030), jen.Lit(1), jen.Lit(2), jen.Lit(3), jen.Lit(4), jen.Lit(5), jen.Lit(0), jen.Qual("time", "UTC"))
		g.Id("root").Op(":=").Id("base").Dot("WithClock").Call(jen.Func().Params().Qual("time", "Time").Block(jen.Return(jen.Id("now"))))
		g.List(jen.Id("s"), jen.Err()).Op(":=").Id("base").Dot("WithClock").Call(yearOne()).Dot("For").Call(jen.Lit("u1"))
		g.Add(ifErrFatal("For"))
		g.Id("v").Op(":=").Id("random" + e).Call(newRand(tp.t.ID, 11))
		g.Id("v").Dot(evt).Op("=").Id("now").Dot("Add").Call(jen.Lit(-2).Op("*").Id(e + "TTL"))
		g.If(jen.Err().Op(":=").Id("s").Dot("Put").Call(jen.Op("&").Id("v")), jen.Err().Op("!=").Nil()).Block(fatalf("Put: %v", jen.Err()))
		g.Id("ran").Op(":=").Make(jen.Chan().Int(), jen.Lit(1))
		g.List(jen.Id("stop"), jen.Err()).Op(":=").Id("root").Dot("StartExpirer").Call(jen.Qual("time", "Millisecond"), jen.Func().Params(jen.Id("removed").Int(), jen.Err().Error()).Block(
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Id("t").Dot("Errorf").Call(jen.Lit("expirer run: %v"), jen.Err())),
			jen.Select().Block(
				jen.Case(jen.Id("ran").Op("<-").Id("removed")).Block(),
				jen.Default().Block(),
			),
		))
		g.Add(ifErrFatal("StartExpirer"))
		g.If(jen.Id("n").Op(":=").Op("<-").Id("ran"), jen.Id("n").Op("!=").Lit(1)).Block(fatalf("the first run removed %d rows; want 1", jen.Id("n")))
		g.If(jen.Err().Op(":=").Id("stop").Call(), jen.Err().Op("!=").Nil()).Block(fatalf("stop: %v", jen.Err()))
		g.If(jen.List(jen.Id("n"), jen.Err()).Op(":=").Id("s").Dot("Count").Call(jen.Id("s").Dot("All").Call()), jen.Err().Op("!=").Nil().Op("||").Id("n").Op("!=").Lit(0)).Block(
			fatalf("rows left after the expirer ran: %d, %v; want 0", jen.Id("n"), jen.Err()),
		)
	})
	f.Line()
}
