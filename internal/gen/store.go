package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// storeFile is <table>_store.go: the typed store and the table's access
// policy. For user and stream tables the store's only row access is
// For(owner), which returns an owner-scoped store, so no code can read or
// write a row without naming its owner; reading across owners is the
// separately named AllOwners view (owners.go).
func (tp *tablePlan) storeFile() *jen.File {
	f := tp.pkg.newFile([]string{tp.source})
	f.ImportName(pathAccess, "access")
	f.ImportName(pathScan, "scan")
	t, e := tp.t, tp.entity
	tableType := jen.Op("*").Qual(pathStore, "Table").Types(jen.Id(tp.key.name), jen.Id(e))
	storeName := e + "Store"

	doc := fmt.Sprintf("%s is the typed store of %s: rows of type %s keyed by %s, with their\nsecondary indexes kept in the same atomic write as the row.", storeName, t.FullName(), e, tp.key.name)
	if tp.owned() {
		doc += fmt.Sprintf("\n%s is a %s table, partitioned by owner: reach rows through For(owner), and\nevery owner's rows only through AllOwners.", t.FullName(), t.Kind)
	}
	if tp.stream() {
		doc += fmt.Sprintf("\nReads never return a row whose %s is older than %sTTL, even before Expire\nremoved it.", t.Key.Columns[0].Name, e)
	}
	doc += "\nIt is safe for concurrent use. Methods take no context: embedded Pebble calls do not\nblock on anything a caller could cancel."
	f.Add(docComment(doc))
	f.Type().Id(storeName).StructFunc(func(g *jen.Group) {
		g.Id("t").Add(tableType.Clone())
		if tp.stream() {
			g.Id("now").Func().Params().Qual("time", "Time").Comment("the clock that decides what has expired")
		}
	})
	f.Line()

	f.Add(docf("New%s opens %s in db. It records the table's layout on first use.\nOn later opens it applies safe layout changes before it returns (new and retired columns,\nwidened types, appended enum values, renames, dropped indexes, and new indexes, which it\nbackfills from the rows), and it fails with a *store.LayoutMismatchError, having changed\nnothing, when db holds data this build would misread (a changed key, an incompatible column\ntype, ...); see store.NewTable. A damaged or missing layout record fails with a\n*store.MetadataError.", storeName, t.FullName()))
	f.Func().Id("New"+storeName).Params(jen.Id("db").Op("*").Qual(pathStore, "DB")).Params(jen.Op("*").Id(storeName), jen.Error()).Block(
		jen.List(jen.Id("t"), jen.Err()).Op(":=").Qual(pathStore, "NewTable").Call(jen.Id("db"), jen.Id(e+"Spec").Call()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id(storeName).Add(fields(func(g *jen.Group) {
			g.Add(kv("t", jen.Id("t")))
			if tp.stream() {
				g.Add(kv("now", jen.Qual("time", "Now")))
			}
		})), jen.Nil()),
	)
	f.Line()

	rowStore := storeName
	if tp.owned() {
		rowStore = e + "OwnerStore"
		forDoc := fmt.Sprintf("For returns the store of owner's rows of %s. Every key of a %s table is\nprefixed by its owner's user id (a self-delimiting encoding, so no owner's keys are a prefix\nof another's), so the returned store never sees another owner's rows", t.FullName(), t.Kind)
		if len(t.Indexes) > 0 {
			forDoc += " or index entries;\nunique indexes are unique per owner"
		}
		f.Add(docComment(forDoc + ". An empty owner is refused with an error."))
		f.Func().Params(jen.Id("s").Op("*").Id(storeName)).Id("For").Params(jen.Id("owner").String()).Params(jen.Op("*").Id(rowStore), jen.Error()).Block(
			jen.List(jen.Id("scope"), jen.Err()).Op(":=").Qual(pathStore, "OwnerScope").Call(jen.Id("owner")),
			jen.If(jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(t.FullName()+": %w"), jen.Err())),
			),
			jen.Return(jen.Op("&").Id(rowStore).Add(fields(func(g *jen.Group) {
				g.Add(kv("t", jen.Id("s").Dot("t").Dot("WithScope").Call(jen.Id("scope"))))
				g.Add(kv("owner", jen.Id("owner")))
				if tp.stream() {
					g.Add(kv("now", jen.Id("s").Dot("now")))
				}
			})), jen.Nil()),
		)
		f.Line()
		tp.verifyDecl(f, storeName, "every owner's rows")
		tp.rootOwnerMethods(f, storeName)

		f.Add(docf("%s is the part of %s that belongs to one owner; get one from %s.For.", rowStore, t.FullName(), storeName))
		f.Type().Id(rowStore).StructFunc(func(g *jen.Group) {
			g.Id("t").Add(tableType.Clone())
			g.Id("owner").String()
			if tp.stream() {
				g.Id("now").Func().Params().Qual("time", "Time")
			}
		})
		f.Line()
		f.Add(docComment("Owner returns the user id whose rows this store reads and writes."))
		f.Func().Params(jen.Id("s").Op("*").Id(rowStore)).Id("Owner").Params().String().Block(jen.Return(jen.Id("s").Dot("owner")))
		f.Line()
	}
	tp.rowMethods(f, rowStore)
	if tp.owned() {
		tp.verifyDecl(f, rowStore, "this owner's rows")
		tp.allOwnersDecl(f)
	} else {
		tp.verifyDecl(f, rowStore, "the table")
	}
	tp.policyDecl(f)
	return f
}

