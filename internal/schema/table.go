package schema

import (
	"fmt"
	"go/token"
	"math"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// tableDecl is a parsed table plus the nodes the cross-table checks point at.
type tableDecl struct {
	t         *Table
	namespace *yaml.Node // value nodes, nil when missing
	name      *yaml.Node
	id        *yaml.Node
	key       *yaml.Node
	entity    *yaml.Node
	keyOK     bool // the key parsed without errors, so cross-table key checks are meaningful
}

// The keys of a table document, in the order the language documents them.
var tableKeys = []string{
	"namespace", "table", "id", "kind", "entity", "doc", "access", "key",
	"columns", "indexes", "reserved", "ttl", "max_rows_per_owner", "flush", "owner",
}

var tableRequired = []requirement{
	{"namespace", "namespace: app (the Go package the table is generated into)"},
	{"table", "table: items (lower snake_case)"},
	{"id", "id: 1 (a table id unique across the schema and never reused)"},
	{"kind", "kind: shared (one of system, shared, user, stream)"},
	{"entity", "entity: Item (the Go type of a row)"},
	{"key", "key: {type: ItemId, columns: [item_id]}"},
	{"columns", "columns: [{name: item_id, tag: 1, type: string}]"},
}

var (
	kindNames   = []string{string(KindSystem), string(KindShared), string(KindUser), string(KindStream)}
	accessNames = []string{string(AccessPublic), string(AccessPrivate), string(AccessRestricted), string(AccessDBA)}
)

// table parses and validates one table document; it returns nil only when the
// document is not a mapping at all.
func (p *fileParser) table(n *yaml.Node) *tableDecl {
	fs, ok := p.mapping(n, "", "a table: a mapping with keys namespace, table, id, kind, entity, key and columns", tableKeys)
	if !ok {
		return nil
	}
	p.required(n, "", fs, tableRequired)
	t := &Table{Pos: p.pos(n), File: p.file}
	d := &tableDecl{t: t}

	if f, ok := fs["namespace"]; ok {
		d.namespace = f.val
		if s, ok := p.str(f, "", "namespace"); ok && p.checkNamespace(f.val, s) {
			t.Namespace = s
		}
	}
	if f, ok := fs["table"]; ok {
		d.name = f.val
		if s, ok := p.str(f, "", "table"); ok && p.checkTableName(f.val, s) {
			t.Name = s
		}
	}
	if f, ok := fs["id"]; ok {
		d.id = f.val
		if v, ok := p.integer(f.val, "", "table id", 1, maxID); ok {
			t.ID = uint32(v)
		}
	}
	if f, ok := fs["kind"]; ok {
		if s, ok := p.str(f, "", "kind"); ok {
			if oneOf(s, kindNames) {
				t.Kind = Kind(s)
			} else {
				p.errorf(f.val, "", "unknown kind %q%s", s, didYouMean(s, kindNames))
			}
		}
	}
	if f, ok := fs["entity"]; ok {
		d.entity = f.val
		if s, ok := p.str(f, "", "entity"); ok && p.checkEntity(f.val, s) {
			t.Entity = s
		}
	}
	if f, ok := fs["doc"]; ok {
		t.Doc, _ = p.text(f, "", "doc")
	}
	p.access(fs, t)

	reserved := p.reserved(fs)
	t.Reserved = reserved.model()
	var cols []*colDecl
	if f, ok := fs["columns"]; ok {
		cols = p.columns(f, reserved)
		for _, c := range cols {
			t.Columns = append(t.Columns, c.c)
		}
	}
	ix := newColIndex(cols)
	if f, ok := fs["key"]; ok {
		d.key = f.val
		before := len(p.errs.list)
		t.Key = p.key(f, t, ix)
		d.keyOK = t.Key != nil && len(p.errs.list) == before
	}
	if f, ok := fs["indexes"]; ok {
		if t.Kind == KindStream {
			p.errorf(f.key, "", "a stream table may not declare indexes: expiry removes rows with range deletions, which would leave index entries behind; remove indexes, or use kind: user and delete old rows yourself")
		} else {
			t.Indexes = p.indexes(f, ix)
		}
	}
	p.streamOptions(n, fs, t)
	p.flush(fs, t)
	p.ownerType(fs, t)
	p.owner(t, cols)
	return d
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// checkNamespace enforces that a namespace can name a generated Go package
// under generated/<namespace>/ that the go command builds and imports.
func (p *fileParser) checkNamespace(n *yaml.Node, s string) bool {
	switch {
	case !isSnake(s):
		p.errorf(n, "", "namespace %q must be lower snake_case (it names the generated Go package), e.g. %q", s, snakeHint(s))
	case token.IsKeyword(s):
		p.errorf(n, "", "namespace %q is a Go keyword and cannot name the generated package; pick another name, e.g. %q", s, s+"s")
	case s == "main":
		p.errorf(n, "", "namespace \"main\" would generate a command package, which cannot be imported; pick another name, e.g. \"app\"")
	case s == "internal" || s == "testdata" || s == "vendor":
		p.errorf(n, "", "namespace %q is a directory name the go command treats specially (generated/%s would be unimportable or ignored); pick another name, e.g. %q", s, s, "app_"+s)
	case strings.HasSuffix(s, "_test"):
		p.errorf(n, "", "namespace %q ends in _test, which Go reserves for external test packages; pick another name, e.g. %q", s, strings.TrimSuffix(s, "_test")+"_tests")
	default:
		return true
	}
	return false
}

// checkTableName enforces that the table's generated files (<table>.go,
// <table>_test.go, …) are ordinary, always-built Go files.
func (p *fileParser) checkTableName(n *yaml.Node, s string) bool {
	if !isSnake(s) {
		p.errorf(n, "", "table name %q must be lower snake_case (it names the generated files), e.g. %q", s, snakeHint(s))
		return false
	}
	if strings.HasSuffix(s, "_test") {
		p.errorf(n, "", "table name %q ends in _test, so its generated file %s.go would be a test file; rename the table, e.g. %q", s, s, strings.TrimSuffix(s, "_test")+"_tests")
		return false
	}
	if i := strings.LastIndexByte(s, '_'); i >= 0 {
		last := s[i+1:]
		if knownOS[last] || knownArch[last] {
			p.errorf(n, "", "table name %q ends in _%s, so its generated file %s.go would only build for GOOS/GOARCH %s; rename the table, e.g. %q", s, last, s, last, s+"_data")
			return false
		}
	}
	return true
}

// knownOS and knownArch are the GOOS and GOARCH values the go command
// recognises as file-name build constraints (go/build's syslist).
var (
	knownOS = setOf("aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js",
		"linux", "nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos")
	knownArch = setOf("386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips",
		"mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv",
		"riscv64", "s390", "s390x", "sparc", "sparc64", "wasm")
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// checkEntity enforces that the entity is an exported CamelCase Go identifier
// spelled with golint's initialisms, since it is used verbatim as a type name.
func (p *fileParser) checkEntity(n *yaml.Node, s string) bool {
	if !isCamel(s) {
		p.errorf(n, "", "entity %q must be an exported Go identifier in CamelCase, e.g. %q", s, GoName(snakeHint(s)))
		return false
	}
	if g := camelGoName(s); g != s {
		p.errorf(n, "", "entity %q: write Go initialisms in capitals as golint expects: %q", s, g)
		return false
	}
	return true
}

// access applies the access-level rules: shared tables default to private,
// system tables may set a level, user and stream tables may not (their kind
// decides who reads them).
func (p *fileParser) access(fs fields, t *Table) {
	if f, ok := fs["access"]; ok {
		s, ok := p.str(f, "", "access")
		switch {
		case !ok:
		case !oneOf(s, accessNames):
			p.errorf(f.val, "", "unknown access level %q%s", s, didYouMean(s, accessNames))
		case t.Kind == KindShared || t.Kind == KindSystem:
			t.Access = Access(s)
		case t.Kind.OwnerScoped():
			p.errorf(f.key, "", "access applies only to shared and system tables; remove it (who may read a %s table follows from its kind)", t.Kind)
		}
	}
	if t.Kind == KindShared && t.Access == "" {
		t.Access = AccessPrivate
	}
}

// streamOptions reads ttl and max_rows_per_owner, which only stream tables
// have; a stream table must say how long its rows live.
func (p *fileParser) streamOptions(n *yaml.Node, fs fields, t *Table) {
	stream := t.Kind == KindStream
	f, ok := fs["ttl"]
	switch {
	case ok && t.Kind != "" && !stream:
		p.errorf(f.key, "", "ttl applies only to stream tables; remove it or set kind: stream")
	case ok:
		t.TTL = p.ttl(f)
	case stream:
		p.errorf(n, "", "a stream table needs a ttl; add e.g. ttl: 24h (Go duration syntax plus d and w: 30s, 15m, 24h, 30d, 2w)")
	}
	if f, ok := fs["max_rows_per_owner"]; ok {
		if t.Kind != "" && !stream {
			p.errorf(f.key, "", "max_rows_per_owner applies only to stream tables; remove it or set kind: stream")
		} else if v, ok := p.integer(f.val, "", "max_rows_per_owner", 1, math.MaxInt); ok {
			t.MaxRowsPerOwner = int(v)
		}
	}
}

// The values of a table's flush key: never (the rows always stay hot;
// flush refuses the table) and allowed (flush may move them to cold
// segments).
var flushNames = []string{"never", "allowed"}

const flushHow = "write flush: never (the rows always stay hot) or flush: allowed (tablegen flush may move them to Parquet)"

// flush reads the flush key. System and shared tables default to never:
// they hold bookkeeping and reference rows every owner looks up by key, so
// they stay hot unless the YAML says flush: allowed; user and stream
// tables default to allowed.
func (p *fileParser) flush(fs fields, t *Table) {
	t.NeverFlush = t.Kind == KindSystem || t.Kind == KindShared
	f, ok := fs["flush"]
	if !ok {
		return
	}
	if f.val.Kind != yaml.ScalarNode {
		if p.notAlias(f.val, "") {
			p.errorf(f.val, "", "flush must be a single word, found %s; %s", describe(f.val), flushHow)
		}
		return
	}
	s, ok := p.str(f, "", "flush")
	switch {
	case !ok:
	case f.val.ShortTag() == "!!bool":
		p.errorf(f.val, "", "flush %s is not a flush setting; %s", s, flushHow)
	case s == "never":
		t.NeverFlush = true
	case s == "allowed":
		t.NeverFlush = false
	default:
		hint := didYouMean(s, flushNames)
		if hint == "" {
			hint = "; " + flushHow
		}
		p.errorf(f.val, "", "unknown flush setting %q%s", s, hint)
	}
}

func (p *fileParser) ttl(f field) time.Duration {
	n := f.val
	if !p.notAlias(n, "") {
		return 0
	}
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		p.errorf(n, "", "ttl %s has no unit; write a duration such as %ss or %sd", n.Value, n.Value, n.Value)
		return 0
	}
	s, ok := p.str(f, "", "ttl")
	if !ok {
		return 0
	}
	d, err := ParseTTL(s)
	switch {
	case err != nil:
		p.errorf(n, "", "ttl %q is not a duration (%v); write e.g. 30s, 15m, 24h, 30d or 2w", s, err)
	case d <= 0:
		p.errorf(n, "", "ttl %q must be positive; write e.g. 30s, 15m, 24h, 30d or 2w", s)
	default:
		return d
	}
	return 0
}

// OwnerColumn is the column name a user table may not declare: the owner of a
// user table's rows is implicit (the stored key is owner + declared key, the
// reference design's UserRowId), and generated code may expose it under this
// name's Go spelling, OwnerID.
const OwnerColumn = "owner_id"

// owner enforces that user and stream tables (both partitioned by owner)
// leave the owner implicit.
func (p *fileParser) owner(t *Table, cols []*colDecl) {
	if t.Kind != KindUser && t.Kind != KindStream {
		return
	}
	for _, c := range cols {
		if c.c.GoName == GoName(OwnerColumn) {
			p.errorf(c.nameNode, c.ctx, "a %s table's owner is implicit (every key is prefixed by the owner's user id), so no column may be named %s (Go name %s); remove the column or rename it, e.g. %q", t.Kind, OwnerColumn, GoName(OwnerColumn), "author_id")
		}
	}
}

// ownerTypes are the Go types an owner may have (owner: {type: …}).
var ownerTypes = []string{string(TypeString), string(TypeUUID), string(TypeInt64)}

// ownerType reads owner: {type: string|uuid|int64}, which only user and
// stream tables have; it defaults to string.
func (p *fileParser) ownerType(fs fields, t *Table) {
	if t.Kind.OwnerScoped() {
		t.OwnerType = TypeString
	}
	f, ok := fs["owner"]
	if !ok {
		return
	}
	if t.Kind != "" && !t.Kind.OwnerScoped() {
		p.errorf(f.key, "", "owner applies only to user and stream tables; remove it (a %s table has no owner)", t.Kind)
		return
	}
	of, ok := p.mapping(f.val, "owner", "the owner: a mapping with key type (string, uuid or int64)", []string{"type"})
	if !ok {
		return
	}
	tf, ok := of["type"]
	if !ok {
		p.errorf(f.val, "owner", "owner needs a type: string, uuid or int64")
		return
	}
	if s, ok := p.str(tf, "owner", "owner type"); ok {
		if oneOf(s, ownerTypes) {
			t.OwnerType = Type(s)
		} else {
			p.errorf(tf.val, "owner", "unknown owner type %q; one of string, uuid, int64%s", s, didYouMean(s, ownerTypes))
		}
	}
}

// describeCols formats key columns for messages: "job_id string, at timestamp desc".
func describeCols(k *KeyType) string {
	parts := make([]string, len(k.Columns))
	for i, c := range k.Columns {
		parts[i] = fmt.Sprintf("%s %s", c.Name, c.Type)
		if k.Desc[i] {
			parts[i] += " desc"
		}
	}
	return strings.Join(parts, ", ")
}
