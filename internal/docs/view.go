package docs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
)

// The view types hold exactly what the templates print, already formatted,
// so the templates stay free of logic.

type indexPage struct {
	Source     string
	Namespaces []nsEntry
}

type nsEntry struct {
	Name   string
	Page   string
	Tables []string // Markdown links
}

type page struct {
	Namespace  string
	ImportPath string // of the namespace's generated package
	Source     string
	Tables     []tableView
	Diagram    string
}

type tableView struct {
	Name, FullName, Anchor string
	Kind                   schema.Kind
	KindDoc                string
	ID                     uint32
	Access                 string // summary-table cell
	AccessDoc              string // detail line; empty when the kind decides
	TTL                    string
	MaxRows                string
	NeverFlush             bool // flush: never, said or by default
	Entity                 string
	File                   string
	Doc                    string
	Summary                string // first sentence of Doc
	Key                    keyView
	Columns                []columnView
	Indexes                []indexRow
	Reserved               reservedView
}

type keyView struct {
	Name       string // the Go name of the key type, as the generated code spells it
	Owner      bool   // user table: the key is prefixed by the owner
	OwnerType  string // the owner's Go type (owner: {type: …}), stored as its text form
	Columns    []keyColumn
	SharedWith []string // other tables with the same key type, as Markdown
}

type keyColumn struct {
	Name string
	Type schema.Type
	Desc bool
}

type columnView struct {
	Tag      int32
	Name     string
	Type     schema.Type
	Nullable bool
	Key      bool
	Doc      string
	Values   string // "`a`, `b`" for enums
}

type indexRow struct {
	ID       uint32
	Name     string
	Columns  string
	Unique   bool
	Sparse   bool
	Covering bool
	Doc      string
}

type reservedView struct {
	Tags    string
	Columns string
}

var kindDocs = map[schema.Kind]string{
	schema.KindSystem: "the service's own metadata; only the system role writes it.",
	schema.KindShared: "one set of rows for everyone the access level admits.",
	schema.KindUser:   "rows belong to an owner; every key is prefixed by the owner's user id and the generated store cannot be used without naming the owner.",
	schema.KindStream: "short-lived events keyed by event time; rows expire after the TTL and are never returned once expired.",
}

// newPage builds the view of one namespace; all is every table of the
// schema, for "also the key of" links across namespaces.
func newPage(ns, importPath string, tables, all []*schema.Table) page {
	p := page{Namespace: ns, ImportPath: importPath, Source: sourceGlobs(tables), Diagram: diagram(tables)}
	for _, t := range tables {
		p.Tables = append(p.Tables, newTableView(t, all))
	}
	return p
}

func newTableView(t *schema.Table, all []*schema.Table) tableView {
	v := tableView{
		Name:     t.Name,
		FullName: t.FullName(),
		Anchor:   anchor(t.FullName()),
		Kind:     t.Kind,
		KindDoc:  kindDocs[t.Kind],
		ID:       t.ID,
		Entity:   t.Entity,
		File:     t.File,
		Doc:      strings.TrimSpace(t.Doc),
		Summary:  summary(t.Doc),
	}
	switch t.Kind {
	case schema.KindUser, schema.KindStream:
		v.Access = "by owner"
	case schema.KindSystem:
		v.Access, v.AccessDoc = "default", "not set: service and above read (the default for system tables)."
		if t.Access != "" {
			v.Access, v.AccessDoc = string(t.Access), fmt.Sprintf("`%s`.", t.Access)
		}
	default:
		v.Access, v.AccessDoc = string(t.Access), fmt.Sprintf("`%s`.", t.Access)
	}
	if t.TTL > 0 {
		v.TTL = duration(t.TTL)
	}
	if t.MaxRowsPerOwner > 0 {
		v.MaxRows = strconv.Itoa(t.MaxRowsPerOwner)
	}
	v.NeverFlush = t.NeverFlush

	v.Key = keyView{Name: t.Key.GoName, Owner: t.Kind == schema.KindUser,
		OwnerType: map[schema.Type]string{schema.TypeString: "string", schema.TypeUUID: "uuid.UUID", schema.TypeInt64: "int64"}[t.OwnerType]}
	for i, c := range t.Key.Columns {
		v.Key.Columns = append(v.Key.Columns, keyColumn{Name: c.Name, Type: c.Type, Desc: i < len(t.Key.Desc) && t.Key.Desc[i]})
	}
	for _, o := range all {
		if o != t && o.Key != nil && o.Key.GoName == t.Key.GoName {
			v.Key.SharedWith = append(v.Key.SharedWith, tableLink(t, o))
		}
	}

	for _, c := range t.Columns {
		cv := columnView{Tag: c.Tag, Name: c.Name, Type: c.Type, Nullable: c.Nullable, Doc: c.Doc, Key: slices.Contains(t.Key.Columns, c)}
		if len(c.Values) > 0 {
			cv.Values = codeList(c.Values)
		}
		if c.Type == schema.TypeDecimal {
			// The page shows what the column holds: decimal(12,2).
			cv.Type = schema.Type(fmt.Sprintf("decimal(%d,%d)", c.Precision, c.Scale))
		}
		v.Columns = append(v.Columns, cv)
	}
	for _, x := range t.Indexes {
		names := make([]string, len(x.Columns))
		for i, c := range x.Columns {
			names[i] = c.Name
		}
		v.Indexes = append(v.Indexes, indexRow{ID: x.ID, Name: x.Name, Columns: codeList(names), Unique: x.Unique, Sparse: x.Sparse, Covering: x.Covering, Doc: x.Doc})
	}
	if len(t.Reserved.Tags) > 0 {
		tags := make([]string, len(t.Reserved.Tags))
		for i, tag := range t.Reserved.Tags {
			tags[i] = strconv.Itoa(int(tag))
		}
		v.Reserved.Tags = strings.Join(tags, ", ")
	}
	if len(t.Reserved.Columns) > 0 {
		v.Reserved.Columns = codeList(t.Reserved.Columns)
	}
	return v
}

// tableLink links table o from the page of table t.
func tableLink(t, o *schema.Table) string {
	target := "#" + anchor(o.FullName())
	if o.Namespace != t.Namespace {
		target = o.Namespace + ".md" + target
	}
	return fmt.Sprintf("[`%s`](%s)", o.FullName(), target)
}

func codeList(xs []string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = "`" + x + "`"
	}
	return strings.Join(out, ", ")
}

// summary is the first sentence (or line) of a doc, for the overview table.
func summary(doc string) string {
	doc = strings.Join(strings.Fields(doc), " ")
	if i := strings.Index(doc, ". "); i >= 0 {
		return doc[:i+1]
	}
	return doc
}
