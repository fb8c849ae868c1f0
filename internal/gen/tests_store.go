package gen

import (
	"slices"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// rowStore is the store type whose methods read and write rows: the owner
// store for user and stream tables.
func (tp *tablePlan) rowStore() string {
	if tp.owned() {
		return tp.entity + "OwnerStore"
	}
	return tp.entity + "Store"
}

// encodedKey is string(<key of row>.AppendKey(nil)), the model's map key.
func (tp *tablePlan) encodedKey(k *jen.Statement) *jen.Statement {
	return jen.String().Call(k.Dot("AppendKey").Call(jen.Nil()))
}

// modelType is map[string]<Entity>: the rows a test expects, by encoded key.
func (tp *tablePlan) modelType() *jen.Statement { return jen.Map(jen.String()).Id(tp.entity) }

// openStore emits the statements that open the row store as s on db;
// user and stream tables go through For("alice"), stream tables with a
// clock at which no row has expired (tests_owner.go).
func (tp *tablePlan) openStore(g *jen.Group, owner string) {
	e := tp.entity
	if !tp.owned() {
		g.List(jen.Id("s"), jen.Err()).Op(":=").Id("New" + e + "Store").Call(jen.Id("db"))
		g.Add(ifErrFatal("New" + e + "Store"))
		return
	}
	g.List(jen.Id("root"), jen.Err()).Op(":=").Id("New" + e + "Store").Call(jen.Id("db"))
	g.Add(ifErrFatal("New" + e + "Store"))
	tp.noExpiry(g)
	g.List(jen.Id("s"), jen.Err()).Op(":=").Id("root").Dot("For").Call(tp.ownerSample(owner))
	g.Add(ifErrFatal("For(%q)", jen.Lit(owner)))
}

// storeTestHelpers emits set<E>Key, sorted<E>Rows, conflict<E>, the index
// orders and check<E>Store.
func (tp *tablePlan) storeTestHelpers(f *jen.File) {
	e, k := tp.entity, tp.key
	f.Add(docf("set%sKey sets the key columns of v to k.", e))
	f.Func().Id("set"+e+"Key").Params(jen.Id("v").Op("*").Id(e), jen.Id("k").Id(k.name)).BlockFunc(func(g *jen.Group) {
		for i, c := range tp.t.Key.Columns {
			var val *jen.Statement
			if k.single() {
				val = baseType(c, tp.enums[c]).Call(jen.Id("k"))
			} else {
				val = jen.Id("k").Dot(k.cols[i].GoName)
				if et := tp.enums[c]; et != "" && et != k.enumTypes[i] {
					val = jen.Id(et).Call(val)
				}
			}
			g.Id("v").Dot(c.GoName).Op("=").Add(val)
		}
	})
	f.Line()

	f.Add(docf("sorted%sRows returns the rows of model in key order, the order of a forward Scan.", e))
	f.Func().Id("sorted"+e+"Rows").Params(jen.Id("model").Add(tp.modelType())).Index().Id(e).Block(
		jen.Id("keys").Op(":=").Qual("slices", "Sorted").Call(jen.Qual("maps", "Keys").Call(jen.Id("model"))),
		jen.Id("rows").Op(":=").Make(jen.Index().Id(e), jen.Len(jen.Id("keys"))),
		jen.For(jen.List(jen.Id("i"), jen.Id("k")).Op(":=").Range().Id("keys")).Block(
			jen.Id("rows").Index(jen.Id("i")).Op("=").Id("model").Index(jen.Id("k")),
		),
		jen.Return(jen.Id("rows")),
	)
	f.Line()

	if hasUnique(tp.t) {
		f.Add(docf("conflict%s returns the unique indexes whose values v would share with a row of\nmodel other than the one under encoded key ek: the indexes a Put of v must be refused by.", e))
		f.Func().Id("conflict"+e).Params(jen.Id("model").Add(tp.modelType()), jen.Id("ek").String(), jen.Id("v").Op("*").Id(e)).Index().String().BlockFunc(func(g *jen.Group) {
			g.Var().Id("names").Index().String()
			for _, ix := range tp.t.Indexes {
				if !ix.Unique {
					continue
				}
				fn := "append" + e + ix.GoName + "Values"
				g.If(jen.List(jen.Id("a"), jen.Id("ok")).Op(":=").Id(fn).Call(jen.Nil(), jen.Id("v")), jen.Id("ok")).Block(
					jen.For(jen.List(jen.Id("mk"), jen.Id("w")).Op(":=").Range().Id("model")).Block(
						jen.If(jen.List(jen.Id("b"), jen.Id("ok")).Op(":=").Id(fn).Call(jen.Nil(), jen.Op("&").Id("w")),
							jen.Id("mk").Op("!=").Id("ek").Op("&&").Id("ok").Op("&&").Qual("bytes", "Equal").Call(jen.Id("a"), jen.Id("b"))).Block(
							jen.Id("names").Op("=").Append(jen.Id("names"), jen.Lit(ix.Name)),
							jen.Break(),
						),
					),
				)
			}
			g.Return(jen.Id("names"))
		})
		f.Line()
	}

	for _, ix := range tp.t.Indexes {
		if ix.Unique {
			continue
		}
		f.Add(docf("compare%s%s is the typed order of index %s: its columns, then the key.", e, ix.GoName, ix.Name))
		f.Func().Id("compare" + e + ix.GoName).Params(jen.List(jen.Id("a"), jen.Id("b")).Op("*").Id(e)).Int().BlockFunc(func(g *jen.Group) {
			for _, c := range ix.Columns {
				g.If(jen.Id("c").Op(":=").Add(cmpExpr(c, colValue(jen.Id("a"), c), colValue(jen.Id("b"), c))), jen.Id("c").Op("!=").Lit(0)).Block(jen.Return(jen.Id("c")))
			}
			g.Return(jen.Qual("bytes", "Compare").Call(
				tp.keyOf(jen.Id("a")).Dot("AppendKey").Call(jen.Nil()),
				tp.keyOf(jen.Id("b")).Dot("AppendKey").Call(jen.Nil())))
		})
		f.Line()
	}

	tp.checkDecl(f)
}

// eqCols is the condition that rows x and w agree on cols (typed).
func eqCols(x, w *jen.Statement, cols []*schema.Column) *jen.Statement {
	var cond *jen.Statement
	for _, c := range cols {
		e := cmpExpr(c, colValue(x, c), colValue(w, c)).Op("==").Lit(0)
		if cond == nil {
			cond = e
		} else {
			cond = cond.Op("&&").Add(e)
		}
	}
	return cond
}

// and joins conditions, skipping nil ones; nil when all are nil.
func and(conds ...*jen.Statement) *jen.Statement {
	var out *jen.Statement
	for _, c := range conds {
		if c == nil {
			continue
		}
		if out == nil {
			out = c
		} else {
			out = out.Op("&&").Add(c)
		}
	}
	return out
}

// ifCond wraps body in `if cond { … }`, or emits it as is when cond is nil.
func ifCond(g *jen.Group, cond *jen.Statement, body ...jen.Code) {
	if cond == nil {
		for _, b := range body {
			g.Add(b)
		}
		return
	}
	g.If(cond).Block(body...)
}

// collect is tabletest.Collect(t, seq).
func collect(seq *jen.Statement) *jen.Statement {
	return tabletest("Collect").Call(jen.Id("t"), seq)
}

// opts is store.ScanOptions{…}.
func opts(fields jen.Dict) *jen.Statement { return jen.Qual(pathStore, "ScanOptions").Values(fields) }

// diffRowsFatal is `if d := tabletest.DiffRows(got, want, diff<E>); d != "" { t.Fatalf(what+": %s", args..., d) }`.
func (tp *tablePlan) diffRowsFatal(got, want *jen.Statement, what string, args ...jen.Code) *jen.Statement {
	return jen.If(jen.Id("d").Op(":=").Add(tabletest("DiffRows")).Call(got, want, jen.Id("diff"+tp.entity)), jen.Id("d").Op("!=").Lit("")).Block(
		fatalf(what+": %s", slices.Concat(args, []jen.Code{jen.Id("d")})...),
	)
}

// checkDecl emits check<E>Store, which compares everything the store can
// answer with the model.
func (tp *tablePlan) checkDecl(f *jen.File) {
	e, k := tp.entity, tp.key
	f.Add(docf("check%sStore checks every read of s against model, the rows s must hold; old are\nearlier versions of rows (updated or deleted), whose keys and index values must no longer\nfind them.", e))
	f.Func().Id("check"+e+"Store").Params(tT(), jen.Id("s").Op("*").Id(tp.rowStore()), jen.Id("model").Add(tp.modelType()), jen.Id("old").Index().Id(e)).BlockFunc(func(g *jen.Group) {
		g.Id("t").Dot("Helper").Call()
		g.Id("want").Op(":=").Id("sorted" + e + "Rows").Call(jen.Id("model"))
		g.If(jen.List(jen.Id("n"), jen.Err()).Op(":=").Id("s").Dot("Count").Call(jen.Qual(pathStore, "Range").Values()), jen.Err().Op("!=").Nil().Op("||").Id("n").Op("!=").Len(jen.Id("want"))).Block(
			fatalf("Count = %d, %v; want %d", jen.Id("n"), jen.Err(), jen.Len(jen.Id("want"))),
		)
		g.Add(tp.diffRowsFatal(collect(jen.Id("s").Dot("Scan").Call(jen.Qual(pathStore, "Range").Values(), opts(nil))), jen.Id("want"), "Scan"))
		g.Id("rev").Op(":=").Add(collect(jen.Id("s").Dot("Scan").Call(jen.Qual(pathStore, "Range").Values(), opts(jen.Dict{jen.Id("Reverse"): jen.True()}))))
		g.Qual("slices", "Reverse").Call(jen.Id("rev"))
		g.Add(tp.diffRowsFatal(jen.Id("rev"), jen.Id("want"), "reverse Scan"))
		g.Var().Id("paged").Index().Id(e)
		g.Id("o").Op(":=").Add(opts(jen.Dict{jen.Id("Limit"): jen.Lit(7)}))
		g.Id("o").Dot("Next").Op("=").Op("&").Id("o").Dot("After")
		g.For().Block(
			jen.Id("page").Op(":=").Add(collect(jen.Id("s").Dot("Scan").Call(jen.Qual(pathStore, "Range").Values(), jen.Id("o")))),
			jen.Id("paged").Op("=").Append(jen.Id("paged"), jen.Id("page").Op("...")),
			jen.If(jen.Len(jen.Id("page")).Op("<").Id("o").Dot("Limit")).Block(jen.Break()),
		)
		g.Add(tp.diffRowsFatal(jen.Id("paged"), jen.Id("want"), "paged Scan"))

		g.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Id("want")).Block(
			jen.Id("k").Op(":=").Add(tp.keyOf(jen.Id("w"))),
			jen.List(jen.Id("got"), jen.Err()).Op(":=").Id("s").Dot("Get").Call(jen.Id("k")),
			ifErrFatal("Get(%v)", jen.Id("k")),
			jen.If(jen.Id("d").Op(":=").Id("diff"+e).Call(jen.Op("&").Id("got"), jen.Op("&").Id("w")), jen.Id("d").Op("!=").Lit("")).Block(
				fatalf("Get(%v): %s", jen.Id("k"), jen.Id("d")),
			),
			jen.If(jen.List(jen.Id("ok"), jen.Err()).Op(":=").Id("s").Dot("Has").Call(jen.Id("k")), jen.Err().Op("!=").Nil().Op("||").Op("!").Id("ok")).Block(
				fatalf("Has(%v) = %v, %v; want true", jen.Id("k"), jen.Id("ok"), jen.Err()),
			),
		)
		g.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Id("old")).Block(
			jen.Id("k").Op(":=").Add(tp.keyOf(jen.Id("w"))),
			jen.If(jen.List(jen.Id("_"), jen.Id("ok")).Op(":=").Id("model").Index(tp.encodedKey(jen.Id("k"))), jen.Id("ok")).Block(jen.Continue()),
			jen.If(jen.List(jen.Id("_"), jen.Err()).Op(":=").Id("s").Dot("Get").Call(jen.Id("k")), jen.Op("!").Qual("errors", "Is").Call(jen.Err(), jen.Qual(pathStore, "ErrNotFound"))).Block(
				fatalf("Get(%v) of a deleted row = %v; want store.ErrNotFound", jen.Id("k"), jen.Err()),
			),
			jen.If(jen.List(jen.Id("ok"), jen.Err()).Op(":=").Id("s").Dot("Has").Call(jen.Id("k")), jen.Err().Op("!=").Nil().Op("||").Id("ok")).Block(
				fatalf("Has(%v) of a deleted row = %v, %v; want false", jen.Id("k"), jen.Id("ok"), jen.Err()),
			),
		)

		needSamples := !k.single()
		for _, ix := range tp.t.Indexes {
			needSamples = needSamples || !ix.Unique
		}
		if needSamples {
			g.Id("samples").Op(":=").Id("want").Index(jen.Empty(), jen.Min(jen.Len(jen.Id("want")), jen.Lit(10)))
		}
		if !k.single() {
			g.Comment("Prefix ranges over the leading key columns.")
			g.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Id("samples")).BlockFunc(func(g *jen.Group) {
				for j := 1; j < len(k.cols); j++ {
					cols := tp.t.Key.Columns[:j]
					var name []string
					var args []jen.Code
					for _, c := range cols {
						name = append(name, c.GoName)
						args = append(args, jen.Id("w").Dot(c.GoName))
					}
					method := "Prefix" + strings.Join(name, "")
					g.BlockFunc(func(g *jen.Group) {
						g.Var().Id("expect").Index().Id(e)
						g.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("want")).Block(
							jen.If(eqCols(jen.Id("x"), jen.Id("w"), cols)).Block(jen.Id("expect").Op("=").Append(jen.Id("expect"), jen.Id("x"))),
						)
						g.Add(tp.diffRowsFatal(collect(jen.Id("s").Dot("Scan").Call(jen.Id("s").Dot(method).Call(args...), opts(nil))), jen.Id("expect"),
							method+"("+strings.Repeat("%v, ", len(args)-1)+"%v)", args...))
					})
				}
			})
		}

		for _, ix := range tp.t.Indexes {
			if ix.Unique {
				tp.checkUnique(g, ix)
			} else {
				tp.checkScans(g, ix)
			}
		}

		g.List(jen.Id("problems"), jen.Err()).Op(":=").Id("s").Dot("Verify").Call()
		g.Add(ifErrFatal("Verify"))
		g.If(jen.Len(jen.Id("problems")).Op(">").Lit(0)).Block(
			fatalf("Verify found %d problems; the first: %v", jen.Len(jen.Id("problems")), jen.Id("problems").Index(jen.Lit(0))),
		)
	})
	f.Line()
}

