package schema

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/tablegen/tablegen/runtime/layout"
)

// colDecl is a parsed column plus the nodes later checks point at.
type colDecl struct {
	c        *Column
	ctx      string     // `column "name"` for messages
	node     *yaml.Node // the column's mapping
	nameNode *yaml.Node // nil when the name is missing
	tagNode  *yaml.Node // nil when the tag is missing or invalid
}

var columnKeys = []string{"name", "tag", "type", "nullable", "doc", "values", "precision", "scale"}

var columnRequired = []requirement{
	{"name", "name: created_at"},
	{"tag", "tag: 1 (the protobuf field number, unique in the table)"},
	{"type", "type: string"},
}

// typeNames lists the column types in the order the language documents them.
var typeNames = []string{
	string(TypeBool), string(TypeInt32), string(TypeInt64), string(TypeUint64), string(TypeFloat64),
	string(TypeString), string(TypeBytes), string(TypeTimestamp), string(TypeDuration), string(TypeUUID),
	string(TypeEnum), string(TypeJSON), string(TypeDecimal),
}

// MaxDecimalPrecision is the most digits a decimal column holds.
const MaxDecimalPrecision = layout.MaxDecimalPrecision

// reservedSet is the parsed reserved block, with positions for messages.
type reservedSet struct {
	tags    map[int32]*yaml.Node
	columns map[string]*yaml.Node
	order   struct {
		tags    []int32
		columns []string
	}
}

func (r reservedSet) model() Reserved {
	out := Reserved{Tags: slices.Clone(r.order.tags), Columns: slices.Clone(r.order.columns)}
	slices.Sort(out.Tags)
	slices.Sort(out.Columns)
	return out
}

// reserved reads `reserved: {tags: [...], columns: [...]}`: tags and column
// names of removed columns, which must never be used again because old rows
// and old readers still give them their old meaning.
func (p *fileParser) reserved(fs fields) reservedSet {
	r := reservedSet{tags: map[int32]*yaml.Node{}, columns: map[string]*yaml.Node{}}
	f, ok := fs["reserved"]
	if !ok {
		return r
	}
	const ctx = "reserved"
	rf, ok := p.mapping(f.val, ctx, "a mapping such as {tags: [9], columns: [old_name]}", []string{"tags", "columns"})
	if !ok {
		return r
	}
	if tf, ok := rf["tags"]; ok {
		items, _ := p.list(tf, ctx, "tags", "[9, 12]")
		for _, it := range items {
			v, ok := p.integer(it, ctx, "tag", 1, MaxTag)
			if !ok {
				continue
			}
			tag := int32(v)
			if prev, dup := r.tags[tag]; dup {
				p.errorf(it, ctx, "tag %d is listed twice (first at line %d, column %d); remove one", tag, prev.Line, prev.Column)
				continue
			}
			r.tags[tag] = it
			r.order.tags = append(r.order.tags, tag)
		}
	}
	if cf, ok := rf["columns"]; ok {
		items, _ := p.names(cf, ctx, "columns", "[old_name]")
		for _, it := range items {
			if !isSnake(it.name) {
				p.errorf(it.node, ctx, "column name %q must be lower snake_case, e.g. %q", it.name, snakeHint(it.name))
				continue
			}
			if prev, dup := r.columns[it.name]; dup {
				p.errorf(it.node, ctx, "column %q is listed twice (first at line %d, column %d); remove one", it.name, prev.Line, prev.Column)
				continue
			}
			r.columns[it.name] = it.node
			r.order.columns = append(r.order.columns, it.name)
		}
	}
	return r
}