// method starts a method declaration on *recv with a doc comment.
func method(f *jen.File, recv, doc, name string) *jen.Statement {
	f.Add(docComment(doc))
	return f.Func().Params(jen.Id("s").Op("*").Id(recv)).Id(name)
}

// st is s.t, the runtime table.
func st() *jen.Statement { return jen.Id("s").Dot("t") }

func (tp *tablePlan) verifyDecl(f *jen.File, recv, what string) {
	method(f, recv, fmt.Sprintf("Verify checks %s against their index entries and reports every row that does not\ndecode and every missing or dangling entry (nil when consistent). The error is for\nfailures to read at all.", what), "Verify").
		Params().Params(jen.Index().Qual(pathStore, "Problem"), jen.Error()).Block(jen.Return(st().Dot("Verify").Call()))
	f.Line()
}

// rowMethods emits the typed CRUD, scan, batch and index methods on recv.
func (tp *tablePlan) rowMethods(f *jen.File, recv string) {
	t, e, k := tp.t, tp.entity, tp.key
	key := jen.Id(k.name)
	row := jen.Id(e)
	seq := jen.Qual("iter", "Seq2").Types(row.Clone(), jen.Error())
	rng := jen.Qual(pathStore, "Range")
	opts := jen.Qual(pathStore, "ScanOptions")

	if tp.stream() {
		tp.streamPointReads(f, recv)
	} else {
		method(f, recv, "Get returns the row with key k, or an error wrapping store.ErrNotFound.", "Get").
			Params(jen.Id("k").Add(key.Clone())).Params(row.Clone(), jen.Error()).Block(jen.Return(st().Dot("Get").Call(jen.Id("k"))))
		f.Line()
		method(f, recv, "Has reports whether a row with key k exists, without decoding it.", "Has").
			Params(jen.Id("k").Add(key.Clone())).Params(jen.Bool(), jen.Error()).Block(jen.Return(st().Dot("Has").Call(jen.Id("k"))))
		f.Line()
	}
	putDoc := "Put inserts or replaces the row with v's key, together with its index entries, atomically."
	if hasUnique(t) {
		putDoc += "\nIt writes nothing and returns a *store.UniqueViolationError (use errors.As) when v would\nshare a unique index's values with another row."
	}
	method(f, recv, putDoc, "Put").
		Params(jen.Id("v").Op("*").Add(row.Clone())).Error().Block(jen.Return(st().Dot("Put").Call(jen.Id("v"))))
	f.Line()
	method(f, recv, "Delete removes the row with key k and its index entries, atomically. Deleting a\nmissing row is not an error.", "Delete").
		Params(jen.Id("k").Add(key.Clone())).Error().Block(jen.Return(st().Dot("Delete").Call(jen.Id("k"))))
	f.Line()
	scanDoc := "Scan yields the rows whose keys lie in r, in key order or, with o.Reverse, in reverse,\nfrom one consistent snapshot. Page with o.Limit and o.After = lastKey.AppendKey(nil).\nErrors are yielded, never dropped."
	countDoc := "Count returns the number of rows whose keys lie in r, without decoding them."
	live := func(r *jen.Statement) *jen.Statement { return r }
	if tp.stream() {
		scanDoc += "\nExpired rows are skipped: r is narrowed to the rows whose event time is within the TTL."
		countDoc += "\nExpired rows are not counted."
		live = func(r *jen.Statement) *jen.Statement {
			return jen.Qual(pathStore, "LiveRange").Call(r, jen.Id("s").Dot("cutoff").Call())
		}
	}
	method(f, recv, scanDoc, "Scan").
		Params(jen.Id("r").Add(rng.Clone()), jen.Id("o").Add(opts.Clone())).Add(seq.Clone()).Block(jen.Return(st().Dot("Scan").Call(live(jen.Id("r")), jen.Id("o"))))
	f.Line()
	method(f, recv, countDoc, "Count").
		Params(jen.Id("r").Add(rng.Clone())).Params(jen.Int(), jen.Error()).Block(jen.Return(st().Dot("Count").Call(live(jen.Id("r")))))
	f.Line()
	method(f, recv, "All is the range of every row, for Scan and Count.", "All").
		Params().Add(rng.Clone()).Block(jen.Return(rng.Clone().Values()))
	f.Line()
	method(f, recv, "KeyRange is the range of keys in [lo, hi), for Scan and Count.", "KeyRange").
		Params(jen.List(jen.Id("lo"), jen.Id("hi")).Add(key.Clone())).Add(rng.Clone()).Block(jen.Return(st().Dot("KeyRange").Call(jen.Id("lo"), jen.Id("hi"))))
	f.Line()
	if !k.single() {
		for j := 1; j < len(k.cols); j++ {
			cols := k.cols[:j]
			var names []string
			var cnames []string
			for _, c := range cols {
				names = append(names, c.GoName)
				cnames = append(cnames, c.Name)
			}
			taken := map[string]bool{"s": true}
			var params []jen.Code
			var args []string
			for _, c := range cols {
				p := paramName(c, taken)
				args = append(args, p)
				params = append(params, jen.Id(p).Add(baseType(c, k.enumTypes[indexOf(k.cols, c)])))
			}
			method(f, recv, fmt.Sprintf("Prefix%s is the range of the rows whose leading key columns (%s) equal\nthe arguments, in key order, for Scan and Count.", strings.Join(names, ""), strings.Join(cnames, ", ")), "Prefix"+strings.Join(names, "")).
				Params(params...).Add(rng.Clone()).BlockFunc(func(g *jen.Group) {
				for i, c := range cols {
					call := keyencAppend(c, k.desc[i])
					arg := encArg(c, jen.Id(args[i]))
					if i == 0 {
						g.Id("prefix").Op(":=").Add(call).Call(jen.Nil(), arg)
					} else {
						g.Id("prefix").Op("=").Add(call).Call(jen.Id("prefix"), arg)
					}
				}
				g.Return(st().Dot("PrefixRange").Call(jen.Id("prefix")))
			})
			f.Line()
		}
	}
	method(f, recv, "PutIn adds a Put of v, with its index entries, to batch b; nothing is written until\nb.Commit, which applies every write of the batch atomically or none of them.", "PutIn").
		Params(jen.Id("b").Op("*").Qual(pathStore, "Batch"), jen.Id("v").Op("*").Add(row.Clone())).Block(st().Dot("PutIn").Call(jen.Id("b"), jen.Id("v")))
	f.Line()
	method(f, recv, "DeleteIn adds a Delete of the row with key k to batch b.", "DeleteIn").
		Params(jen.Id("b").Op("*").Qual(pathStore, "Batch"), jen.Id("k").Add(key.Clone())).Block(st().Dot("DeleteIn").Call(jen.Id("b"), jen.Id("k")))
	f.Line()
	for _, ix := range t.Indexes {
		if ix.Unique {
			tp.uniqueMethods(f, recv, ix)
		} else {
			tp.scanMethods(f, recv, ix)
		}
	}
}

