package gen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// storeFile is <table>_store.go: the typed store. A store embeds the
// generic *store.Table, so Get, Has, Put, Delete, Create, Update, Scan,
// Count, KeyRange, PutIn, DeleteIn and Verify come typed from the runtime;
// generated are the constructor, In and As returning the same typed store,
// key-prefix ranges and the typed index methods. For user and stream tables
// the root store's only row access is For(owner), which returns the
// owner-scoped store, so no code can read or write a row without naming its
// owner; reading across owners is the separately named AllOwners view.
func (tp *tablePlan) storeFile() *jen.File {
	f := tp.pkg.newFile([]string{tp.source})
	f.ImportName(pathAccess, "access")
	t, e := tp.t, tp.entity
	tableType := jen.Op("*").Qual(pathStore, "Table").Types(jen.Id(tp.key.name), jen.Id(e))
	storeName := e + "Store"
	rowStore := storeName
	if tp.owned() {
		rowStore = e + "OwnerStore"
	}

	doc := fmt.Sprintf("%s is the typed store of %s (rows %s, keys %s); the methods of\nstore.Table come typed through the embedding.", storeName, t.FullName(), e, tp.key.name)
	if tp.owned() {
		doc = fmt.Sprintf("%s is the typed store of %s (rows %s, keys %s), a %s table partitioned by\nowner: reach rows through For(owner), and every owner's rows only through AllOwners.", storeName, t.FullName(), e, tp.key.name, t.Kind)
	}
	if tp.stream() {
		doc += fmt.Sprintf("\nReads hide rows whose %s is older than %sTTL, even before Expire removed them.", t.Key.Columns[0].Name, e)
	}
	f.Add(docComment(doc))
	if tp.owned() {
		f.Type().Id(storeName).Struct(jen.Id("t").Add(tableType.Clone()))
	} else {
		f.Type().Id(storeName).Struct(tableType.Clone())
	}
	f.Line()

	f.Add(docf("New%s opens %s in db, recording its layout on first use and applying safe\nlayout changes on later opens (see store.NewTable for the errors).", storeName, t.FullName()))
	f.Func().Id("New"+storeName).Params(jen.Id("db").Op("*").Qual(pathStore, "DB")).Params(jen.Op("*").Id(storeName), jen.Error()).Block(
		jen.List(jen.Id("t"), jen.Err()).Op(":=").Qual(pathStore, "NewTable").Call(jen.Id("db"), jen.Id(e+"Spec").Call()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Return(jen.Op("&").Id(storeName).Values(jen.Id("t")), jen.Nil()),
	)
	f.Line()
	inner := func(recv string) *jen.Statement {
		if recv == storeName && tp.owned() {
			return jen.Id("s").Dot("t")
		}
		return jen.Id("s").Dot("Table")
	}
	views := func(recv string) {
		method(f, recv, "In returns the store bound to transaction tx (see store.Table.In).", "In").
			Params(jen.Id("tx").Op("*").Qual(pathStore, "Tx")).Op("*").Id(recv).Block(
			jen.Return(jen.Op("&").Id(recv).Values(inner(recv).Dot("In").Call(jen.Id("tx")))))
		f.Line()
		method(f, recv, "As returns the store acting for actor, enforcing the table's access rules (see store.Table.As).", "As").
			Params(jen.Id("actor").Qual(pathAccess, "Actor")).Op("*").Id(recv).Block(
			jen.Return(jen.Op("&").Id(recv).Values(inner(recv).Dot("As").Call(jen.Id("actor")))))
		f.Line()
	}
	views(storeName)
	if tp.owned() {
		f.Add(docf("For returns the store of owner's rows of %s; it never sees another owner's rows%s.\nThe zero owner is refused.", t.FullName(), map[bool]string{true: " or\nindex entries, and unique indexes are unique per owner", false: ""}[len(t.Indexes) > 0]))
		f.Func().Params(jen.Id("s").Op("*").Id(storeName)).Id("For").Params(jen.Id("owner").Add(tp.ownerGoType())).Params(jen.Op("*").Id(rowStore), jen.Error()).Block(
			jen.List(jen.Id("scope"), jen.Err()).Op(":=").Qual(pathStore, "OwnerScope").Call(jen.Id("owner")),
			jen.If(jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit(t.FullName()+": %w"), jen.Err())),
			),
			jen.Return(jen.Op("&").Id(rowStore).Values(jen.Id("s").Dot("t").Dot("WithScope").Call(jen.Id("scope"))), jen.Nil()),
		)
		f.Line()
		method(f, storeName, "AllOwners returns the read-only view of every owner's rows, for flush, admin and export.", "AllOwners").
			Params().Op("*").Qual(pathStore, "AllOwners").Types(tp.ownerGoType(), jen.Id(tp.key.name), jen.Id(e)).Block(jen.Return(jen.Qual(pathStore, "NewAllOwners").Types(tp.ownerGoType()).Call(jen.Id("s").Dot("t"))))
		f.Line()
		method(f, storeName, "Verify checks every owner's rows against their index entries (see store.Table.Verify).", "Verify").
			Params().Params(jen.Index().Qual(pathStore, "Problem"), jen.Error()).Block(jen.Return(jen.Id("s").Dot("t").Dot("Verify").Call()))
		f.Line()
		tp.streamMethods(f, storeName)
		f.Add(docf("%s is the part of %s that belongs to one owner; get one from %s.For.", rowStore, t.FullName(), storeName))
		f.Type().Id(rowStore).Struct(tableType.Clone())
		f.Line()
		views(rowStore)
	}
	tp.rowMethods(f, rowStore)
	return f
}

