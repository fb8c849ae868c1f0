package schema

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// source is one YAML file handed to the parser.
type source struct {
	name string // slash-separated path used in positions and Table.File
	// rel is the path relative to the schemas directory when the file came
	// from Load; the <namespace>/<table>.yaml layout is checked only then.
	rel    string
	prefix string // the schemas directory as it appears in name ("schemas")
	layout bool
	data   []byte
}

// Load reads every table file of dir, <dir>/<namespace>/<table>.yaml (see
// TableFiles), as one table per file, validates them together and returns
// the normalized model.
//
// Positions name files by the last element of dir followed by the path inside
// it (Load("/src/app/schemas") reports "schemas/system/jobs.yaml:3:5"), so
// errors and generated headers are the same on every machine.
//
// Problems in the tables are returned together as an ErrorList; a directory
// that cannot be read, or holds no table file, is a plain error.
func Load(dir string) (*Schema, error) {
	prefix := filepath.Base(filepath.Clean(dir))
	if prefix == "." || prefix == ".." || prefix == string(filepath.Separator) {
		prefix = ""
	}
	return LoadAs(dir, prefix)
}

// LoadAs is Load with the files named name/<namespace>/<table>.yaml in
// positions and Table.File instead of by dir's last element: tablegen passes
// the schemas directory as tablegen.yaml names it (db/schemas), so a message
// points at the file from the module root wherever the command ran, and
// stays the same on every machine.
func LoadAs(dir, name string) (*Schema, error) {
	root := filepath.Clean(dir)
	prefix := path.Clean(filepath.ToSlash(name))
	if prefix == "." {
		prefix = ""
	}
	files, err := TableFiles(dir)
	if err != nil {
		return nil, err
	}
	var srcs []source
	errs := &errorsOf{}
	for _, rel := range files {
		name := path.Join(prefix, rel)
		if path.Ext(rel) == ".yml" {
			errs.add(Pos{File: name}, "tables are read from *.yaml files only; rename the file to %s", strings.TrimSuffix(name, ".yml")+".yaml")
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return nil, fmt.Errorf("schema: %w", err)
		}
		srcs = append(srcs, source{name: name, rel: rel, prefix: prefix, layout: true, data: data})
	}
	return parse(srcs, errs)
}

// ErrNoTableFiles is returned (wrapped) by TableFiles and Load for a
// directory that holds no table file where a schemas directory has them.
var ErrNoTableFiles = errors.New("no *.yaml files at <namespace>/<table>.yaml")

// TableFiles lists the table files of a schemas directory, slash-separated
// and relative to it, in lexical order: the *.yaml (and misnamed *.yml)
// files at <dir>/<namespace>/<table>.yaml, and any directly in dir (which
// the loader then reports as misplaced), and, once some are found, those one
// level too deep (also misplaced). Nothing deeper is read: a schemas
// directory is two levels deep, so pointing a command at a large tree (-schemas
// /tmp, a home directory) stops with an error instead of walking all of it,
// and unreadable subdirectories of such a tree do not matter.
//
// A directory without any table file is an error that says what a schemas
// directory looks like.
func TableFiles(dir string) ([]string, error) {
	root := filepath.Clean(dir)
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("schema: cannot read the schemas directory: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("schema: %s is not a directory; pass the directory that holds <namespace>/<table>.yaml files", dir)
	}
	top, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("schema: reading %s: %w", dir, err)
	}
	isTable := func(name string) bool { e := path.Ext(name); return e == ".yaml" || e == ".yml" }
	var files, nested []string
	var unreadable error
	for _, e := range top {
		if !e.IsDir() {
			if isTable(e.Name()) && e.Name() != ConfigFile {
				files = append(files, e.Name())
			}
			continue
		}
		sub, err := os.ReadDir(filepath.Join(root, e.Name()))
		if err != nil {
			unreadable = cmp.Or(unreadable, err)
			continue
		}
		for _, f := range sub {
			switch {
			case f.IsDir():
				nested = append(nested, e.Name()+"/"+f.Name())
			case isTable(f.Name()):
				files = append(files, e.Name()+"/"+f.Name())
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("schema: %w in %s; pass the directory that holds the table files, such as %s (deeper directories are not searched)",
			ErrNoTableFiles, dir, path.Join(filepath.ToSlash(dir), "app", "items.yaml"))
	}
	if unreadable != nil {
		return nil, fmt.Errorf("schema: reading %s: %w", dir, unreadable)
	}
	// In a real schemas directory, a table file one level too deep is a
	// mistake the loader explains (it names the right place); look there,
	// but no further.
	for _, n := range nested {
		sub, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(n)))
		if err != nil {
			return nil, fmt.Errorf("schema: reading %s: %w", dir, err)
		}
		for _, f := range sub {
			if !f.IsDir() && isTable(f.Name()) {
				files = append(files, n+"/"+f.Name())
			}
		}
	}
	slices.Sort(files)
	return files, nil
}