func indexOf(cols []*schema.Column, c *schema.Column) int {
	for i, x := range cols {
		if x == c {
			return i
		}
	}
	return -1
}

func hasUnique(t *schema.Table) bool {
	for _, ix := range t.Indexes {
		if ix.Unique {
			return true
		}
	}
	return false
}

// sparseNote is the sentence index lookups add for sparse indexes.
func sparseNote(ix *schema.Index) string {
	if !ix.Sparse {
		return ""
	}
	var nullable []string
	for _, c := range ix.Columns {
		if c.Nullable {
			nullable = append(nullable, c.Name)
		}
	}
	return fmt.Sprintf("\nRows whose %s is null are not indexed (sparse index), so they are never found here.", strings.Join(nullable, " or "))
}

// encodeValues emits statements that append the encodings of cols, taking
// values from params, to a new slice named name.
func encodeValues(g *jen.Group, name string, cols []*schema.Column, params []string) {
	for i, c := range cols {
		call := keyencAppend(c, false)
		arg := encArg(c, jen.Id(params[i]))
		if i == 0 {
			g.Id(name).Op(":=").Add(call).Call(jen.Nil(), arg)
		} else {
			g.Id(name).Op("=").Add(call).Call(jen.Id(name), arg)
		}
	}
}

// indexParams returns the parameters for cols and their names.
func (tp *tablePlan) indexParams(cols []*schema.Column, taken map[string]bool) ([]jen.Code, []string) {
	var params []jen.Code
	var names []string
	for _, c := range cols {
		p := paramName(c, taken)
		names = append(names, p)
		params = append(params, jen.Id(p).Add(baseType(c, tp.enums[c])))
	}
	return params, names
}