// columns parses the column list and applies the rules that span columns:
// unique names, unique Go names, unique tags.
func (p *fileParser) columns(f field, r reservedSet) []*colDecl {
	items, ok := p.list(f, "", "columns", "[{name: id, tag: 1, type: string}]")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		p.errorf(f.val, "", "columns is empty; declare at least the key columns, e.g. [{name: id, tag: 1, type: string}]")
	}
	var cols []*colDecl
	for i, it := range items {
		if c := p.column(it, i, r); c != nil {
			cols = append(cols, c)
		}
	}

	byName := map[string]*colDecl{}
	byGoName := map[string]*colDecl{}
	byTag := map[int32]*colDecl{}
	freeTag := nextTag(cols, r)
	for _, c := range cols {
		if c.nameNode != nil && c.c.Name != "" {
			if prev, dup := byName[c.c.Name]; dup {
				p.errorf(c.nameNode, c.ctx, "declared twice (first at line %d, column %d); rename or remove one", prev.nameNode.Line, prev.nameNode.Column)
			} else {
				byName[c.c.Name] = c
				if !isSnake(c.c.Name) {
					// Already reported; its Go name means nothing yet.
				} else if prev, dup := byGoName[c.c.GoName]; dup {
					p.errorf(c.nameNode, c.ctx, "its Go name %s is the same as that of column %q (line %d); rename one of them", c.c.GoName, prev.c.Name, prev.nameNode.Line)
				} else {
					byGoName[c.c.GoName] = c
				}
			}
		}
		if c.tagNode != nil {
			if prev, dup := byTag[c.c.Tag]; dup {
				p.errorf(c.tagNode, c.ctx, "tag %d is already used by column %q (line %d); use an unused tag such as %d", c.c.Tag, prev.c.Name, prev.tagNode.Line, freeTag)
			} else {
				byTag[c.c.Tag] = c
			}
		}
	}
	return cols
}

// nextTag suggests a free tag: one above every used and reserved tag, outside
// protobuf's reserved range.
func nextTag(cols []*colDecl, r reservedSet) int32 {
	var hi int32
	for _, c := range cols {
		if c.tagNode != nil {
			hi = max(hi, c.c.Tag)
		}
	}
	for t := range r.tags {
		hi = max(hi, t)
	}
	next := hi + 1
	if next >= firstProtoReserved && next <= lastProtoReserved {
		next = lastProtoReserved + 1
	}
	return min(next, MaxTag)
}

// column parses one column; it returns nil only when the item is not a mapping.
func (p *fileParser) column(n *yaml.Node, i int, r reservedSet) *colDecl {
	ctx := fmt.Sprintf("column #%d", i+1)
	fs, ok := p.mapping(n, ctx, "a column: a mapping such as {name: id, tag: 1, type: string}", columnKeys)
	if !ok {
		return nil
	}
	c := &colDecl{c: &Column{Pos: p.pos(n)}, ctx: ctx, node: n}
	if f, ok := fs["name"]; ok {
		if s, ok := p.str(f, ctx, "name"); ok {
			c.ctx = fmt.Sprintf("column %q", s)
			c.nameNode = f.val
			c.c.Name = s
			c.c.GoName = GoName(s)
			p.checkColumnName(c, r)
		}
	}
	p.required(n, c.ctx, fs, columnRequired)
	if f, ok := fs["tag"]; ok {
		if v, ok := p.integer(f.val, c.ctx, "tag", 1, MaxTag); ok {
			c.c.Tag = int32(v)
			if p.checkTag(f.val, c.ctx, c.c.Tag, r) {
				c.tagNode = f.val
			}
		}
	}
	if f, ok := fs["type"]; ok {
		if s, ok := p.str(f, c.ctx, "type"); ok {
			if oneOf(s, typeNames) {
				c.c.Type = Type(s)
			} else {
				p.errorf(f.val, c.ctx, "unknown type %q%s", s, didYouMean(s, typeNames))
			}
		}
	}
	if f, ok := fs["nullable"]; ok {
		c.c.Nullable, _ = p.boolean(f, c.ctx, "nullable")
	}
	if f, ok := fs["doc"]; ok {
		c.c.Doc, _ = p.text(f, c.ctx, "doc")
	}
	p.enumValues(n, fs, c)
	p.decimalDigits(n, fs, c)
	return c
}