// indexArgs are the values of cols in row w, as arguments.
func indexArgs(w *jen.Statement, cols []*schema.Column) []jen.Code {
	var args []jen.Code
	for _, c := range cols {
		args = append(args, colValue(w, c))
	}
	return slices.Clip(args) // callers append: never share the backing array
}

// call formats "Name(%v, %v)" for failure messages.
func callFormat(name string, n int) string {
	return name + "(" + strings.TrimSuffix(strings.Repeat("%v, ", n), ", ") + ")"
}

// checkUnique emits the Get<Index> checks: every current row is found by its
// values, and an old version's values find nothing or the row that holds
// them now.
func (tp *tablePlan) checkUnique(g *jen.Group, ix *schema.Index) {
	e := tp.entity
	get := "Get" + ix.GoName
	g.Commentf("Unique index %s.", ix.Name)
	g.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Id("want")).BlockFunc(func(g *jen.Group) {
		args := indexArgs(jen.Id("w"), ix.Columns)
		ifCond(g, notNull(jen.Id("w"), ix.Columns),
			jen.List(jen.Id("got"), jen.Err()).Op(":=").Id("s").Dot(get).Call(args...),
			ifErrFatal(callFormat(get, len(args)), args...),
			jen.If(jen.Id("d").Op(":=").Id("diff"+e).Call(jen.Op("&").Id("got"), jen.Op("&").Id("w")), jen.Id("d").Op("!=").Lit("")).Block(
				fatalf(callFormat(get, len(args))+": %s", append(args, jen.Id("d"))...),
			),
		)
	})
	values := "append" + e + ix.GoName + "Values"
	g.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Id("old")).BlockFunc(func(g *jen.Group) {
		args := indexArgs(jen.Id("w"), ix.Columns)
		ifCond(g, notNull(jen.Id("w"), ix.Columns),
			jen.List(jen.Id("got"), jen.Err()).Op(":=").Id("s").Dot(get).Call(args...),
			jen.If(jen.Qual("errors", "Is").Call(jen.Err(), jen.Qual(pathStore, "ErrNotFound"))).Block(jen.Continue()),
			ifErrFatal(callFormat(get, len(args)), args...),
			jen.Comment("Another row holds these values now: it must be that row, as it is now."),
			jen.List(jen.Id("cur"), jen.Id("ok")).Op(":=").Id("model").Index(tp.encodedKey(tp.keyOf(jen.Id("got")))),
			jen.List(jen.Id("a"), jen.Id("_")).Op(":=").Id(values).Call(jen.Nil(), jen.Op("&").Id("got")),
			jen.List(jen.Id("b"), jen.Id("_")).Op(":=").Id(values).Call(jen.Nil(), jen.Op("&").Id("w")),
			jen.If(jen.Op("!").Id("ok").Op("||").Id("diff"+e).Call(jen.Op("&").Id("got"), jen.Op("&").Id("cur")).Op("!=").Lit("").Op("||").Op("!").Qual("bytes", "Equal").Call(jen.Id("a"), jen.Id("b"))).Block(
				fatalf(callFormat(get, len(args))+" with the values of an old row returned %v, which is not the row that holds them", append(args, tp.keyOf(jen.Id("got")))...),
			),
		)
	})
}