// method starts a method declaration on *recv with a doc comment.
func method(f *jen.File, recv, doc, name string) *jen.Statement {
	f.Add(docComment(doc))
	return f.Func().Params(jen.Id("s").Op("*").Id(recv)).Id(name)
}

// st is the embedded runtime table of a row store.
func st() *jen.Statement { return jen.Id("s").Dot("Table") }

// rowMethods emits the key-prefix ranges and typed index methods on recv;
// everything else a row store does is the embedded store.Table's.
func (tp *tablePlan) rowMethods(f *jen.File, recv string) {
	t, k := tp.t, tp.key
	rng := jen.Qual(pathStore, "Range")
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
			method(f, recv, fmt.Sprintf("Prefix%s is the range of the rows whose leading key columns (%s) equal\nthe arguments, for Scan and Count.", strings.Join(names, ""), strings.Join(cnames, ", ")), "Prefix"+strings.Join(names, "")).
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

// coveringNote is the sentence index scans add for covering indexes, so a
// reader of the method knows why it costs no row reads.
func coveringNote(ix *schema.Index) string {
	if !ix.Covering {
		return ""
	}
	return "\nThe index is covering: its entries carry the row, so the scan reads no row separately."
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
		like := jen.DictFunc(func(d jen.Dict) {
			for i, c := range ix.Columns {
				v := jen.Id(names[i])
				if c.Nullable && pointerNullable(c.Type) {
					v = jen.Op("&").Id(names[i])
				}
				d[jen.Id(c.GoName)] = v
			}
		})
		g.Return(st().Dot("GetUnique").Call(jen.Lit(int(ix.ID)), jen.Op("&").Id(tp.entity).Values(like)))
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

// scanName is the name of the scan of index ix with equality on its first j
// columns: Scan<Index> then the Go names of columns 2…j, joined without
// repeating the words where they meet (by_status_due on (status, due_at)
// gives ScanByStatusDue and ScanByStatusDueAt, not ScanByStatusDueDueAt).
func scanName(ix *schema.Index, j int) string {
	name := "Scan" + ix.GoName
	for _, c := range ix.Columns[1:j] {
		name = schema.JoinGoNames(name, c.GoName)
	}
	return name
}

// scanMethods emits the scans of a non-unique index with columns c1…cn:
//
//	Scan<Index><C2…Cj>(c1, …, cj, o)            equality on the first j columns
//	Scan<Index><C2…Cj>Range(c1, …, cj-1, lo, hi, o)  equality on the first j-1, cj in [lo, hi)
//
// for j = 1…n. Rows come in index order (then key order), or reversed; pages
// are the runtime's store.Cursor, as for every scan.
func (tp *tablePlan) scanMethods(f *jen.File, recv string, ix *schema.Index) {
	e := tp.entity
	seq := jen.Qual("iter", "Seq2").Types(jen.Id(e), jen.Error())
	opts := jen.Qual(pathStore, "ScanOptions")
	order := "In index order, then key order (o.Reverse reverses); page with o.Next and o.After (store.Cursor)."
	for j := 1; j <= len(ix.Columns); j++ {
		name := scanName(ix, j)
		eq := ix.Columns[:j]

		params, names := tp.indexParams(eq, map[string]bool{"s": true, "o": true, "values": true})
		doc := fmt.Sprintf("%s yields the rows with %s, through index %s (%s).\n%s", name, equalsParams(eq, names), ix.Name, indexColumns(ix), order) + sparseNote(ix) + coveringNote(ix)
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
		inline := func(start, end jen.Code) *jen.Statement {
			return jen.Qual(pathStore, "Range").Values(jen.Id("Start").Op(":").Add(start), jen.Id("End").Op(":").Add(end))
		}
		if len(prefix) > 0 {
			what = equalsParams(prefix, names) + " and " + what
		}
		doc = fmt.Sprintf("%sRange yields the rows with %s, through index %s (%s).\n%s", name, what, ix.Name, indexColumns(ix), order) + sparseNote(ix) + coveringNote(ix)
		method(f, recv, doc, name+"Range").Params(params...).Add(seq.Clone()).BlockFunc(func(g *jen.Group) {
			lo := encArg(ranged, jen.Id("lo"))
			hi := encArg(ranged, jen.Id("hi"))
			var r *jen.Statement
			if len(prefix) == 0 {
				r = inline(keyencAppend(ranged, false).Call(jen.Nil(), lo), keyencAppend(ranged, false).Call(jen.Nil(), hi))
			} else {
				encodeValues(g, "prefix", prefix, names)
				clip := jen.Qual("slices", "Clip").Call(jen.Id("prefix"))
				r = inline(keyencAppend(ranged, false).Call(clip.Clone(), lo), keyencAppend(ranged, false).Call(clip.Clone(), hi))
			}
			g.Return(st().Dot("IndexScan").Call(jen.Lit(int(ix.ID)), r, jen.Id("o")))
		})
		f.Line()
	}
}
