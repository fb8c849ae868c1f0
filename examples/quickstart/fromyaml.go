package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/internal/gen"
	"github.com/tablegen/tablegen/internal/schema"
)

// shownTable is the table whose YAML and generated API the first step
// shows: the one most later steps load, scan, flush and query.
const (
	shownNamespace = "chat"
	shownTable     = "messages"
)

// yamlStep shows where the typed API of the later steps comes from: the
// YAML file of chat.messages and what the generator makes of it. It loads
// the module's schemas/ with tablegen.yaml's settings and runs the
// generator in memory (what `tablegen generate` writes to generated/), then
// prints the entity struct and the stores' method signatures from the
// generated source, and whether it is byte-identical to the committed file
// this program is compiled from.
func yamlStep(_ context.Context, _ *demo, w io.Writer) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	cfg, err := readConfig(root)
	if err != nil {
		return err
	}
	rel := path.Join(cfg.Schemas, shownNamespace, shownTable+".yaml")
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s:\n", rel)
	for line := range strings.Lines(string(src)) {
		fmt.Fprintf(w, "  | %s", line)
	}
	s, err := schema.LoadAs(filepath.Join(root, filepath.FromSlash(cfg.Schemas)), cfg.Schemas)
	if err != nil {
		return err
	}
	// The import path of the generated packages is the one this program
	// was compiled against (generated/chat's parent).
	files, err := gen.Generate(s, gen.Options{
		ImportPath: path.Dir(reflect.TypeFor[chat.Message]().PkgPath()),
		NoTests:    true,
		JSONTags:   cfg.JSONTags,
		JSONNaming: cfg.JSONNaming,
		GoTypes:    cfg.GoTypes,
	})
	if err != nil {
		return err
	}
	entityFile := path.Join(shownNamespace, shownTable+".go")
	storeFile := path.Join(shownNamespace, shownTable+"_store.go")
	entity, store := files[entityFile], files[storeFile]
	if entity == nil || store == nil {
		return fmt.Errorf("the generator returned no %s or %s for %s.%s", entityFile, storeFile, shownNamespace, shownTable)
	}
	fmt.Fprintf(w, "\n  gen.Generate (what `go run ./cmd/tablegen generate` writes under %s/) gives package %s; from %s and %s:\n",
		cfg.Out, shownNamespace, entityFile, storeFile)
	decls, declared, err := apiOf(entity, store)
	if err != nil {
		return err
	}
	for _, d := range decls {
		for line := range strings.Lines(d) {
			fmt.Fprintf(w, "    %s", strings.TrimRight(line, "\n")+"\n")
		}
	}
	fmt.Fprintln(w, "    // and MessageOwnerStore's methods promoted from its embedded store.Table:")
	line := "   "
	for _, m := range promoted(reflect.TypeFor[*chat.MessageOwnerStore](), declared["MessageOwnerStore"]) {
		if len(line)+len(m) > 100 {
			fmt.Fprintln(w, line)
			line = "   "
		}
		line += " " + m
	}
	fmt.Fprintln(w, line)
	for _, f := range []string{entityFile, storeFile} {
		committed, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(cfg.Out), filepath.FromSlash(f)))
		switch {
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return err
		case bytes.Equal(committed, files[f]):
			fmt.Fprintf(w, "  %s/%s: byte-identical to the output, and compiled into this program\n", cfg.Out, f)
		default:
			fmt.Fprintf(w, "  %s/%s: differs from the output (this program is compiled from the old file); run make generate\n", cfg.Out, f)
		}
	}
	return nil
}

// apiOf returns, from the generated entity and store sources, the entity
// struct without comments and the signatures of the constructor and of
// every exported method of the table's store types, in source order, and
// the names of the methods each store type declares.
func apiOf(entity, store []byte) (decls []string, declared map[string][]string, err error) {
	fset := token.NewFileSet()
	declared = map[string][]string{}
	var out []string
	print := func(n ast.Node) error {
		var b strings.Builder
		if err := printer.Fprint(&b, fset, n); err != nil {
			return err
		}
		out = append(out, b.String())
		return nil
	}
	for i, src := range [][]byte{entity, store} {
		f, err := parser.ParseFile(fset, fmt.Sprintf("generated%d.go", i), src, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("the generated code does not parse: %w", err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok || ts.Name.Name != "Message" {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						return nil, nil, fmt.Errorf("the generated %s is not a struct", ts.Name.Name)
					}
					d, err := structDecl(fset, ts.Name.Name, st)
					if err != nil {
						return nil, nil, err
					}
					out = append(out, d)
				}
			case *ast.FuncDecl:
				if !d.Name.IsExported() || (d.Recv == nil && !strings.HasPrefix(d.Name.Name, "New")) {
					continue
				}
				if d.Recv != nil {
					recv := recvType(d.Recv)
					if !strings.HasSuffix(recv, "Store") {
						continue
					}
					declared[recv] = append(declared[recv], d.Name.Name)
				}
				if err := print(&ast.FuncDecl{Recv: d.Recv, Name: d.Name, Type: d.Type}); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	return out, declared, nil
}

// structDecl prints the struct without its comments, one field a line,
// aligned as gofmt aligns it.
func structDecl(fset *token.FileSet, name string, st *ast.StructType) (string, error) {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "type %s struct {\n", name)
	for _, f := range st.Fields.List {
		var typ strings.Builder
		if err := printer.Fprint(&typ, fset, f.Type); err != nil {
			return "", err
		}
		var names []string
		for _, n := range f.Names {
			names = append(names, n.Name)
		}
		tag := ""
		if f.Tag != nil {
			tag = f.Tag.Value
		}
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", strings.Join(names, ", "), typ.String(), tag)
	}
	if err := tw.Flush(); err != nil {
		return "", err
	}
	return b.String() + "}", nil
}

// recvType names the receiver's type (without its star).
func recvType(recv *ast.FieldList) string {
	if len(recv.List) == 0 {
		return ""
	}
	t := recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// promoted lists the exported methods of t that the generated source does
// not declare (declared): those of the embedded store.Table.
func promoted(t reflect.Type, declared []string) []string {
	var names []string
	for m := range t.Methods() {
		if !slices.Contains(declared, m.Name) {
			names = append(names, m.Name)
		}
	}
	return names
}

// moduleRoot is the directory of the go.mod enclosing the working
// directory: the demo reads the repository's schemas/, so it runs inside
// the repository (make demo, or go run ./examples/quickstart).
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod in %s or a parent: the demo shows the repository's schemas/, so run it inside the tablegen repository (make demo)", wd)
		}
	}
}

// readConfig reads the module's tablegen.yaml, which says where the
// schemas and the generated code are and how the generator runs.
func readConfig(root string) (*schema.Config, error) {
	p := filepath.Join(root, schema.ConfigFile)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return schema.ParseConfig(p, data)
}