// checkScans emits the checks of a non-unique index's scans, for values of
// current and old rows.
func (tp *tablePlan) checkScans(g *jen.Group, ix *schema.Index) {
	e := tp.entity
	order := "compare" + e + ix.GoName
	g.Commentf("Index %s (%s).", ix.Name, indexColumns(ix))
	g.For(jen.List(jen.Id("_"), jen.Id("w")).Op(":=").Range().Qual("slices", "Concat").Call(jen.Id("samples"), jen.Id("old").Index(jen.Empty(), jen.Min(jen.Len(jen.Id("old")), jen.Lit(10))))).BlockFunc(func(g *jen.Group) {
		var stmts []jen.Code
		indexed := func() *jen.Statement { return notNull(jen.Id("x"), ix.Columns) }
		for j := 1; j <= len(ix.Columns); j++ {
			name := scanName(ix, j)
			eq := ix.Columns[:j]
			args := indexArgs(jen.Id("w"), eq)
			block := []jen.Code{
				jen.Var().Id("expect").Index().Id(e),
				jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("want")).Block(
					jen.If(and(indexed(), eqCols(jen.Id("x"), jen.Id("w"), eq))).Block(jen.Id("expect").Op("=").Append(jen.Id("expect"), jen.Id("x"))),
				),
				jen.Qual("slices", "SortStableFunc").Call(jen.Id("expect"), jen.Func().Params(jen.List(jen.Id("a"), jen.Id("b")).Id(e)).Int().Block(
					jen.Return(jen.Id(order).Call(jen.Op("&").Id("a"), jen.Op("&").Id("b"))),
				)),
				tp.diffRowsFatal(collect(jen.Id("s").Dot(name).Call(append(args, opts(nil))...)), jen.Id("expect"), callFormat(name, len(args)), args...),
			}
			if j == 1 {
				block = append(block,
					jen.Id("rev").Op(":=").Add(collect(jen.Id("s").Dot(name).Call(append(args, opts(jen.Dict{jen.Id("Reverse"): jen.True()}))...))),
					jen.Qual("slices", "Reverse").Call(jen.Id("rev")),
					tp.diffRowsFatal(jen.Id("rev"), jen.Id("expect"), "reverse "+callFormat(name, len(args)), args...),
					jen.Var().Id("paged").Index().Id(e),
					jen.Id("o").Op(":=").Add(opts(jen.Dict{jen.Id("Limit"): jen.Lit(3)})),
					jen.Id("o").Dot("Next").Op("=").Op("&").Id("o").Dot("After"),
					jen.For().Block(
						jen.Id("page").Op(":=").Add(collect(jen.Id("s").Dot(name).Call(append(args, jen.Id("o"))...))),
						jen.Id("paged").Op("=").Append(jen.Id("paged"), jen.Id("page").Op("...")),
						jen.If(jen.Len(jen.Id("page")).Op("<").Id("o").Dot("Limit")).Block(jen.Break()),
					),
					tp.diffRowsFatal(jen.Id("paged"), jen.Id("expect"), "paged "+callFormat(name, len(args)), args...),
				)
			}
			stmts = append(stmts, jen.Block(block...))

			// The range form: equality on the first j-1 columns, column j in [lo, hi).
			ranged := ix.Columns[j-1]
			prefix := ix.Columns[:j-1]
			rargs := slices.Clip(append(indexArgs(jen.Id("w"), prefix), jen.Id("lo"), jen.Id("hi")))
			hiCond := and(notNull(jen.Id("x"), []*schema.Column{ranged}), cmpExpr(ranged, colValue(jen.Id("x"), ranged), jen.Id("hi")).Op(">").Lit(0))
			rblock := []jen.Code{
				jen.Id("lo").Op(":=").Add(colValue(jen.Id("w"), ranged)),
				jen.Id("hi").Op(":=").Id("lo"),
				jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("want")).Block(
					jen.If(hiCond).Block(jen.Id("hi").Op("=").Add(colValue(jen.Id("x"), ranged))),
				),
				jen.Var().Id("expect").Index().Id(e),
				jen.For(jen.List(jen.Id("_"), jen.Id("x")).Op(":=").Range().Id("want")).Block(
					jen.If(and(indexed(), eqCols(jen.Id("x"), jen.Id("w"), prefix),
						cmpExpr(ranged, colValue(jen.Id("x"), ranged), jen.Id("lo")).Op(">=").Lit(0),
						cmpExpr(ranged, colValue(jen.Id("x"), ranged), jen.Id("hi")).Op("<").Lit(0),
					)).Block(jen.Id("expect").Op("=").Append(jen.Id("expect"), jen.Id("x"))),
				),
				jen.Qual("slices", "SortStableFunc").Call(jen.Id("expect"), jen.Func().Params(jen.List(jen.Id("a"), jen.Id("b")).Id(e)).Int().Block(
					jen.Return(jen.Id(order).Call(jen.Op("&").Id("a"), jen.Op("&").Id("b"))),
				)),
				tp.diffRowsFatal(collect(jen.Id("s").Dot(name+"Range").Call(append(rargs, opts(nil))...)), jen.Id("expect"), callFormat(name+"Range", len(rargs)), rargs...),
			}
			stmts = append(stmts, jen.Block(rblock...))
		}
		ifCond(g, notNull(jen.Id("w"), ix.Columns), stmts...)
	})
}

