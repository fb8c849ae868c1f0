package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tablegen/tablegen/internal/gen"
	"github.com/tablegen/tablegen/internal/schema"
)

// project is what every command runs with: the nearest tablegen.yaml, with
// its paths made relative to the working directory (so messages name files
// as the user would type them), or the defaults when there is none. Flags
// override each value.
type project struct {
	file string // tablegen.yaml relative to the working directory; "" when none
	cfg  *schema.Config
	root string // the directory paths in cfg are relative to
}

// findConfig looks for tablegen.yaml in dir and its parents, the way the go
// command looks for go.mod, and stops at the directory that holds go.mod: a
// project's configuration is at its module root or below, never in a
// parent module. It returns "" when there is none.
func findConfig(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, schema.ConfigFile)
		switch _, err := os.Stat(p); {
		case err == nil:
			return p, nil
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return "", nil
		}
		if filepath.Dir(d) == d {
			return "", nil
		}
	}
}

// loadProject reads the nearest tablegen.yaml. Its errors are positioned
// (tablegen.yaml:3:7: ...) and say how to fix them.
func loadProject() (*project, error) {
	p := &project{cfg: schema.DefaultConfig(), root: "."}
	abs, err := findConfig(".")
	if err != nil || abs == "" {
		return p, err
	}
	p.file = relToWD(abs)
	p.root = filepath.Dir(p.file)
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	cfg, err := schema.ParseConfig(filepath.ToSlash(p.file), data)
	if err != nil {
		return nil, err
	}
	p.cfg = cfg
	return p, nil
}

// relToWD returns abs relative to the working directory when it can, else
// abs itself.
func relToWD(abs string) string {
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil {
		return abs
	}
	return rel
}

// path returns a tablegen.yaml path (slash-separated, relative to its
// directory) as a path relative to the working directory; "" stays "".
func (p *project) path(rel string) string {
	if rel == "" {
		return ""
	}
	return filepath.Join(p.root, filepath.FromSlash(rel))
}

// schemas, out, docs and jsonSchema are the flag defaults.
func (p *project) schemas() string    { return p.path(p.cfg.Schemas) }
func (p *project) out() string        { return p.path(p.cfg.Out) }
func (p *project) docs() string       { return p.path(p.cfg.Docs) }
func (p *project) jsonSchema() string { return p.path(p.cfg.JSONSchema) }

// genOptions are the generator options for output directory out: the
// import path is tablegen.yaml's package when out is its out directory,
// otherwise the one go.mod implies.
func (p *project) genOptions(out string) (gen.Options, error) {
	o := gen.Options{
		NoTests:    !p.cfg.Tests,
		JSONTags:   p.cfg.JSONTags,
		JSONNaming: p.cfg.JSONNaming,
		GoTypes:    p.cfg.GoTypes,
	}
	if p.cfg.Package != "" && filepath.Clean(out) == filepath.Clean(p.out()) {
		o.ImportPath = p.cfg.Package
		return o, nil
	}
	ip, err := importPathOf(out)
	if err != nil {
		return o, err
	}
	o.ImportPath = ip
	return o, nil
}

// describe names where the settings came from, for -h output.
func (p *project) describe() string {
	if p.file == "" {
		return fmt.Sprintf("no %s found (defaults apply; tablegen init writes one)", schema.ConfigFile)
	}
	return "defaults from " + p.file
}

// loadSchemas loads the schemas in dir. When dir is tablegen.yaml's schemas
// directory, files are named as tablegen.yaml names them (db/schemas/...),
// relative to the module root wherever the command runs; a directory given
// by flag is named by its last element, as schema.Load does.
func (p *project) loadSchemas(dir string) (*schema.Schema, error) {
	if p.file != "" && filepath.Clean(dir) == filepath.Clean(p.schemas()) {
		return schema.LoadAs(dir, p.cfg.Schemas)
	}
	return schema.Load(dir)
}
