package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"

	"github.com/tablegen/tablegen/internal/compat"
	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/templates"
)

// jsonSchemaFile is the name of the committed JSON Schema inside the schemas
// directory; scaffolds point yaml-language-server at it.
const jsonSchemaFile = "tablegen.schema.json"

// lockFileName is the lock file inside the schemas directory (see
// compat.LockFile); only the table ids it records are read here.
const lockFileName = "tablegen.lock"

var snakeName = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// newRequest is what `tablegen new` was asked to scaffold.
type newRequest struct {
	schemas   string // the schemas directory
	namespace string
	table     string
	kind      schema.Kind
}

// scaffold is the data of templates/table.yaml.tmpl.
type scaffold struct {
	SchemaRef string // $schema path, relative to the new file
	Namespace string
	Table     string
	ID        uint32
	Kind      schema.Kind
	Entity    string
	KeyType   string
	IDColumn  string // the example key column, e.g. reaction_id
	Noun      string // one row in words, e.g. "reaction"
}

// newUsageError is a mistake in the command line: exit status 2 and the
// usage line.
type newUsageError struct{ msg string }

func (e *newUsageError) Error() string { return e.msg }

// parseNewArgs reads `NS.TABLE [--kind K] [-schemas DIR]`. Flags may come
// before or after the table name, as in `tablegen new chat.reactions --kind user`.
func parseNewArgs(fset *flag.FlagSet, args []string, schemas string) (*newRequest, error) {
	req := &newRequest{}
	kind := fset.String("kind", string(schema.KindShared), "table `KIND`: system, shared, user or stream")
	fset.StringVar(&req.schemas, "schemas", schemas, "write the table to `DIR`/<namespace>/<table>.yaml")
	var positional []string
	for {
		if err := parseOwnFlags(fset, args); err != nil {
			return nil, err
		}
		if fset.NArg() == 0 {
			break
		}
		positional = append(positional, fset.Arg(0))
		args = fset.Args()[1:]
	}
	switch len(positional) {
	case 0:
		return nil, &newUsageError{"missing the table to create, e.g. `tablegen new chat.reactions`"}
	case 1:
	default:
		return nil, &newUsageError{fmt.Sprintf("expected one NAMESPACE.TABLE, got %d arguments (%s); create one table at a time", len(positional), strings.Join(positional, " "))}
	}
	ns, table, ok := strings.Cut(positional[0], ".")
	if !ok || strings.Contains(table, ".") || ns == "" || table == "" {
		return nil, &newUsageError{fmt.Sprintf("%q is not NAMESPACE.TABLE; write e.g. chat.reactions", positional[0])}
	}
	if !snakeName.MatchString(ns) {
		return nil, &newUsageError{fmt.Sprintf("namespace %q must be lower snake_case (it names the generated Go package), e.g. %q", ns, snakeSuggestion(ns))}
	}
	if !snakeName.MatchString(table) {
		return nil, &newUsageError{fmt.Sprintf("table name %q must be lower snake_case (it names the generated files), e.g. %q", table, snakeSuggestion(table))}
	}
	req.namespace, req.table = ns, table
	kinds := []string{string(schema.KindSystem), string(schema.KindShared), string(schema.KindUser), string(schema.KindStream)}
	if !slices.Contains(kinds, *kind) {
		return nil, &newUsageError{fmt.Sprintf("unknown kind %q%s", *kind, schema.Suggest(*kind, kinds))}
	}
	req.kind = schema.Kind(*kind)
	return req, nil
}

// createTable writes the scaffold for req and returns the path it wrote and
// the table id it chose. A usage-like mistake (a name the loader rejects) is
// a *newUsageError.
func createTable(req *newRequest) (string, uint32, error) {
	existing, err := scanTables(req.schemas)
	if err != nil {
		return "", 0, err
	}
	full := req.namespace + "." + req.table
	for _, t := range existing.tables {
		if t.Namespace == req.namespace && t.Table == req.table {
			return "", 0, fmt.Errorf("table %s is already declared in %s; pick another name or edit that file", full, t.file)
		}
	}
	id, err := nextTableID(req.schemas, existing)
	if err != nil {
		return "", 0, err
	}
	noun := singularNoun(req.table)
	entity := freeName(schema.GoName(noun), existing.goNames(req.namespace))
	data := scaffold{
		SchemaRef: "../" + jsonSchemaFile,
		Namespace: req.namespace,
		Table:     req.table,
		ID:        id,
		Kind:      req.kind,
		Entity:    entity,
		KeyType:   freeName(entity+"Id", existing.keyTypes()),
		IDColumn:  noun + "_id",
		Noun:      strings.ReplaceAll(noun, "_", " "),
	}
	src, err := renderScaffold(data)
	if err != nil {
		return "", 0, err
	}

	rel := path.Join(req.namespace, req.table+".yaml")
	name := path.Join(filepath.Base(filepath.Clean(req.schemas)), rel)
	if _, err := schema.Parse(name, src); err != nil {
		// The names passed the syntax check above; what remains are the
		// loader's other naming rules (a Go keyword as namespace, a table
		// name ending in _test or _linux …), which it explains.
		return "", 0, &newUsageError{fmt.Sprintf("%s cannot be created as given:\n%v", full, err)}
	}
	if err := checkWithExisting(existing, name, src); err != nil {
		return "", 0, err
	}

	out := filepath.Join(req.schemas, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", 0, fmt.Errorf("creating the namespace directory: %w", err)
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return "", 0, fmt.Errorf("%s already exists; tablegen new never overwrites a file: edit it, or delete it first to start over", out)
	}
	if err != nil {
		return "", 0, fmt.Errorf("creating the table file: %w", err)
	}
	if _, err := f.Write(src); err != nil {
		f.Close()
		return "", 0, fmt.Errorf("writing %s: %w", out, err)
	}
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("writing %s: %w", out, err)
	}
	return out, id, nil
}