// storeTest emits Test<E>Store, a call of tabletest.StoreModel with
// closures over the table's store and generated helpers: random puts,
// updates, deletes and batches against an in-memory model, checked by
// check<E>Store after every 100 steps and at the end.
func (tp *tablePlan) storeTest(f *jen.File) {
	e := tp.entity
	k := tp.key.name
	ptr := func() *jen.Statement { return jen.Op("*").Id(e) }
	f.Add(docf("Test%sStore runs random puts, updates, deletes and batches against an in-memory\nmodel and checks every read of the store against it.", e))
	f.Func().Id("Test" + e + "Store").Params(tT()).BlockFunc(func(g *jen.Group) {
		g.Id("db").Op(":=").Add(openDB("t"))
		tp.openStore(g, "alice")
		var d []jen.Code
		field := func(name string, val jen.Code) { d = append(d, jen.Id(name).Op(":").Add(val)) }
		field("Rand", newRand(tp.t.ID, 6))
		field("Random", jen.Id("random"+e))
		field("SetKey", jen.Id("set"+e+"Key"))
		field("KeyOf", jen.Func().Params(jen.Id("v").Add(ptr())).Id(k).Block(jen.Return(tp.keyOf(jen.Id("v")))))
		field("EncodeKey", jen.Func().Params(jen.Id("k").Id(k)).String().Block(jen.Return(tp.encodedKey(jen.Id("k")))))
		if hasUnique(tp.t) {
			field("Conflict", jen.Id("conflict"+e))
		}
		field("Put", jen.Id("s").Dot("Put"))
		field("Delete", jen.Id("s").Dot("Delete"))
		field("NewBatch", jen.Id("db").Dot("NewBatch"))
		field("PutIn", jen.Id("s").Dot("PutIn"))
		field("DeleteIn", jen.Id("s").Dot("DeleteIn"))
		field("Commit", jen.Parens(jen.Op("*").Qual(pathStore, "Batch")).Dot("Commit"))
		field("Check", jen.Func().Params(jen.Id("model").Add(tp.modelType()), jen.Id("old").Index().Id(e)).Block(
			jen.Id("check"+e+"Store").Call(jen.Id("t"), jen.Id("s"), jen.Id("model"), jen.Id("old")),
		))
		g.Add(tabletest("StoreModel").Call(jen.Id("t"), tabletest("StoreModelCase").Types(jen.Id(k), jen.Id(e), jen.Op("*").Qual(pathStore, "Batch")).ValuesFunc(func(g *jen.Group) {
			for _, c := range d {
				g.Line().Add(c)
			}
			g.Line()
		})))
		if tp.owned() {
			g.If(jen.List(jen.Id("problems"), jen.Err()).Op(":=").Id("root").Dot("Verify").Call(), jen.Err().Op("!=").Nil().Op("||").Len(jen.Id("problems")).Op("!=").Lit(0)).Block(
				fatalf("Verify of every owner = %v, %v; want no problems", jen.Id("problems"), jen.Err()),
			)
			// The only owner, read back typed across owners.
			g.For(jen.List(jen.Id("o"), jen.Err()).Op(":=").Range().Id("root").Dot("AllOwners").Call().Dot("Owners").Call()).Block(
				jen.If(jen.Err().Op("!=").Nil().Op("||").Id("o").Op("!=").Add(tp.ownerSample("alice"))).Block(
					fatalf("AllOwners().Owners() yielded %v, %v; want only the owner of the rows", jen.Id("o"), jen.Err()),
				),
			)
		}
	})
	f.Line()
}

// noExpiry emits, for a stream table, `root = root.WithClock(year 1)`: the
// generated random rows have event times from year 1 to 9999, none of which
// has expired at year 1, so the generic store tests see every row.
func (tp *tablePlan) noExpiry(g *jen.Group) {
	if !tp.stream() {
		return
	}
	g.Comment("At year 1 no random row (years 1 to 9999) has expired: every row stays visible.")
	g.Id("root").Op("=").Id("root").Dot("WithClock").Call(
		jen.Func().Params().Qual("time", "Time").Block(jen.Return(jen.Qual("time", "Time").Values())))
}
