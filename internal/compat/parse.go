package compat

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
)

// maxTag is the largest protobuf field number, the upper bound of a column tag.
const maxTag = 1<<29 - 1

// token is one word of a lock file line and the column it starts at.
type token struct {
	text string
	col  int
}

// Parse reads a lock file. file is the name used in error positions. Every
// error is a schema.ErrorList whose message is "file:line:col: what is wrong
// and how to fix it". Parse accepts statements in any order (Marshal writes
// them sorted) and never panics, whatever the input.
//
// A retired id that a live table, column or index also uses is accepted, so
// that a lock written despite a CheckRetired error can still be read and the
// error reported against the schema instead.
func Parse(file string, b []byte) (*Lock, error) {
	p := &parser{file: file, lock: &Lock{}}
	if err := p.run(b); err != nil {
		return nil, schema.ErrorList{err}
	}
	p.lock.sort()
	return p.lock, nil
}

type parser struct {
	file      string
	lock      *Lock
	sawHeader bool

	line   int
	table  *Table          // the table statement being read (depth 1)
	parent string          // "key", "column" or "index": what depth-2 lines belong to
	column *Column         // the column owning "value" lines
	index  *Index          // the index owning "column" lines
	hasKey map[*Table]bool // tables whose `key` line was read
	hasID  map[*Table]bool // tables whose `id` line was read (0 is a valid id)
}

func (p *parser) pos(col int) schema.Pos {
	return schema.Pos{File: p.file, Line: p.line, Column: col}
}