// uniqueMethods emits Get<Index> for a unique index.
func (tp *tablePlan) uniqueMethods(f *jen.File, recv string, ix *schema.Index) {
	params, names := tp.indexParams(ix.Columns, map[string]bool{"s": true, "values": true})
	doc := fmt.Sprintf("Get%s returns the row with %s, through unique index %s,\nor an error wrapping store.ErrNotFound.", ix.GoName, equalsParams(ix.Columns, names), ix.Name) + sparseNote(ix)
	method(f, recv, doc, "Get"+ix.GoName).Params(params...).Params(jen.Id(tp.entity), jen.Error()).BlockFunc(func(g *jen.Group) {
		encodeValues(g, "values", ix.Columns, names)
		g.Return(st().Dot("GetUnique").Call(jen.Lit(int(ix.ID)), jen.Id("values")))
	})
	f.Line()
}

// equalsParams says in doc comments that each column equals the parameter
// of the same position: "status = status", "a = a, b = b and c = c".
func equalsParams(cols []*schema.Column, params []string) string {
	terms := make([]string, len(cols))
	for i, c := range cols {
		terms[i] = c.Name + " = " + params[i]
	}
	if len(terms) == 1 {
		return terms[0]
	}
	return strings.Join(terms[:len(terms)-1], ", ") + " and " + terms[len(terms)-1]
}