func renderScaffold(data scaffold) ([]byte, error) {
	tmpl, err := template.ParseFS(templates.FS, "table.yaml.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parsing the embedded scaffold template: %w", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("rendering the scaffold: %w", err)
	}
	return buf.Bytes(), nil
}

// checkWithExisting validates the new table together with the existing ones
// when those load cleanly on their own, so that a conflict the scaffold
// causes (a Go name another table already uses) is reported before the file
// is written. When the existing tables already have problems, those are the
// user's to fix first and are not blamed on the new table.
func checkWithExisting(existing *tableScan, name string, src []byte) error {
	if len(existing.files) == 0 {
		return nil
	}
	if _, err := schema.ParseFiles(existing.files); err != nil {
		return nil
	}
	files := make(map[string][]byte, len(existing.files)+1)
	for k, v := range existing.files {
		files[k] = v
	}
	files[name] = src
	if _, err := schema.ParseFiles(files); err != nil {
		return fmt.Errorf("the new table conflicts with existing tables; pick another table name:\n%w", err)
	}
	return nil
}

// tableScan is what `tablegen new` needs to know about the tables already
// declared: read leniently, so that a half-edited schema does not stop a new
// table from being scaffolded, but strictly enough never to reuse an id.
type tableScan struct {
	tables []scannedTable
	files  map[string][]byte // loader-style name → contents
}

type scannedTable struct {
	file      string
	Namespace string `yaml:"namespace"`
	Table     string `yaml:"table"`
	ID        uint32 `yaml:"id"`
	Entity    string `yaml:"entity"`
	Key       struct {
		Type string `yaml:"type"`
	} `yaml:"key"`
}

// scanTables reads the table files of dir (schema.TableFiles: two levels,
// never a whole tree). A missing dir, or one without table files, is an
// empty schema (the first table of a new project). A file that is not YAML at all is an
// error, because its table id cannot be known.
func scanTables(dir string) (*tableScan, error) {
	s := &tableScan{files: map[string][]byte{}}
	root := filepath.Clean(dir)
	prefix := filepath.Base(root)
	rels, err := schema.TableFiles(root)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, schema.ErrNoTableFiles):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("reading the schemas directory %s: %w", dir, err)
	}
	if err := s.read(root, prefix, rels); err != nil {
		return nil, fmt.Errorf("reading the schemas directory %s: %w", dir, err)
	}
	return s, nil
}

// read adds the table files rels of root to s.
func (s *tableScan) read(root, prefix string, rels []string) error {
	for _, rel := range rels {
		if path.Ext(rel) != ".yaml" {
			continue
		}
		p := filepath.Join(root, filepath.FromSlash(rel))
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.files[path.Join(prefix, rel)] = src
		t := scannedTable{file: p}
		if err := yaml.Unmarshal(src, &t); err != nil {
			var typeErr *yaml.TypeError
			if !errors.As(err, &typeErr) {
				return fmt.Errorf("cannot read the table id of %s (%v); fix the file first (`tablegen lint` lists its problems) so the new table gets an unused id", p, err)
			}
			// A field of the wrong type (an id that is not a number, say):
			// the loader reports it; the other fields are still usable.
		}
		s.tables = append(s.tables, t)
	}
	return nil
}

// goNames are the entity and key type names used in namespace ns: a new
// entity must not collide with them in the generated package.
func (s *tableScan) goNames(ns string) []string {
	var names []string
	for _, t := range s.tables {
		if t.Namespace == ns {
			names = append(names, t.Entity, t.Key.Type)
		}
	}
	return names
}

// keyTypes are every key type name in the schema: a key type named by two
// tables must have the same columns in both, so a new table takes a new one.
func (s *tableScan) keyTypes() []string {
	var names []string
	for _, t := range s.tables {
		names = append(names, t.Key.Type)
	}
	return names
}