func (p *parser) errorf(col int, format string, args ...any) *schema.Error {
	return &schema.Error{Pos: p.pos(col), Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) run(b []byte) *schema.Error {
	p.hasKey = map[*Table]bool{}
	p.hasID = map[*Table]bool{}
	for n, raw := range bytes.Split(b, []byte("\n")) {
		p.line = n + 1
		text := strings.TrimSuffix(string(raw), "\r")
		indent := len(text) - len(strings.TrimLeft(text, " "))
		rest := text[indent:]
		if rest == "" || rest[0] == '#' {
			continue
		}
		if rest[0] == '\t' {
			return p.errorf(indent+1, "tab in indentation; the lock file indents with two spaces per level (regenerate it with `tablegen generate`)")
		}
		if indent%2 != 0 || indent > 4 {
			return p.errorf(1, "indentation of %d spaces; use 0, 2 or 4 (two per level)", indent)
		}
		toks, err := p.tokens(rest, indent)
		if err != nil {
			return err
		}
		if err := p.statement(indent/2, toks); err != nil {
			return err
		}
	}
	if !p.sawHeader {
		p.line = 1
		return p.errorf(1, "not a lock file: missing the %q line; regenerate it with `tablegen generate`", "tablegen-lock "+formatVersion)
	}
	return p.finishTable()
}

// tokens splits a line into bare and Go-quoted words.
func (p *parser) tokens(s string, indent int) ([]token, *schema.Error) {
	var toks []token
	i := 0
	for i < len(s) {
		if s[i] == ' ' {
			i++
			continue
		}
		col := indent + i + 1
		if s[i] == '"' {
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return nil, p.errorf(col, "unterminated quoted string")
			}
			v, err := strconv.Unquote(s[i : j+1])
			if err != nil {
				return nil, p.errorf(col, "invalid quoted string %s: %v", s[i:j+1], err)
			}
			if j+1 < len(s) && s[j+1] != ' ' {
				return nil, p.errorf(indent+j+2, "missing space after quoted string")
			}
			toks = append(toks, token{v, col})
			i = j + 1
			continue
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if w := s[i:j]; !isBare(w) {
			return nil, p.errorf(col, "invalid word %q: quote words other than letters, digits, '_', '.' and '-' as Go strings", w)
		}
		toks = append(toks, token{s[i:j], col})
		i = j
	}
	return toks, nil
}

func (p *parser) statement(depth int, t []token) *schema.Error {
	kw := t[0].text
	if !p.sawHeader {
		if depth != 0 || kw != "tablegen-lock" {
			return p.errorf(t[0].col, "not a lock file: the first statement must be %q; regenerate it with `tablegen generate`", "tablegen-lock "+formatVersion)
		}
		if err := p.arity(t, 2, 2, "tablegen-lock VERSION"); err != nil {
			return err
		}
		if t[1].text != formatVersion {
			return p.errorf(t[1].col, "lock file format version %s is not supported by this tablegen (it reads version %s); use the tablegen that wrote it, or upgrade", t[1].text, formatVersion)
		}
		p.sawHeader = true
		return nil
	}
	switch depth {
	case 0:
		return p.topLevel(t)
	case 1:
		if p.table == nil {
			return p.errorf(t[0].col, "indented %q outside a table; put it under a `table NAME` line", kw)
		}
		p.parent, p.column, p.index = "", nil, nil
		return p.tableLevel(t)
	default:
		return p.nested(t)
	}
}

func (p *parser) topLevel(t []token) *schema.Error {
	if err := p.finishTable(); err != nil {
		return err
	}
	p.table, p.parent, p.column, p.index = nil, "", nil, nil
	switch {
	case t[0].text == "table":
		if err := p.arity(t, 2, 2, "table NAMESPACE.NAME"); err != nil {
			return err
		}
		if p.lock.Table(t[1].text) != nil {
			return p.errorf(t[1].col, "table %s is listed twice; keep one", t[1].text)
		}
		p.table = &Table{Pos: p.pos(t[0].col), Name: t[1].text}
		p.lock.Tables = append(p.lock.Tables, p.table)
		return nil
	case t[0].text == "retired" && len(t) > 1 && t[1].text == "table":
		if err := p.arity(t, 3, 4, "retired table ID [NAME]"); err != nil {
			return err
		}
		id, err := p.uint32(t[2])
		if err != nil {
			return err
		}
		if p.lock.retiredTable(id) != nil {
			return p.errorf(t[2].col, "table id %d is retired twice; keep one line", id)
		}
		r := RetiredTable{Pos: p.pos(t[0].col), ID: id}
		if len(t) == 4 {
			r.Name = t[3].text
		}
		p.lock.RetiredTables = append(p.lock.RetiredTables, r)
		return nil
	case t[0].text == "tablegen-lock":
		return p.errorf(t[0].col, "second %q line; keep only the first", "tablegen-lock")
	}
	return p.errorf(t[0].col, "unknown statement %q; a lock file holds `table NAME` and `retired table ID NAME` at the top level", t[0].text)
}

// finishTable checks that the table just read is complete.
func (p *parser) finishTable() *schema.Error {
	t := p.table
	if t == nil {
		return nil
	}
	at := &schema.Error{Pos: t.Pos}
	switch {
	case !p.hasID[t]:
		at.Msg = fmt.Sprintf("table %s has no `id` line; regenerate the lock file with `tablegen generate`", t.Name)
	case t.Kind == "":
		at.Msg = fmt.Sprintf("table %s has no `kind` line; regenerate the lock file with `tablegen generate`", t.Name)
	case !p.hasKey[t]:
		at.Msg = fmt.Sprintf("table %s has no `key` line; regenerate the lock file with `tablegen generate`", t.Name)
	case len(t.Key.Columns) == 0:
		at.Pos = t.Key.Pos
		at.Msg = fmt.Sprintf("the key of table %s has no columns; list them as indented `column NAME TYPE [desc]` lines", t.Name)
	}
	for _, c := range t.Columns {
		if at.Msg == "" && c.Type == schema.TypeDecimal && c.Precision == 0 {
			at.Pos = c.Pos
			at.Msg = fmt.Sprintf("decimal column %s of table %s has no `digits PRECISION SCALE` line; regenerate the lock file with `tablegen generate`", c.Name, t.Name)
		}
	}
	for _, x := range t.Indexes {
		if at.Msg == "" && len(x.Columns) == 0 {
			at.Pos = x.Pos
			at.Msg = fmt.Sprintf("index %s of table %s has no columns; list them as indented `column NAME` lines", x.Name, t.Name)
		}
	}
	if at.Msg != "" {
		return at
	}
	return nil
}

func (p *parser) tableLevel(t []token) *schema.Error {
	tb := p.table
	switch t[0].text {
	case "id":
		if err := p.arity(t, 2, 2, "id N"); err != nil {
			return err
		}
		if p.hasID[tb] {
			return p.errorf(t[0].col, "second `id` line in table %s; keep one", tb.Name)
		}
		id, err := p.uint32(t[1])
		if err != nil {
			return err
		}
		for _, o := range p.lock.Tables {
			if o != tb && p.hasID[o] && o.ID == id {
				return p.errorf(t[1].col, "table id %d is used by both %s and %s; each table needs its own id", id, o.Name, tb.Name)
			}
		}
		tb.ID = id
		p.hasID[tb] = true
		return nil
	case "kind":
		if err := p.arity(t, 2, 2, "kind KIND"); err != nil {
			return err
		}
		if tb.Kind != "" {
			return p.errorf(t[0].col, "second `kind` line in table %s; keep one", tb.Name)
		}
		k := schema.Kind(t[1].text)
		if !slices.Contains(kinds, k) {
			return p.errorf(t[1].col, "unknown kind %q; use one of system, shared, user, stream", t[1].text)
		}
		tb.Kind = k
		return nil
	case "owner":
		if err := p.arity(t, 2, 2, "owner TYPE"); err != nil {
			return err
		}
		if tb.Owner != "" {
			return p.errorf(t[0].col, "second `owner` line in table %s; keep one", tb.Name)
		}
		if t[1].text != "uuid" && t[1].text != "int64" {
			return p.errorf(t[1].col, "unknown owner type %q; use uuid or int64 (a string owner has no owner line)", t[1].text)
		}
		tb.Owner = t[1].text
		return nil
	case "key":
		if err := p.arity(t, 1, 1, "key"); err != nil {
			return err
		}
		if p.hasKey[tb] {
			return p.errorf(t[0].col, "second `key` line in table %s; keep one", tb.Name)
		}
		p.hasKey[tb] = true
		tb.Key.Pos = p.pos(t[0].col)
		p.parent = "key"
		return nil
	case "column":
		if err := p.arity(t, 4, 5, "column TAG NAME TYPE [nullable]"); err != nil {
			return err
		}
		tag, err := p.tag(t[1])
		if err != nil {
			return err
		}
		if tb.column(tag) != nil {
			return p.errorf(t[1].col, "tag %d is used by two columns of table %s; each column needs its own tag", tag, tb.Name)
		}
		if tb.columnByName(t[2].text) != nil {
			return p.errorf(t[2].col, "column %s is listed twice in table %s; keep one", t[2].text, tb.Name)
		}
		typ, err := p.typ(t[3])
		if err != nil {
			return err
		}
		c := &Column{Pos: p.pos(t[0].col), Tag: tag, Name: t[2].text, Type: typ}
		if len(t) == 5 {
			if t[4].text != "nullable" {
				return p.errorf(t[4].col, "unexpected %q after the column type; only `nullable` may follow it", t[4].text)
			}
			c.Nullable = true
		}
		tb.Columns = append(tb.Columns, c)
		p.parent, p.column = "column", c
		return nil
	case "index":
		if err := p.arity(t, 3, 4, "index ID NAME [unique | covering]"); err != nil {
			return err
		}
		id, err := p.uint32(t[1])
		if err != nil {
			return err
		}
		if tb.index(id) != nil {
			return p.errorf(t[1].col, "index id %d is used twice in table %s; each index needs its own id", id, tb.Name)
		}
		x := &Index{Pos: p.pos(t[0].col), ID: id, Name: t[2].text}
		if len(t) == 4 {
			// One word at most: the schema refuses an index that is both.
			switch t[3].text {
			case "unique":
				x.Unique = true
			case "covering":
				x.Covering = true
			default:
				return p.errorf(t[3].col, "unexpected %q after the index name; only `unique` or `covering` may follow it", t[3].text)
			}
		}
		tb.Indexes = append(tb.Indexes, x)
		p.parent, p.index = "index", x
		return nil
	case "retired":
		return p.retiredInTable(t)
	}
	return p.errorf(t[0].col, "unknown statement %q in table %s; expected id, kind, owner, key, column, index or retired", t[0].text, tb.Name)
}

func (p *parser) retiredInTable(t []token) *schema.Error {
	tb := p.table
	if len(t) < 2 {
		return p.errorf(t[0].col, "`retired` needs what it retires: `retired tag TAG [NAME TYPE]` or `retired index ID [NAME]`")
	}
	switch t[1].text {
	case "tag":
		if err := p.arity(t, 3, 5, "retired tag TAG [NAME TYPE]"); err != nil {
			return err
		}
		if len(t) == 4 {
			return p.errorf(t[3].col, "a retired tag records both the column name and type, or neither: `retired tag TAG [NAME TYPE]`")
		}
		tag, err := p.tag(t[2])
		if err != nil {
			return err
		}
		if tb.retiredTag(tag) != nil {
			return p.errorf(t[2].col, "tag %d is retired twice in table %s; keep one line", tag, tb.Name)
		}
		r := RetiredTag{Pos: p.pos(t[0].col), Tag: tag}
		if len(t) == 5 {
			typ, err := p.typ(t[4])
			if err != nil {
				return err
			}
			r.Name, r.Type = t[3].text, typ
		}
		tb.RetiredTags = append(tb.RetiredTags, r)
		return nil
	case "index":
		if err := p.arity(t, 3, 4, "retired index ID [NAME]"); err != nil {
			return err
		}
		id, err := p.uint32(t[2])
		if err != nil {
			return err
		}
		if tb.retiredIndex(id) != nil {
			return p.errorf(t[2].col, "index id %d is retired twice in table %s; keep one line", id, tb.Name)
		}
		r := RetiredIndex{Pos: p.pos(t[0].col), ID: id}
		if len(t) == 4 {
			r.Name = t[3].text
		}
		tb.RetiredIndexes = append(tb.RetiredIndexes, r)
		return nil
	}
	return p.errorf(t[1].col, "unknown `retired %s`; inside a table use `retired tag …` or `retired index …` (retired tables go at the top level)", t[1].text)
}

// nested reads a depth-2 line: a key column, an enum value or an index column.
func (p *parser) nested(t []token) *schema.Error {
	switch p.parent {
	case "key":
		if t[0].text != "column" {
			return p.errorf(t[0].col, "unexpected %q under `key`; expected `column NAME TYPE [desc]`", t[0].text)
		}
		if err := p.arity(t, 3, 4, "column NAME TYPE [desc]"); err != nil {
			return err
		}
		typ, err := p.typ(t[2])
		if err != nil {
			return err
		}
		k := KeyColumn{Pos: p.pos(t[0].col), Name: t[1].text, Type: typ}
		if len(t) == 4 {
			if t[3].text != "desc" {
				return p.errorf(t[3].col, "unexpected %q after the key column type; only `desc` may follow it", t[3].text)
			}
			k.Desc = true
		}
		p.table.Key.Columns = append(p.table.Key.Columns, k)
		return nil
	case "column":
		c := p.column
		if t[0].text == "digits" {
			return p.digits(c, t)
		}
		if t[0].text != "value" {
			return p.errorf(t[0].col, "unexpected %q under column %s; expected `value N NAME`", t[0].text, c.Name)
		}
		if c.Type != schema.TypeEnum {
			return p.errorf(t[0].col, "column %s has type %s; only enum columns have values", c.Name, c.Type)
		}
		if err := p.arity(t, 3, 3, "value N NAME"); err != nil {
			return err
		}
		if want := strconv.Itoa(len(c.Values)); t[1].text != want {
			return p.errorf(t[1].col, "enum value %q of column %s is numbered %s, want %s: values are numbered 0, 1, 2 … in the order they are stored", t[2].text, c.Name, t[1].text, want)
		}
		if slices.Contains(c.Values, t[2].text) {
			return p.errorf(t[2].col, "enum value %q of column %s is listed twice; keep one", t[2].text, c.Name)
		}
		c.Values = append(c.Values, t[2].text)
		return nil
	case "index":
		if t[0].text != "column" {
			return p.errorf(t[0].col, "unexpected %q under index %s; expected `column NAME`", t[0].text, p.index.Name)
		}
		if err := p.arity(t, 2, 2, "column NAME"); err != nil {
			return err
		}
		p.index.Columns = append(p.index.Columns, t[1].text)
		return nil
	}
	return p.errorf(t[0].col, "unexpected indented %q; only `key`, enum `column` and `index` lines have indented lines under them", t[0].text)
}

// digits reads `digits PRECISION SCALE` under a decimal column.
func (p *parser) digits(c *Column, t []token) *schema.Error {
	if c.Type != schema.TypeDecimal {
		return p.errorf(t[0].col, "column %s has type %s; only decimal columns have digits", c.Name, c.Type)
	}
	if err := p.arity(t, 3, 3, "digits PRECISION SCALE"); err != nil {
		return err
	}
	if c.Precision != 0 {
		return p.errorf(t[0].col, "second `digits` line under column %s; keep one", c.Name)
	}
	prec, err1 := strconv.ParseInt(t[1].text, 10, 32)
	scale, err2 := strconv.ParseInt(t[2].text, 10, 32)
	if err1 != nil || err2 != nil || prec < 1 || prec > schema.MaxDecimalPrecision || scale < 0 || scale > prec {
		return p.errorf(t[1].col, "digits %s %s of column %s: want a precision of 1 to %d and a scale of 0 to the precision", t[1].text, t[2].text, c.Name, schema.MaxDecimalPrecision)
	}
	c.Precision, c.Scale = int32(prec), int32(scale)
	return nil
}

func (p *parser) arity(t []token, lo, hi int, usage string) *schema.Error {
	switch {
	case len(t) < lo:
		last := t[len(t)-1]
		return p.errorf(last.col+len(last.text), "incomplete line; expected `%s`", usage)
	case len(t) > hi:
		return p.errorf(t[hi].col, "unexpected %q; expected `%s`", t[hi].text, usage)
	}
	return nil
}

func (p *parser) uint32(t token) (uint32, *schema.Error) {
	v, err := strconv.ParseUint(t.text, 10, 32)
	if err != nil {
		return 0, p.errorf(t.col, "invalid id %q: want a decimal number from 0 to 4294967295", t.text)
	}
	return uint32(v), nil
}

func (p *parser) tag(t token) (int32, *schema.Error) {
	v, err := strconv.ParseInt(t.text, 10, 32)
	if err != nil || v < 1 || v > maxTag {
		return 0, p.errorf(t.col, "invalid tag %q: want a decimal number from 1 to %d", t.text, maxTag)
	}
	return int32(v), nil
}

func (p *parser) typ(t token) (schema.Type, *schema.Error) {
	typ := schema.Type(t.text)
	if !slices.Contains(types, typ) {
		return "", p.errorf(t.col, "unknown column type %q; use one of %s", t.text, typeList())
	}
	return typ, nil
}

var kinds = []schema.Kind{schema.KindSystem, schema.KindShared, schema.KindUser, schema.KindStream}

var types = []schema.Type{
	schema.TypeBool, schema.TypeInt32, schema.TypeInt64, schema.TypeUint64, schema.TypeFloat64,
	schema.TypeString, schema.TypeBytes, schema.TypeTimestamp, schema.TypeDuration,
	schema.TypeUUID, schema.TypeEnum, schema.TypeJSON, schema.TypeDecimal,
}

func typeList() string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
