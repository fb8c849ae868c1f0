package where

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tString
	tNumber
	tOp     // = != <> < <= > >=
	tLParen // (
	tRParen // )
	tComma  // ,
	tKeyword
)

// token is one lexical token; pos is its 0-based byte offset.
type token struct {
	kind tokKind
	text string // identifier, keyword (upper case), operator, or decoded literal
	pos  int
}

var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true,
	"NULL": true, "LIKE": true, "TRUE": true, "FALSE": true,
}

// lexer splits the source into tokens on demand.
type lexer struct {
	src string
	off int
}

func isIdentStart(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// next returns the next token, or an error at the offending byte.
func (l *lexer) next() (token, error) {
	for l.off < len(l.src) && strings.IndexByte(" \t\r\n", l.src[l.off]) >= 0 {
		l.off++
	}
	start := l.off
	if l.off >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.off]
	switch {
	case c == '(':
		l.off++
		return token{kind: tLParen, text: "(", pos: start}, nil
	case c == ')':
		l.off++
		return token{kind: tRParen, text: ")", pos: start}, nil
	case c == ',':
		l.off++
		return token{kind: tComma, text: ",", pos: start}, nil
	case c == '=':
		l.off++
		return token{kind: tOp, text: "=", pos: start}, nil
	case c == '!' || c == '<' || c == '>':
		l.off++
		if l.off < len(l.src) && (l.src[l.off] == '=' || (c == '<' && l.src[l.off] == '>')) {
			l.off++
		}
		text := l.src[start:l.off]
		if text == "!" {
			return token{}, errAt(start, "unexpected '!'; did you mean '!='?")
		}
		return token{kind: tOp, text: text, pos: start}, nil
	case c == '\'':
		return l.quoted('\'', tString, "string literal")
	case c == '"':
		return l.quoted('"', tIdent, "quoted column name")
	case isDigit(c) || (c == '-' && l.off+1 < len(l.src) && (isDigit(l.src[l.off+1]) || l.src[l.off+1] == '.')) || c == '.':
		return l.number()
	}
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	if isIdentStart(r) {
		for l.off < len(l.src) {
			r, size = utf8.DecodeRuneInString(l.src[l.off:])
			if !isIdentStart(r) && !(r >= '0' && r <= '9') {
				break
			}
			l.off += size
		}
		word := l.src[start:l.off]
		if up := strings.ToUpper(word); keywords[up] {
			return token{kind: tKeyword, text: up, pos: start}, nil
		}
		return token{kind: tIdent, text: word, pos: start}, nil
	}
	if r == utf8.RuneError && size == 1 {
		return token{}, errAt(start, "invalid UTF-8 byte 0x%02x", l.src[l.off])
	}
	return token{}, errAt(start, "unexpected character %q", r)
}

// quoted reads a literal delimited by q, where a doubled q stands for one.
func (l *lexer) quoted(q byte, kind tokKind, what string) (token, error) {
	start := l.off
	l.off++
	var b strings.Builder
	for {
		i := strings.IndexByte(l.src[l.off:], q)
		if i < 0 {
			return token{}, errAt(start, "unterminated %s; close it with %c", what, q)
		}
		b.WriteString(l.src[l.off : l.off+i])
		l.off += i + 1
		if l.off < len(l.src) && l.src[l.off] == q {
			b.WriteByte(q)
			l.off++
			continue
		}
		break
	}
	if !utf8.ValidString(b.String()) {
		return token{}, errAt(start, "%s is not valid UTF-8", what)
	}
	if kind == tIdent && b.Len() == 0 {
		return token{}, errAt(start, "empty quoted column name")
	}
	return token{kind: kind, text: b.String(), pos: start}, nil
}

// number reads -?digits[.digits][e[+-]digits]; the text is kept verbatim so
// binding can parse it exactly for the column type.
func (l *lexer) number() (token, error) {
	start := l.off
	if l.src[l.off] == '-' {
		l.off++
	}
	digits := func() int {
		n := 0
		for l.off < len(l.src) && isDigit(l.src[l.off]) {
			l.off++
			n++
		}
		return n
	}
	n := digits()
	if l.off < len(l.src) && l.src[l.off] == '.' {
		l.off++
		n += digits()
	}
	if n == 0 {
		return token{}, errAt(start, "malformed number %q", l.src[start:l.off])
	}
	if l.off < len(l.src) && (l.src[l.off] == 'e' || l.src[l.off] == 'E') {
		l.off++
		if l.off < len(l.src) && (l.src[l.off] == '+' || l.src[l.off] == '-') {
			l.off++
		}
		if digits() == 0 {
			return token{}, errAt(start, "malformed number %q: the exponent has no digits", l.src[start:l.off])
		}
	}
	if l.off < len(l.src) {
		if r, _ := utf8.DecodeRuneInString(l.src[l.off:]); isIdentStart(r) {
			return token{}, errAt(start, "malformed number: %q follows the digits; separate it with a space or quote the value", r)
		}
	}
	return token{kind: tNumber, text: l.src[start:l.off], pos: start}, nil
}
