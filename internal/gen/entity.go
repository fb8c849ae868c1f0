package gen

import (
	"fmt"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// docComment renders text as // comment lines, one per line of text, so doc
// strings from YAML keep their line breaks (jennifer would switch to a
// /* */ block for multi-line text).
func docComment(text string) *jen.Statement {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		if l == "" {
			lines[i] = "//"
		} else {
			lines[i] = "// " + l
		}
	}
	return jen.Comment(strings.Join(lines, "\n"))
}

// docf renders a formatted doc comment.
func docf(format string, args ...any) *jen.Statement { return docComment(fmt.Sprintf(format, args...)) }

// sentence ends s with a period unless it already ends a sentence.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") {
		return s
	}
	return s + "."
}

// entityFile is <table>.go: enums, the entity, its key (unless shared), the
// row codec, the layout and the spec.
func (tp *tablePlan) entityFile() *jen.File {
	f := tp.pkg.newFile([]string{tp.source})
	tp.enumDecls(f)
	tp.goTypeContracts(f)
	tp.entityDecl(f)
	if tp.t.Kind == schema.KindStream && tp.t.TTL > 0 {
		f.Line()
		f.Add(docf("%sTTL is how long a row of %s lives after it is written, as declared by ttl: in the schema.", tp.entity, tp.t.FullName()))
		f.Const().Id(tp.entity + "TTL").Op("=").Add(durationExpr(tp.t.TTL))
	}
	f.Add(docf("Key returns the primary key of the row (%s), the value Get, Delete and the\nstore's errors take and name.", tp.key.columnList()))
	f.Func().Params(jen.Id("v").Id(tp.entity)).Id("Key").Params().Id(tp.key.name).Block(jen.Return(tp.keyLiteral(jen.Id("v"))))
	f.Line()
	if !tp.key.shared() {
		tp.key.decls(f)
	}
	tp.codecDecls(f)
	tp.specDecls(f)
	return f
}

// enumDecls emits one typed enum per enum column.
func (tp *tablePlan) enumDecls(f *jen.File) {
	for _, c := range tp.t.Columns {
		et, ok := tp.enums[c]
		if !ok {
			continue
		}
		names := lowerFirst(et) + "Names"
		f.Add(docf("%s is column %s of %s. It is stored as its ordinal (the position of the value in the\nschema's values list), so values may be appended to the list but never reordered or removed.", et, c.Name, tp.t.FullName()))
		f.Type().Id(et).Int32()
		f.Line()
		f.Add(docf("The values of %s, in declaration order.", et))
		f.Const().DefsFunc(func(g *jen.Group) {
			for i, v := range c.Values {
				g.Id(tp.t.EnumConstName(c, v)).Id(et).Op("=").Lit(i)
			}
		})
		f.Line()
		f.Var().Id(names).Op("=").Index(jen.Op("...")).String().ValuesFunc(func(g *jen.Group) {
			for _, v := range c.Values {
				g.Lit(v)
			}
		})
		f.Line()
		f.Add(docf("String returns the value as written in the schema, or %s(n) for an ordinal this build\ndoes not know (a row written by a newer build that appended values).", et))
		f.Func().Params(jen.Id("e").Id(et)).Id("String").Params().String().Block(
			jen.Return(jen.Qual(pathRowenc, "EnumString").Call(jen.Id(names).Index(jen.Empty(), jen.Empty()), jen.Lit(et), jen.Int32().Call(jen.Id("e")))),
		)
		f.Line()
		f.Add(docf("MarshalText returns the value as written in the schema, so json and other text\nencodings carry the name rather than the ordinal. An ordinal this build does not know is\nan error."))
		f.Func().Params(jen.Id("e").Id(et)).Id("MarshalText").Params().Params(jen.Index().Byte(), jen.Error()).Block(
			jen.Return(jen.Qual(pathRowenc, "EnumText").Call(jen.Id(names).Index(jen.Empty(), jen.Empty()), jen.Lit(et), jen.Int32().Call(jen.Id("e")))),
		)
		f.Line()
		f.Add(docf("UnmarshalText sets e to the value whose schema spelling is text (see Parse%s).", et))
		f.Func().Params(jen.Id("e").Op("*").Id(et)).Id("UnmarshalText").Params(jen.Id("text").Index().Byte()).Error().Block(
			jen.List(jen.Id("v"), jen.Err()).Op(":=").Id("Parse"+et).Call(jen.String().Call(jen.Id("text"))),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.Op("*").Id("e").Op("=").Id("v"),
			jen.Return(jen.Nil()),
		)
		f.Line()
		f.Add(docf("Parse%s returns the %s whose schema spelling is s, or an error listing the valid values.", et, et))
		f.Func().Id("Parse"+et).Params(jen.Id("s").String()).Params(jen.Id(et), jen.Error()).Block(
			jen.List(jen.Id("i"), jen.Err()).Op(":=").Qual(pathRowenc, "ParseEnum").Call(jen.Id(names).Index(jen.Empty(), jen.Empty()), jen.Lit(et), jen.Id("s")),
			jen.Return(jen.Id(et).Call(jen.Id("i")), jen.Err()),
		)
		f.Line()
	}
}