// decimalDigits reads `precision` and `scale`, which decimal columns need
// (scale defaults to 0) and other columns may not have. Both are part of
// what stored values mean: a value is stored as its unscaled integer.
func (p *fileParser) decimalDigits(n *yaml.Node, fs fields, c *colDecl) {
	fp, hasP := fs["precision"]
	fsc, hasS := fs["scale"]
	if c.c.Type != TypeDecimal {
		if c.c.Type == "" {
			return
		}
		for _, f := range []struct {
			has bool
			f   field
		}{{hasP, fp}, {hasS, fsc}} {
			if f.has {
				p.errorf(f.f.key, c.ctx, "%s is only allowed on decimal columns; remove it or set type: decimal", f.f.key.Value)
			}
		}
		return
	}
	if !hasP {
		p.errorf(n, c.ctx, "a decimal column needs its precision (digits in all, 1..%d); add e.g. precision: 12, scale: 2", MaxDecimalPrecision)
		return
	}
	v, ok := p.integer(fp.val, c.ctx, "precision", 1, MaxDecimalPrecision)
	if !ok {
		return
	}
	c.c.Precision = int32(v)
	if hasS {
		s, ok := p.integer(fsc.val, c.ctx, "scale", 0, v)
		if !ok {
			return
		}
		c.c.Scale = int32(s)
	}
}

func (p *fileParser) checkColumnName(c *colDecl, r reservedSet) {
	n, s := c.nameNode, c.c.Name
	if !isSnake(s) {
		p.errorf(n, "", "column name %q must be lower snake_case, e.g. %q", s, snakeHint(s))
		return
	}
	if rn, ok := r.columns[s]; ok {
		p.errorf(n, c.ctx, "the name is reserved (reserved.columns, line %d): it belonged to a removed column; pick another name", rn.Line)
	}
	if what, ok := reservedGoName(c.c.GoName); ok {
		p.errorf(n, c.ctx, "its Go name %s is the generated %s, and a Go struct cannot have a field and a method of the same name; rename the column, e.g. %q", c.c.GoName, what, s+"_value")
	}
}

func (p *fileParser) checkTag(n *yaml.Node, ctx string, tag int32, r reservedSet) bool {
	switch rn, reserved := r.tags[tag]; {
	case tag >= firstProtoReserved && tag <= lastProtoReserved:
		p.errorf(n, ctx, "tag %d is in %d..%d, which protobuf reserves for itself; pick another tag", tag, firstProtoReserved, lastProtoReserved)
	case reserved:
		p.errorf(n, ctx, "tag %d is reserved (reserved.tags, line %d): it belonged to a removed column and old rows may still hold it; pick another tag", tag, rn.Line)
	default:
		return true
	}
	return false
}

// enumValues reads `values`, which enum columns need and other columns may not
// have. Values are stored by their position, and generate Go constants.
func (p *fileParser) enumValues(n *yaml.Node, fs fields, c *colDecl) {
	f, has := fs["values"]
	switch {
	case !has && c.c.Type == TypeEnum:
		p.errorf(n, c.ctx, "an enum column needs its values; add e.g. values: [active, disabled]")
		return
	case !has:
		return
	case c.c.Type != TypeEnum && c.c.Type != "":
		p.errorf(f.key, c.ctx, "values is only allowed on enum columns; remove it or set type: enum")
		return
	}
	items, ok := p.names(f, c.ctx, "values", "[active, disabled]")
	if !ok {
		return
	}
	if len(items) == 0 {
		p.errorf(f.val, c.ctx, "an enum needs at least one value, e.g. values: [active, disabled]")
		return
	}
	seen := map[string]*yaml.Node{}
	seenGo := map[string]string{}
	for _, it := range items {
		v := it.name
		if !isSnake(v) {
			p.errorf(it.node, c.ctx, "enum value %q must be a lower snake_case identifier, e.g. %q", v, snakeHint(v))
			continue
		}
		if prev, dup := seen[v]; dup {
			p.errorf(it.node, c.ctx, "enum value %q is listed twice (first at line %d, column %d); remove one", v, prev.Line, prev.Column)
			continue
		}
		seen[v] = it.node
		g := GoName(v)
		if prev, dup := seenGo[g]; dup {
			p.errorf(it.node, c.ctx, "enum values %q and %q both become the Go name %s; rename one", prev, v, g)
			continue
		}
		seenGo[g] = v
		c.c.Values = append(c.c.Values, v)
	}
}
