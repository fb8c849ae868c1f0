// Package docs renders the schema reference: one Markdown page per namespace
// with its tables, keys, columns and indexes and a Mermaid diagram of the
// tables and the key types they share, plus an index page. GitHub renders
// both the Markdown and the Mermaid, so the pages committed under
// docs/schema/ are the browsable description of the data model that a
// reviewer reads next to a schema change.
//
// The output is a pure function of the validated model: byte-identical across
// runs and machines, so `tablegen check` can regenerate it and compare.
package docs

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/templates"
)

// IndexPage is the name of the page that lists the namespaces. GitHub shows a
// directory's README.md below its file list, so docs/schema/ opens on it.
const IndexPage = "README.md"

// Options says where the generated code the pages describe lives.
type Options struct {
	// ImportPath is the import path of the generator's output root (the
	// package of namespace ns is ImportPath/ns), so each page shows the
	// import line a reader copies. Required.
	ImportPath string
}

// Generate renders the reference pages for s. The result maps file names,
// relative to the output directory (docs/schema by default), to contents:
// "<namespace>.md" for each namespace and IndexPage.
func Generate(s *schema.Schema, opts Options) (map[string][]byte, error) {
	if opts.ImportPath == "" {
		return nil, errors.New("docs: Options.ImportPath is empty; set it to the import path of the generated code (tablegen takes it from tablegen.yaml or go.mod)")
	}
	if s == nil || len(s.Tables) == 0 {
		return nil, errors.New("docs: the schema has no tables; declare at least one under schemas/<namespace>/<table>.yaml")
	}
	tmpl, err := template.New("docs").Funcs(funcs).ParseFS(templates.FS, "namespace.md.tmpl", "index.md.tmpl")
	if err != nil {
		return nil, fmt.Errorf("docs: parsing the embedded templates: %w", err)
	}
	byNS := map[string][]*schema.Table{}
	var order []string
	for _, t := range s.Tables {
		if t == nil || t.Key == nil {
			return nil, errors.New("docs: the schema holds a table without a key; pass a schema returned by schema.Load, which validates it")
		}
		if _, ok := byNS[t.Namespace]; !ok {
			order = append(order, t.Namespace)
		}
		byNS[t.Namespace] = append(byNS[t.Namespace], t)
	}
	slices.Sort(order)

	out := map[string][]byte{}
	idx := indexPage{Source: sourceRoot(s.Tables)}
	for _, ns := range order {
		tables := sortedTables(byNS[ns])
		p := newPage(ns, path.Join(opts.ImportPath, ns), tables, s.Tables)
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, "namespace.md.tmpl", p); err != nil {
			return nil, fmt.Errorf("docs: rendering namespace %s: %w", ns, err)
		}
		name := ns + ".md"
		if name == IndexPage {
			return nil, fmt.Errorf("docs: namespace %q would overwrite the index page %s", ns, IndexPage)
		}
		out[name] = buf.Bytes()
		ix := nsEntry{Name: ns, Page: name}
		for _, t := range tables {
			ix.Tables = append(ix.Tables, fmt.Sprintf("[%s](%s#%s)", t.Name, name, anchor(t.FullName())))
		}
		idx.Namespaces = append(idx.Namespaces, ix)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "index.md.tmpl", idx); err != nil {
		return nil, fmt.Errorf("docs: rendering the index page: %w", err)
	}
	out[IndexPage] = buf.Bytes()
	return out, nil
}

func sortedTables(ts []*schema.Table) []*schema.Table {
	ts = slices.Clone(ts)
	slices.SortStableFunc(ts, func(a, b *schema.Table) int { return strings.Compare(a.Name, b.Name) })
	return ts
}

var funcs = template.FuncMap{
	"cell": cell,
	"join": strings.Join,
	"inc":  func(i int) int { return i + 1 },
}

// cell makes text safe inside a Markdown table cell: a pipe would end the
// cell and a newline the row, and a '<' could start an HTML tag that GitHub
// strips.
func cell(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "<", "&lt;")
	return strings.ReplaceAll(s, "\n", " ")
}

// anchor is the fragment GitHub gives a heading: lower case, spaces to
// hyphens, and every character other than letters, digits, '-' and '_'
// dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// duration writes d the way a YAML author would (24h, 1h30m, 30s), not as
// time.Duration.String's 24h0m0s.
func duration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// sourceRoot names the schemas directory the tables were read from, for the
// index page: the parent of the namespace directories when all tables agree
// on one, else a generic description.
func sourceRoot(ts []*schema.Table) string {
	root := ""
	for i, t := range ts {
		r := path.Dir(path.Dir(t.File))
		if i == 0 {
			root = r
		} else if r != root {
			root = ""
			break
		}
	}
	if root == "" || root == "." {
		return "the schemas directory"
	}
	return root + "/"
}

// sourceGlobs names the files a namespace page was generated from
// ("schemas/chat/*.yaml").
func sourceGlobs(ts []*schema.Table) string {
	var dirs []string
	for _, t := range ts {
		d := path.Dir(t.File)
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	slices.Sort(dirs)
	for i, d := range dirs {
		dirs[i] = path.Join(d, "*.yaml")
	}
	return strings.Join(dirs, ", ")
}