// entityDecl emits the row struct.
func (tp *tablePlan) entityDecl(f *jen.File) {
	t := tp.t
	doc := fmt.Sprintf("%s is a row of %s (%s table, id %d).", tp.entity, t.FullName(), t.Kind, t.ID)
	if t.Doc != "" {
		doc += "\n" + sentence(t.Doc)
	}
	if t.Kind == schema.KindUser {
		doc += "\nThe table is partitioned by owner: rows are read and written through " + tp.entity + "Store.For(owner)."
	}
	f.Add(docComment(doc))
	f.Type().Id(tp.entity).StructFunc(func(g *jen.Group) {
		for _, c := range t.Columns {
			g.Add(docComment(fieldDoc(c)))
			field := g.Id(c.GoName).Add(fieldType(c, tp.enums[c]))
			if tp.pkg.opts.JSONTags {
				field.Tag(map[string]string{"json": jsonName(c.Name, tp.pkg.opts.JSONNaming)})
			}
		}
	})
	f.Line()
}

// fieldDoc is the doc comment of an entity field: the YAML doc, then what
// the Go representation means.
func fieldDoc(c *schema.Column) string {
	var parts []string
	if c.Doc != "" {
		parts = append(parts, sentence(c.Doc))
	}
	var note string
	switch c.Type {
	case schema.TypeTimestamp:
		note = "Stored with microsecond precision; read back in UTC."
	case schema.TypeDuration:
		note = "Stored with microsecond precision."
	case schema.TypeJSON:
		note = "A JSON document, stored as written."
	}
	if note != "" {
		parts = append(parts, note)
	}
	if c.Nullable {
		if pointerNullable(c.Type) {
			parts = append(parts, "Nil means null.")
		} else {
			parts = append(parts, "Nil means null; an empty non-nil value is not null.")
		}
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s is column %s (tag %d).", c.GoName, c.Name, c.Tag)
	}
	return fmt.Sprintf("%s is column %s (tag %d). ", c.GoName, c.Name, c.Tag) + strings.Join(parts, " ")
}

// durationExpr writes d as a readable constant: 90 * time.Second, not
// 90000000000.
func durationExpr(d time.Duration) *jen.Statement {
	units := []struct {
		name string
		d    time.Duration
	}{{"Hour", time.Hour}, {"Minute", time.Minute}, {"Second", time.Second}, {"Millisecond", time.Millisecond}, {"Microsecond", time.Microsecond}}
	for _, u := range units {
		if d%u.d == 0 {
			if d == u.d {
				return jen.Qual("time", u.name)
			}
			return jen.Lit(int(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Qual("time", "Duration").Call(jen.Lit(int64(d)))
}