// nextTableID is one above every table id in use or retired: the ids of the
// scanned tables and, when the lock file exists, the live and retired ids it
// records (a deleted table's id stays retired there even after its YAML is
// gone).
func nextTableID(dir string, s *tableScan) (uint32, error) {
	var hi uint32
	for _, t := range s.tables {
		hi = max(hi, t.ID)
	}
	lockPath := filepath.Join(dir, lockFileName)
	src, err := os.ReadFile(lockPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return 0, fmt.Errorf("reading the lock file: %w", err)
	default:
		l, err := compat.Parse(filepath.ToSlash(lockPath), src)
		if err != nil {
			return 0, fmt.Errorf("the lock file cannot be read, so the ids it retired are unknown; fix it (or regenerate it with `tablegen generate`) first:\n%w", err)
		}
		for _, t := range l.Tables {
			hi = max(hi, t.ID)
		}
		for _, r := range l.RetiredTables {
			hi = max(hi, r.ID)
		}
	}
	if hi == math.MaxUint32 {
		return 0, fmt.Errorf("every table id up to %d is used or retired; there is no free id", uint32(math.MaxUint32))
	}
	return hi + 1, nil
}

// singularNoun turns a table name into the noun for one row, by the common
// English plural endings of its last word: messages → message, live_queries →
// live_query, boxes → box. Irregular plurals are left for the author to fix
// in the scaffold (the entity is a suggestion, not a rule).
func singularNoun(table string) string {
	i := strings.LastIndexByte(table, '_') + 1
	head, w := table[:i], table[i:]
	switch {
	case len(w) > 3 && strings.HasSuffix(w, "ies"):
		w = w[:len(w)-3] + "y"
	case len(w) > 4 && (strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "shes") ||
		strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "xes") || strings.HasSuffix(w, "zes")):
		w = w[:len(w)-2]
	case len(w) > 1 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") &&
		!strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	return head + w
}

// freeName returns name, or name with the smallest numeric suffix (2, 3, …)
// that is not in taken.
func freeName(name string, taken []string) string {
	if !slices.Contains(taken, name) {
		return name
	}
	for i := 2; ; i++ {
		if c := fmt.Sprintf("%s%d", name, i); !slices.Contains(taken, c) {
			return c
		}
	}
}

// snakeSuggestion suggests a lower snake_case spelling: Chat → chat,
// typingEvents → typing_events, Bad-Name → bad_name.
func snakeSuggestion(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(r + ('a' - 'A'))
			prevLower = false
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			prevLower = true
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			prevLower = false
		}
	}
	out := strings.Trim(b.String(), "_")
	if out == "" || out[0] < 'a' || out[0] > 'z' {
		out = "x" + out
	}
	return out
}

func init() {
	register(&command{
		name:    "new",
		usage:   "tablegen new NAMESPACE.TABLE [-kind system|shared|user|stream] [-schemas DIR]",
		summary: "Write a commented, valid YAML scaffold for a new table with the next free table id: DIR/<namespace>/<table>.yaml.",
		example: "tablegen new chat.reactions -kind user",
		run:     runNew,
	})
}

// runNew is the `tablegen new` command.
func runNew(args []string, stdout, stderr io.Writer) int {
	c := commands["new"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	fset := newFlags(c)
	req, err := parseNewArgs(fset, args, proj.schemas())
	if err != nil {
		return cmdFailure(c, fset, err, stdout, stderr)
	}
	out, id, err := createTable(req)
	if err != nil {
		return cmdFailure(c, fset, err, stdout, stderr)
	}
	fmt.Fprintf(stdout, "created %s (%s table %s.%s, id %d)\n", out, req.kind, req.namespace, req.table, id)
	if _, err := os.Stat(filepath.Join(req.schemas, jsonSchemaFile)); errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stdout, "note: %s does not exist; for editor completion run `tablegen jsonschema > %s`\n",
			filepath.Join(req.schemas, jsonSchemaFile), filepath.Join(req.schemas, jsonSchemaFile))
	}
	fmt.Fprintln(stdout, "next: edit its columns, then run `go generate ./...` (or `tablegen generate`) and `go test ./...`")
	return 0
}

// cmdFailure reports err for command c: -h prints the usage, flags and
// example and succeeds; a command-line mistake prints the message and the
// usage and exits 2; anything else exits 1.
func cmdFailure(c *command, fset *flag.FlagSet, err error, stdout, stderr io.Writer) int {
	defaults := flagDefaults(fset)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, c, defaults)
		return 0
	}
	var ue *newUsageError
	if errors.As(err, &ue) {
		return usageError(c, fset, stderr, "%v", err)
	}
	fmt.Fprintf(stderr, "tablegen %s: %v\n", c.name, err)
	return 1
}

// parseOwnFlags parses args into fset; a malformed flag is a *newUsageError,
// -h is flag.ErrHelp. (flags.go's parseFlags refuses positional arguments,
// which `new` has.)
func parseOwnFlags(fset *flag.FlagSet, args []string) error {
	err := fset.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &newUsageError{flagMessage(fset, err)}
}
