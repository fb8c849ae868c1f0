package schema

import (
	"fmt"
	"go/token"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ConfigFile is the name of a project's configuration file. tablegen finds
// it like the go command finds go.mod: in the working directory or the
// nearest parent, stopping at the directory that holds go.mod.
const ConfigFile = "tablegen.yaml"

// Config is a project's tablegen.yaml: where every command reads and writes,
// and the generator's options. Paths are slash-separated and relative to the
// directory of the file, so a project works the same from any checkout.
// Empty optional paths mean "not produced".
type Config struct {
	Schemas    string // the <namespace>/<table>.yaml files; default "schemas"
	Out        string // generated Go, package <ns> in Out/<ns>; default "generated"
	Package    string // import path of Out; empty: derived from go.mod
	Docs       string // Markdown reference pages; empty: not written
	JSONSchema string // the editor JSON Schema; empty: not written

	// Tests is whether generated packages include their _test.go files.
	Tests bool
	// JSONTags is whether entity fields get json struct tags (default
	// true, so json.Marshal of a row uses the schema's names), named by
	// JSONNaming: "snake" (the column name as written) or "camel"
	// (lowerCamelCase of it). `json: false` turns tags off.
	JSONTags   bool
	JSONNaming string
	// GoTypes maps NS.TABLE.COLUMN to the Go type its field gets instead of
	// the column type's default; see CheckGoTypes.
	GoTypes []GoType
}

// GoType is one go_types entry of tablegen.yaml.
type GoType struct {
	Column string // NS.TABLE.COLUMN
	Type   string // a predeclared type, or import/path.Name, optionally with *
	Pos    Pos    // the entry's key, for errors found against the schemas
}

// JSON field naming styles of tablegen.yaml's json.naming.
var jsonNamings = []string{"snake", "camel"}

// DefaultConfig is the configuration of a project without tablegen.yaml.
func DefaultConfig() *Config {
	return &Config{Schemas: "schemas", Out: "generated", Tests: true, JSONTags: true, JSONNaming: "snake"}
}

var configKeys = []string{"schemas", "out", "package", "docs", "jsonschema", "tests", "json", "go_types"}

var (
	importPathRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~+-]*(/[A-Za-z0-9._~+-]+)*$`)
	columnRefRE  = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)
)

// predeclared are Go types a go_types entry may not name: they are column
// types' defaults already.
var predeclared = []string{"bool", "string", "int", "int8", "int16", "int32", "int64",
	"uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "byte", "rune", "[]byte"}

// ParseConfig reads tablegen.yaml. file names the file in positions
// ("tablegen.yaml:4:7: ..."). Problems are returned together as an
// ErrorList, each saying how to fix it; keys left out keep DefaultConfig's
// values.
func ParseConfig(file string, data []byte) (*Config, error) {
	errs := &errorsOf{}
	p := &fileParser{file: file, errs: errs}
	cfg := DefaultConfig()
	root := p.document(data)
	if root == nil {
		if len(errs.list) > 0 && strings.Contains(errs.list[len(errs.list)-1].Msg, "declares no table") {
			// An empty tablegen.yaml is the defaults.
			errs.list = errs.list[:len(errs.list)-1]
		}
		return cfg, errs.list.sortDedup().Err()
	}
	fs, ok := p.mapping(root, "", "a mapping such as {schemas: schemas, out: generated}", configKeys)
	if !ok {
		return cfg, errs.list.sortDedup().Err()
	}
	dir := func(key string, dst *string) {
		f, ok := fs[key]
		if !ok {
			return
		}
		s, ok := p.str(f, "", key)
		if !ok {
			return
		}
		clean := path.Clean(filepath.ToSlash(s))
		switch {
		case path.IsAbs(clean) || filepath.IsAbs(s) || filepath.VolumeName(s) != "":
			p.errorf(f.val, "", "%s %q is an absolute path; write it relative to the directory of %s, e.g. %s", key, s, ConfigFile, path.Base(clean))
		case clean == ".." || strings.HasPrefix(clean, "../"):
			p.errorf(f.val, "", "%s %q leaves the directory of %s; the project's files live inside it, so move %s up or the files down", key, s, ConfigFile, ConfigFile)
		default:
			*dst = clean
		}
	}
	dir("schemas", &cfg.Schemas)
	dir("out", &cfg.Out)
	dir("docs", &cfg.Docs)
	dir("jsonschema", &cfg.JSONSchema)
	if cfg.JSONSchema != "" && path.Ext(cfg.JSONSchema) != ".json" {
		p.errorf(fs["jsonschema"].val, "", "jsonschema %q must name a .json file, e.g. %s", cfg.JSONSchema, path.Join(cfg.Schemas, "tablegen.schema.json"))
	}
	if f, ok := fs["package"]; ok {
		if s, ok := p.str(f, "", "package"); ok {
			if !importPathRE.MatchString(s) || strings.Contains(s, "..") {
				p.errorf(f.val, "", "package %q is not a Go import path; write the import path of the out directory, e.g. example.com/app/internal/db, or remove the key to derive it from go.mod", s)
			} else {
				cfg.Package = s
			}
		}
	}
	if f, ok := fs["tests"]; ok {
		if v, ok := p.boolean(f, "", "tests"); ok {
			cfg.Tests = v
		}
	}
	if f, ok := fs["json"]; ok {
		const ctx = "json"
		if f.val.Kind == yaml.ScalarNode {
			// json: false (or true) is short for {tags: false}.
			cfg.JSONTags, _ = p.boolean(f, "", "json")
		} else if jf, ok := p.mapping(f.val, ctx, "a mapping such as {tags: true, naming: snake}", []string{"tags", "naming"}); ok {
			if f, ok := jf["tags"]; ok {
				cfg.JSONTags, _ = p.boolean(f, ctx, "tags")
			}
			if f, ok := jf["naming"]; ok {
				if s, ok := p.str(f, ctx, "naming"); ok {
					if oneOf(s, jsonNamings) {
						cfg.JSONNaming = s
					} else {
						p.errorf(f.val, ctx, "unknown naming %q%s (snake: the column name as written; camel: lowerCamelCase)", s, didYouMean(s, jsonNamings))
					}
				}
			}
		}
	}
	if f, ok := fs["go_types"]; ok {
		cfg.GoTypes = p.goTypes(f)
	}
	return cfg, errs.list.sortDedup().Err()
}

// goTypes reads go_types: {NS.TABLE.COLUMN: TYPE, ...}.
func (p *fileParser) goTypes(f field) []GoType {
	const ctx = "go_types"
	if !p.notAlias(f.val, ctx) {
		return nil
	}
	if f.val.Kind != yaml.MappingNode {
		p.errorf(f.val, ctx, "expected a mapping of NS.TABLE.COLUMN to a Go type, e.g. {billing.invoices.amount: example.com/money.Amount}, found %s", describe(f.val))
		return nil
	}
	var out []GoType
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(f.val.Content); i += 2 {
		k, v := f.val.Content[i], f.val.Content[i+1]
		if k.Kind != yaml.ScalarNode || !columnRefRE.MatchString(k.Value) {
			p.errorf(k, ctx, "%s is not NS.TABLE.COLUMN; name a column as namespace.table.column, e.g. billing.invoices.amount", describe(k))
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			p.errorf(k, ctx, "%s is listed twice (first at line %d, column %d); remove one", k.Value, prev.Line, prev.Column)
			continue
		}
		seen[k.Value] = k
		typ, ok := p.str(field{key: k, val: v}, ctx, k.Value)
		if !ok {
			continue
		}
		if why := badGoType(typ); why != "" {
			p.errorf(v, ctx, "%s: %q is not a Go type this can name (%s); write import/path.Type (example.com/money.Cents), a named type whose underlying type is the column's Go type", k.Value, typ, why)
			continue
		}
		out = append(out, GoType{Column: k.Value, Type: typ, Pos: p.pos(k)})
	}
	return out
}

// badGoType says why s is not a type a go_types entry can name, or "":
// it must be a named type of an importable package (the codec contract is
// that its underlying type is the column's Go type, which a predeclared type
// or a pointer cannot meet; nullable columns get the pointer by themselves).
func badGoType(s string) string {
	if strings.HasPrefix(s, "*") {
		return "a pointer; a nullable column's field is a pointer to the type by itself"
	}
	if slices.Contains(predeclared, s) {
		return "predeclared; it is already some column type's default"
	}
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || i < strings.LastIndexByte(s, '/') {
		return "no package"
	}
	pkg, name := s[:i], s[i+1:]
	switch {
	case !importPathRE.MatchString(pkg):
		return fmt.Sprintf("%q is not an import path", pkg)
	case !token.IsIdentifier(name) || !token.IsExported(name):
		return fmt.Sprintf("%q is not an exported identifier", name)
	}
	return ""
}

// CheckGoTypes reports go_types entries that name no column of s, with the
// nearest column name, at the entry's position in tablegen.yaml.
func (c *Config) CheckGoTypes(s *Schema) error {
	var all []string
	cols := map[string]bool{}
	for _, t := range s.Tables {
		for _, col := range t.Columns {
			n := t.FullName() + "." + col.Name
			all = append(all, n)
			cols[n] = true
		}
	}
	errs := &errorsOf{}
	for _, g := range c.GoTypes {
		if !cols[g.Column] {
			errs.add(g.Pos, "go_types: no column %s in the schemas%s", g.Column, didYouMean(g.Column, all))
		}
	}
	return errs.list.Err()
}
