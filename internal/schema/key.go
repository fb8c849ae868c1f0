package schema

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

var keyKeys = []string{"type", "columns", "desc"}

var keyRequired = []requirement{
	{"type", "type: ItemId (the Go key type; tables may share one)"},
	{"columns", "columns: [item_id]"},
}

// unorderable says why a column type cannot be part of a key or index: those
// are stored in an order-preserving encoding, which these types do not have.
var unorderable = map[Type]string{
	TypeFloat64: "float64 has no order-preserving key encoding (NaN, -0)",
	TypeJSON:    "json values have no meaningful order",
}

// colIndex finds a table's columns by name, for key and index references.
type colIndex struct {
	names  []string // in declaration order, each once
	byName map[string]*colDecl
}

func newColIndex(cols []*colDecl) colIndex {
	ix := colIndex{byName: map[string]*colDecl{}}
	for _, c := range cols {
		if c.c.Name == "" {
			continue
		}
		if _, dup := ix.byName[c.c.Name]; !dup {
			ix.byName[c.c.Name] = c
			ix.names = append(ix.names, c.c.Name)
		}
	}
	return ix
}

// colRefs resolves a list of column names against the table's columns,
// reporting unknown names (with a suggestion) and repeats. The result keeps
// the list order and skips bad items.
func (p *fileParser) colRefs(items []nameAt, ctx, what string, ix colIndex) ([]*colDecl, []*yaml.Node) {
	if len(ix.names) == 0 {
		// The column list is missing, empty or malformed, which is reported
		// already; every reference would only repeat that.
		return nil, nil
	}
	byName, names := ix.byName, ix.names
	var out []*colDecl
	var nodes []*yaml.Node
	seen := map[string]*yaml.Node{}
	for _, it := range items {
		c, ok := byName[it.name]
		if !ok {
			p.errorf(it.node, ctx, "%s names unknown column %q%s", what, it.name, didYouMean(it.name, names))
			continue
		}
		if prev, dup := seen[it.name]; dup {
			p.errorf(it.node, ctx, "%s lists column %q twice (first at line %d, column %d); remove one", what, it.name, prev.Line, prev.Column)
			continue
		}
		seen[it.name] = it.node
		out = append(out, c)
		nodes = append(nodes, it.node)
	}
	return out, nodes
}

// key parses the primary key: its Go type name, its columns (which must exist,
// be non-nullable and orderable) and which of them sort descending.
func (p *fileParser) key(f field, t *Table, cols colIndex) *KeyType {
	const ctx = "key"
	fs, ok := p.mapping(f.val, ctx, "a key: a mapping such as {type: ItemId, columns: [item_id]}", keyKeys)
	if !ok {
		return nil
	}
	p.required(f.val, ctx, fs, keyRequired)
	k := &KeyType{Pos: p.pos(f.val)}
	if tf, ok := fs["type"]; ok {
		if s, ok := p.str(tf, ctx, "type"); ok {
			if isCamel(s) {
				k.Name, k.GoName = s, camelGoName(s)
			} else {
				p.errorf(tf.val, ctx, "type %q must be a Go type name in CamelCase, e.g. %q", s, GoName(snakeHint(s)))
			}
		}
	}
	var keyCols []*colDecl
	var keyNodes []*yaml.Node
	if cf, ok := fs["columns"]; ok {
		if items, ok := p.names(cf, ctx, "columns", "[item_id]"); ok {
			if len(items) == 0 {
				p.errorf(cf.val, ctx, "columns is empty; list the column(s) that identify a row, e.g. [item_id]")
			}
			keyCols, keyNodes = p.colRefs(items, ctx, "columns", cols)
		}
	}
	for i, c := range keyCols {
		n := keyNodes[i]
		if c.c.Nullable {
			p.errorf(n, ctx, "key column %q is nullable, but a key always has a value; remove nullable: true from the column or key by another column", c.c.Name)
		}
		if why, bad := unorderable[c.c.Type]; bad {
			p.errorf(n, ctx, "column %q cannot be a key column: %s; key by a string, integer, timestamp, uuid or bytes column", c.c.Name, why)
		}
		k.Columns = append(k.Columns, c.c)
	}
	k.Desc = make([]bool, len(k.Columns))
	if df, ok := fs["desc"]; ok {
		if items, ok := p.names(df, ctx, "desc", "[created_at]"); ok {
			var keyItems []nameAt
			for _, it := range items {
				isKey := slices.ContainsFunc(keyCols, func(c *colDecl) bool { return c.c.Name == it.name })
				_, isCol := cols.byName[it.name]
				if isCol && !isKey {
					p.errorf(it.node, ctx, "desc names column %q, which is not a key column; desc lists key columns that sort descending, so add it to key.columns or remove it from desc", it.name)
					continue
				}
				keyItems = append(keyItems, it)
			}
			descCols, _ := p.colRefs(keyItems, ctx, "desc", newColIndex(keyCols))
			for _, dc := range descCols {
				k.Desc[slices.Index(k.Columns, dc.c)] = true
			}
		}
	}
	if t.Kind == KindStream && len(k.Columns) > 0 && (k.Columns[0].Type != TypeTimestamp || k.Desc[0]) {
		p.errorf(keyNodes[0], ctx, "a stream table's first key column must be its event time, a timestamp sorted ascending, so that expiry is one range delete; put a timestamp column such as created_at first (not in desc)")
	}
	return k
}