// scanMethods emits the scans of a non-unique index with columns c1…cn:
//
//	Scan<Index><C2…Cj>(c1, …, cj, o)            equality on the first j columns
//	Scan<Index><C2…Cj>Range(c1, …, cj-1, lo, hi, o)  equality on the first j-1, cj in [lo, hi)
//	Cursor<Index>(v)                              the o.After that continues a scan past row v
//
// for j = 1…n. Rows come in index order (then key order), or reversed.
func (tp *tablePlan) scanMethods(f *jen.File, recv string, ix *schema.Index) {
	e := tp.entity
	seq := jen.Qual("iter", "Seq2").Types(jen.Id(e), jen.Error())
	opts := jen.Qual(pathStore, "ScanOptions")
	order := "Rows come in index order (ties in key order), or reversed with o.Reverse; page with o.Limit\nand o.After = s.Cursor" + ix.GoName + "(&last)."
	for j := 1; j <= len(ix.Columns); j++ {
		var suffix string
		for _, c := range ix.Columns[1:j] {
			suffix += c.GoName
		}
		name := "Scan" + ix.GoName + suffix
		eq := ix.Columns[:j]

		params, names := tp.indexParams(eq, map[string]bool{"s": true, "o": true, "values": true})
		doc := fmt.Sprintf("%s yields the rows with %s, through index %s (%s).\n%s", name, equalsParams(eq, names), ix.Name, indexColumns(ix), order) + sparseNote(ix)
		method(f, recv, doc, name).Params(append(params, jen.Id("o").Add(opts.Clone()))...).Add(seq.Clone()).BlockFunc(func(g *jen.Group) {
			encodeValues(g, "values", eq, names)
			g.Return(st().Dot("IndexScan").Call(jen.Lit(int(ix.ID)), st().Dot("PrefixRange").Call(jen.Id("values")), jen.Id("o")))
		})
		f.Line()

		ranged := ix.Columns[j-1]
		prefix := ix.Columns[:j-1]
		params, names = tp.indexParams(prefix, map[string]bool{"s": true, "o": true, "lo": true, "hi": true, "prefix": true})
		params = append(params, jen.List(jen.Id("lo"), jen.Id("hi")).Add(baseType(ranged, tp.enums[ranged])), jen.Id("o").Add(opts.Clone()))
		what := ranged.Name + " in [lo, hi)"
		if len(prefix) > 0 {
			what = equalsParams(prefix, names) + " and " + what
		}
		doc = fmt.Sprintf("%sRange yields the rows with %s, through index %s (%s).\n%s", name, what, ix.Name, indexColumns(ix), order) + sparseNote(ix)
		method(f, recv, doc, name+"Range").Params(params...).Add(seq.Clone()).BlockFunc(func(g *jen.Group) {
			lo := encArg(ranged, jen.Id("lo"))
			hi := encArg(ranged, jen.Id("hi"))
			if len(prefix) == 0 {
				g.Id("r").Op(":=").Qual(pathStore, "Range").Values(jen.Dict{
					jen.Id("Start"): keyencAppend(ranged, false).Call(jen.Nil(), lo),
					jen.Id("End"):   keyencAppend(ranged, false).Call(jen.Nil(), hi),
				})
			} else {
				encodeValues(g, "prefix", prefix, names)
				clip := jen.Qual("slices", "Clip").Call(jen.Id("prefix"))
				g.Id("r").Op(":=").Qual(pathStore, "Range").Add(fields(func(g *jen.Group) {
					g.Add(kv("Start", keyencAppend(ranged, false).Call(clip.Clone(), lo)))
					g.Add(kv("End", keyencAppend(ranged, false).Call(clip.Clone(), hi)))
				}))
			}
			g.Return(st().Dot("IndexScan").Call(jen.Lit(int(ix.ID)), jen.Id("r"), jen.Id("o")))
		})
		f.Line()
	}
	method(f, recv, fmt.Sprintf("Cursor%s returns the o.After cursor that continues a scan of index %s just past\nrow v (the last row of a page). It fails when v has no entry in the index.", ix.GoName, ix.Name), "Cursor"+ix.GoName).
		Params(jen.Id("v").Op("*").Id(e)).Params(jen.Index().Byte(), jen.Error()).Block(jen.Return(st().Dot("IndexCursor").Call(jen.Lit(int(ix.ID)), jen.Id("v"))))
	f.Line()
}
