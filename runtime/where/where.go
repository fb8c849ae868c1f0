// Package where parses the SQL-style filter text of `tablegen inspect
// --where` into a [scan.Expr]:
//
//	role = 'dba' AND created_at >= '2026-01-01T00:00:00Z' AND (email IS NULL OR email LIKE 'a%')
//
// Grammar (keywords are case-insensitive, column names are not):
//
//	expr    = and { OR and }
//	and     = unary { AND unary }
//	unary   = NOT unary | primary
//	primary = "(" expr ")"
//	        | column op literal
//	        | column [NOT] IN "(" literal { "," literal } ")"
//	        | column IS [NOT] NULL
//	        | column [NOT] LIKE 'prefix%'
//	op      = "=" | "!=" | "<>" | "<" | "<=" | ">" | ">="
//	literal = 'string' | number | TRUE | FALSE | NULL
//	column  = identifier | "quoted identifier"
//
// Strings use single quotes (a doubled quote stands for one); numbers are decimal with an
// optional fraction and exponent. Literals are untyped here and converted to
// the column's type when the expression is bound: timestamps are RFC 3339
// strings, durations Go duration strings ('1h30m'), uuids their text form,
// enums their value names. LIKE supports only a prefix pattern: a trailing
// %, no other wildcard; \%, \_ and \\ match those characters literally.
// Parentheses nest at most [MaxDepth] deep.
//
// Every error points at the offending token as line:column (1-based, the
// column counted in characters): `1:14: unknown column "rol"; did you mean "role"?`.
package where

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

// MaxDepth is the deepest nesting of parentheses and NOTs Parse accepts, so
// hostile input cannot exhaust the stack; no real filter comes close.
const MaxDepth = 200

// Error is a parse or type error at a position in the filter text.
type Error struct {
	Line, Col int // 1-based; Col counts characters, not bytes
	Msg       string
}

func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// posError is an error at a byte offset, converted to an *Error once the
// source is known.
type posError struct {
	off int
	msg string
}

func (e *posError) Error() string { return e.msg }

func errAt(off int, format string, args ...any) error {
	return &posError{off: off, msg: fmt.Sprintf(format, args...)}
}

// locate turns a byte offset in src into a 1-based line and character column.
func locate(src string, off int) (line, col int) {
	off = min(max(off, 0), len(src))
	line = 1 + strings.Count(src[:off], "\n")
	lineStart := strings.LastIndexByte(src[:off], '\n') + 1
	return line, 1 + utf8.RuneCountInString(src[lineStart:off])
}

// Parse parses filter text into an expression. Positions in the result
// (Pos, ValuePos) are 1-based byte offsets into src, which [Compile] maps
// back to line:column for binding errors.
func Parse(src string) (scan.Expr, error) {
	p := &parser{lex: lexer{src: src}}
	e, err := p.parse()
	if err != nil {
		var pe *posError
		if errors.As(err, &pe) {
			line, col := locate(src, pe.off)
			return nil, &Error{Line: line, Col: col, Msg: pe.msg}
		}
		return nil, err
	}
	return e, nil
}

// Compile parses src and binds it to the table described by l, so a type
// error (an unknown column, a literal that does not fit) points at its token
// like a parse error does.
func Compile(src string, l *layout.Table) (scan.Expr, error) {
	e, err := Parse(src)
	if err != nil {
		return nil, err
	}
	if err := scan.Check(l, e); err != nil {
		var xe *scan.ExprError
		if errors.As(err, &xe) && xe.Pos > 0 {
			line, col := locate(src, xe.Pos-1)
			return nil, &Error{Line: line, Col: col, Msg: xe.Msg}
		}
		return nil, err
	}
	return e, nil
}

type parser struct {
	lex   lexer
	tok   token
	depth int
}

func (p *parser) advance() error {
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) parse() (scan.Expr, error) {
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, errAt(p.tok.pos, "empty filter; write a condition such as name = 'x'")
	}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, errAt(p.tok.pos, "unexpected %s; want AND, OR or the end of the filter", describe(p.tok))
	}
	return e, nil
}

func (p *parser) keyword(k string) bool { return p.tok.kind == tKeyword && p.tok.text == k }

func (p *parser) or() (scan.Expr, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = &scan.Or{L: l, R: r}
	}
	return l, nil
}

func (p *parser) and() (scan.Expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = &scan.And{L: l, R: r}
	}
	return l, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > MaxDepth {
		return errAt(p.tok.pos, "filter nests deeper than %d levels; simplify it", MaxDepth)
	}
	return nil
}

func (p *parser) unary() (scan.Expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if p.keyword("NOT") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &scan.Not{X: x}, nil
	}
	return p.primary()
}

func (p *parser) primary() (scan.Expr, error) {
	switch p.tok.kind {
	case tLParen:
		open := p.tok.pos
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, errAt(p.tok.pos, "unexpected %s; want ')' to close the '(' at offset %d", describe(p.tok), open+1)
		}
		return e, p.advance()
	case tIdent:
		return p.predicate()
	}
	return nil, errAt(p.tok.pos, "unexpected %s; want a column name, NOT or '('", describe(p.tok))
}