var indexKeys = []string{"name", "id", "columns", "unique", "covering", "doc"}

var indexRequired = []requirement{
	{"name", "name: by_status"},
	{"id", "id: 1 (unique in the table, never reused)"},
	{"columns", "columns: [status]"},
}

// indexes parses the secondary indexes and returns them sorted by id.
func (p *fileParser) indexes(f field, cols colIndex) []*Index {
	items, ok := p.list(f, "", "indexes", "[{name: by_status, id: 1, columns: [status]}]")
	if !ok {
		return nil
	}
	type indexDecl struct {
		x              *Index
		nameNode, node *yaml.Node
		idNode         *yaml.Node
		sig            string // column list, for duplicate detection
	}
	var decls []*indexDecl
	for i, it := range items {
		ctx := fmt.Sprintf("index #%d", i+1)
		fs, ok := p.mapping(it, ctx, "an index: a mapping such as {name: by_status, id: 1, columns: [status]}", indexKeys)
		if !ok {
			continue
		}
		d := &indexDecl{x: &Index{Pos: p.pos(it)}, node: it}
		if nf, ok := fs["name"]; ok {
			if s, ok := p.str(nf, ctx, "name"); ok {
				ctx = fmt.Sprintf("index %q", s)
				if isSnake(s) {
					d.x.Name, d.x.GoName, d.nameNode = s, GoName(s), nf.val
				} else {
					p.errorf(nf.val, "", "index name %q must be lower snake_case, e.g. %q", s, snakeHint(s))
				}
			}
		}
		p.required(it, ctx, fs, indexRequired)
		if idf, ok := fs["id"]; ok {
			if v, ok := p.integer(idf.val, ctx, "index id", 1, maxID); ok {
				d.x.ID, d.idNode = uint32(v), idf.val
			}
		}
		if uf, ok := fs["unique"]; ok {
			d.x.Unique, _ = p.boolean(uf, ctx, "unique")
		}
		if cf, ok := fs["covering"]; ok {
			d.x.Covering, _ = p.boolean(cf, ctx, "covering")
			if d.x.Covering && d.x.Unique {
				// A copy of the row buys nothing when a lookup reads one row
				// anyway, and would cost every write of the row a second copy.
				p.errorf(cf.val, ctx, "is unique and covering; a unique index finds its one row with one read, covering is for non-unique indexes whose scans return many rows; remove covering or unique")
			}
		}
		if df, ok := fs["doc"]; ok {
			d.x.Doc, _ = p.text(df, ctx, "doc")
		}
		if cf, ok := fs["columns"]; ok {
			if names, ok := p.names(cf, ctx, "columns", "[status, created_at]"); ok {
				if len(names) == 0 {
					p.errorf(cf.val, ctx, "columns is empty; list the column(s) to look rows up by, e.g. [status]")
				}
				ic, nodes := p.colRefs(names, ctx, "columns", cols)
				for i, c := range ic {
					if why, bad := unorderable[c.c.Type]; bad {
						p.errorf(nodes[i], ctx, "column %q cannot be indexed: %s; index a string, integer, timestamp, enum, uuid or bytes column instead", c.c.Name, why)
					}
					d.x.Columns = append(d.x.Columns, c.c)
					d.x.Sparse = d.x.Sparse || c.c.Nullable
					d.sig += c.c.Name + ","
				}
			}
		}
		decls = append(decls, d)
	}

	byName := map[string]*indexDecl{}
	byGoName := map[string]*indexDecl{}
	byID := map[uint32]*indexDecl{}
	bySig := map[string]*indexDecl{}
	var maxIdx uint32
	for _, d := range decls {
		if d.idNode != nil {
			maxIdx = max(maxIdx, d.x.ID)
		}
	}
	var out []*Index
	for _, d := range decls {
		ctx := fmt.Sprintf("index %q", d.x.Name)
		if d.nameNode != nil {
			if prev, dup := byName[d.x.Name]; dup {
				p.errorf(d.nameNode, ctx, "declared twice (first at line %d, column %d); rename or remove one", prev.nameNode.Line, prev.nameNode.Column)
			} else if prev, dup := byGoName[d.x.GoName]; dup {
				p.errorf(d.nameNode, ctx, "its Go name %s is the same as that of index %q (line %d); rename one of them", d.x.GoName, prev.x.Name, prev.nameNode.Line)
			} else {
				byName[d.x.Name], byGoName[d.x.GoName] = d, d
			}
		}
		if d.idNode != nil {
			if prev, dup := byID[d.x.ID]; dup {
				p.errorf(d.idNode, ctx, "index id %d is already used by index %q (line %d); use an unused id such as %d", d.x.ID, prev.x.Name, prev.idNode.Line, min(uint64(maxIdx)+1, maxID))
			} else {
				byID[d.x.ID] = d
			}
		}
		if d.sig != "" {
			if prev, dup := bySig[d.sig]; dup {
				p.errorf(d.node, ctx, "has the same columns as index %q (line %d); remove one (a unique index also serves plain lookups)", prev.x.Name, prev.node.Line)
			} else {
				bySig[d.sig] = d
			}
		}
		out = append(out, d.x)
	}
	slices.SortStableFunc(out, func(a, b *Index) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}