// ParseFiles validates the given files (name → YAML) together, exactly as
// Load does but without touching the file system and without the
// <namespace>/<table>.yaml layout rule; tests, fuzzers and tools that hold
// YAML in memory use it. Names are used as given in positions.
func ParseFiles(files map[string][]byte) (*Schema, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	srcs := make([]source, len(names))
	for i, n := range names {
		srcs[i] = source{name: n, data: files[n]}
	}
	return parse(srcs, &errorsOf{})
}

// Parse validates a single file as a whole schema of one table.
func Parse(file string, src []byte) (*Schema, error) {
	return ParseFiles(map[string][]byte{file: src})
}

func parse(srcs []source, errs *errorsOf) (*Schema, error) {
	var decls []*tableDecl
	for _, s := range srcs {
		p := &fileParser{file: s.name, errs: errs}
		root := p.document(s.data)
		if root == nil {
			continue
		}
		d := p.table(root)
		if d == nil {
			continue
		}
		if s.layout {
			p.layout(d, s)
		}
		decls = append(decls, d)
	}
	crossCheck(decls, errs)
	if len(errs.list) > 0 {
		return nil, errs.list.sortDedup()
	}
	s := &Schema{}
	for _, d := range decls {
		s.Tables = append(s.Tables, d.t)
	}
	slices.SortStableFunc(s.Tables, func(a, b *Table) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return s, nil
}

// document returns the root node of the file's only YAML document, or nil
// after reporting why there is none.
func (p *fileParser) document(data []byte) *yaml.Node {
	if !p.badCharacters(data) {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := decode(dec, &n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.yamlError(err, bytes.Count(data, []byte("\n"))+1)
			return nil
		}
		p.badScalars(&n)
		docs = append(docs, &n)
	}
	if len(docs) == 0 || len(docs[0].Content) == 0 {
		p.errs.add(Pos{File: p.file}, "the file declares no table; write one, e.g. namespace: app, table: items, id: 1, kind: shared, entity: Item, key and columns")
		return nil
	}
	for _, extra := range docs[1:] {
		n := extra
		if len(extra.Content) > 0 {
			n = extra.Content[0]
		}
		p.errorf(n, "", "a file declares exactly one table, but this is another YAML document; move it into its own <namespace>/<table>.yaml file")
	}
	return docs[0].Content[0]
}

// decode runs the YAML decoder, turning a crash inside it into an error so
// that no input can crash the loader.
func decode(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: the YAML parser failed on this input (%v); simplify the file around the last edit", r)
		}
	}()
	return dec.Decode(n)
}

// parserProblems are the messages of go.yaml.in/yaml/v3's parser stage,
// whose "line N" is 0-based; its scanner's messages are 1-based. A golden
// test (err_yaml_structure) pins the resulting positions.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

var yamlLineRE = regexp.MustCompile(`(?s)^yaml: line (\d+): (.*)$`)

// yamlError reports a syntax error from the YAML decoder at its line (at
// most lines, the file's line count: at the end of the input the decoder can
// name the line after the last).
func (p *fileParser) yamlError(err error, lines int) {
	pos := Pos{File: p.file}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if parserProblems[msg] {
			// The YAML parser (unlike its scanner) reports 0-based lines.
			pos.Line++
		}
		pos.Line = min(pos.Line, lines)
	}
	p.errs.add(pos, "invalid YAML: %s; check the indentation, quoting and brackets here", msg)
}

// layout checks that a table lives in <namespace>/<table>.yaml.
func (p *fileParser) layout(d *tableDecl, s source) {
	t := d.t
	if t.Namespace == "" || t.Name == "" {
		return
	}
	want := t.Namespace + "/" + t.Name + ".yaml"
	if s.rel != want {
		p.errs.add(at(d, d.name), "table %s must be declared in %s (one file per table: <namespace>/<table>.yaml); move or rename this file", t.FullName(), path.Join(s.prefix, want))
	}
}