func (p *parser) predicate() (scan.Expr, error) {
	col, colPos := p.tok.text, p.tok.pos+1
	if err := p.advance(); err != nil {
		return nil, err
	}
	switch {
	case p.tok.kind == tOp:
		op := map[string]scan.Op{"=": scan.OpEq, "!=": scan.OpNe, "<>": scan.OpNe, "<": scan.OpLt, "<=": scan.OpLe, ">": scan.OpGt, ">=": scan.OpGe}[p.tok.text]
		if err := p.advance(); err != nil {
			return nil, err
		}
		v, vpos, err := p.literal()
		if err != nil {
			return nil, err
		}
		return &scan.Cmp{Column: col, Op: op, Value: v, Pos: colPos, ValuePos: vpos}, nil
	case p.keyword("IS"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		not := p.keyword("NOT")
		if not {
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.keyword("NULL") {
			return nil, errAt(p.tok.pos, "unexpected %s; want NULL after IS", describe(p.tok))
		}
		return &scan.IsNull{Column: col, Not: not, Pos: colPos}, p.advance()
	case p.keyword("NOT"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.keyword("IN") && !p.keyword("LIKE") {
			return nil, errAt(p.tok.pos, "unexpected %s; want IN or LIKE after NOT", describe(p.tok))
		}
		e, err := p.inOrLike(col, colPos)
		if err != nil {
			return nil, err
		}
		return &scan.Not{X: e}, nil
	case p.keyword("IN"), p.keyword("LIKE"):
		return p.inOrLike(col, colPos)
	}
	return nil, errAt(p.tok.pos, "unexpected %s after column %q; want =, !=, <, <=, >, >=, IN, IS or LIKE", describe(p.tok), col)
}

func (p *parser) inOrLike(col string, colPos int) (scan.Expr, error) {
	if p.keyword("LIKE") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tString {
			return nil, errAt(p.tok.pos, "unexpected %s; LIKE wants a quoted pattern such as 'abc%%'", describe(p.tok))
		}
		prefix, err := likePrefix(p.tok)
		if err != nil {
			return nil, err
		}
		e := &scan.Prefix{Column: col, Prefix: prefix, Pos: colPos, ValuePos: p.tok.pos + 1}
		return e, p.advance()
	}
	if err := p.advance(); err != nil { // IN
		return nil, err
	}
	if p.tok.kind != tLParen {
		return nil, errAt(p.tok.pos, "unexpected %s; IN wants a parenthesised list such as ('a', 'b')", describe(p.tok))
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	in := &scan.In{Column: col, Pos: colPos}
	for {
		v, vpos, err := p.literal()
		if err != nil {
			return nil, err
		}
		in.Values = append(in.Values, v)
		in.ValuePos = append(in.ValuePos, vpos)
		if p.tok.kind == tRParen {
			return in, p.advance()
		}
		if p.tok.kind != tComma {
			return nil, errAt(p.tok.pos, "unexpected %s in IN list; want ',' or ')'", describe(p.tok))
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

// literal parses one literal and returns it with its 1-based offset.
func (p *parser) literal() (any, int, error) {
	t := p.tok
	var v any
	switch {
	case t.kind == tString:
		v = t.text
	case t.kind == tNumber:
		v = scan.Number(t.text)
	case p.keyword("TRUE"):
		v = true
	case p.keyword("FALSE"):
		v = false
	case p.keyword("NULL"):
		v = nil
	case t.kind == tIdent:
		return nil, 0, errAt(t.pos, "unexpected column name %q where a literal belongs; quote strings with '...'", t.text)
	default:
		return nil, 0, errAt(t.pos, "unexpected %s; want a literal ('text', a number, TRUE, FALSE or NULL)", describe(t))
	}
	return v, t.pos + 1, p.advance()
}

// likePrefix turns a LIKE pattern into the prefix it matches: it must end
// in an unescaped %, with no other unescaped wildcard.
func likePrefix(t token) (string, error) {
	var b strings.Builder
	s := t.text
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", errAt(t.pos, "LIKE pattern ends with an escape '\\'; write '\\\\' for a backslash")
			}
			i++
			b.WriteByte(s[i])
		case '%':
			if i != len(s)-1 {
				return "", errAt(t.pos, "LIKE pattern %q has a %% before its end; only prefix patterns 'abc%%' are supported (escape a literal %% as \\%%)", s)
			}
			return b.String(), nil
		case '_':
			return "", errAt(t.pos, "LIKE pattern %q uses the wildcard _; only prefix patterns 'abc%%' are supported (escape a literal _ as \\_)", s)
		default:
			b.WriteByte(c)
		}
	}
	return "", errAt(t.pos, "LIKE pattern %q does not end in %%; for equality use =", s)
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of filter"
	case tIdent:
		return fmt.Sprintf("column name %q", t.text)
	case tString:
		return fmt.Sprintf("string '%s'", t.text)
	case tNumber:
		return "number " + t.text
	case tKeyword:
		return t.text
	}
	return fmt.Sprintf("'%s'", t.text)
}
