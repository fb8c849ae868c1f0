package schema

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"
)

// fileParser reads the YAML nodes of one file and records every problem with
// the node's position. Its helpers never stop at the first error: they report
// it and return ok=false so the caller can skip checks that would only repeat
// it.
type fileParser struct {
	file string
	errs *errorsOf
}

func (p *fileParser) pos(n *yaml.Node) Pos {
	return Pos{File: p.file, Line: n.Line, Column: n.Column}
}

// errorf reports a problem at n. ctx names the declaration the problem is in
// (`column "email"`, `index "by_status"`, `key`), or is empty at the top level.
func (p *fileParser) errorf(n *yaml.Node, ctx, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if ctx != "" {
		msg = ctx + ": " + msg
	}
	p.errs.add(p.pos(n), "%s", msg)
}

// field is one "key: value" pair of a YAML mapping.
type field struct {
	key, val *yaml.Node
}

// fields are the pairs of one mapping by key.
type fields map[string]field

// notAlias reports an alias (*name) as an error: the language has no use for
// them and following them would make positions point at the anchor instead of
// the use.
func (p *fileParser) notAlias(n *yaml.Node, ctx string) bool {
	if n.Kind == yaml.AliasNode {
		p.errorf(n, ctx, "YAML aliases (*%s) are not supported; write the value out", n.Value)
		return false
	}
	return true
}

// mapping returns the fields of a mapping node, reporting keys that are not in
// allowed (with a "did you mean" suggestion), repeated keys, and keys that are
// not plain scalars. what describes the expected mapping for the error when n
// is not a mapping at all.
func (p *fileParser) mapping(n *yaml.Node, ctx, what string, allowed []string) (fields, bool) {
	if !p.notAlias(n, ctx) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, ctx, "expected %s, found %s", what, describe(n))
		return nil, false
	}
	fs := fields{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			p.errorf(k, ctx, "a key must be a plain name, found %s; use one of %s", describe(k), strings.Join(allowed, ", "))
			continue
		}
		name := k.Value
		if prev, dup := fs[name]; dup {
			p.errorf(k, ctx, "key %q is repeated (first at line %d, column %d); remove one", name, prev.key.Line, prev.key.Column)
			continue
		}
		known := false
		for _, a := range allowed {
			if a == name {
				known = true
				break
			}
		}
		if !known {
			p.errorf(k, ctx, "unknown key %q%s", name, didYouMean(name, allowed))
			continue
		}
		fs[name] = field{key: k, val: v}
	}
	return fs, true
}

// requirement is a key a mapping must have and an example of it for the fix.
type requirement struct {
	key, example string
}

// required reports every missing required key at the mapping node.
func (p *fileParser) required(n *yaml.Node, ctx string, fs fields, reqs []requirement) {
	for _, r := range reqs {
		if _, ok := fs[r.key]; !ok {
			p.errorf(n, ctx, "missing required key %q; add it, e.g. %s", r.key, r.example)
		}
	}
}

// describe names a node's shape for "expected X, found Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	if n.ShortTag() == "!!null" {
		return "nothing (null)"
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return fmt.Sprintf("the quoted string %q (remove the quotes if a number or boolean is meant)", n.Value)
	}
	return fmt.Sprintf("%q", n.Value)
}

// str reads a non-empty string scalar. Numbers and booleans are accepted as
// their text (a doc may well be "42"); identifier checks happen later.
func (p *fileParser) str(f field, ctx, what string) (string, bool) {
	n := f.val
	if !p.notAlias(n, ctx) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		p.errorf(n, ctx, "%s must be a string, found %s", what, describe(n))
		return "", false
	}
	return n.Value, true
}

// text reads an optional free-text scalar (doc); an empty value is allowed.
func (p *fileParser) text(f field, ctx, what string) (string, bool) {
	n := f.val
	if !p.notAlias(n, ctx) {
		return "", false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return "", true
	}
	if n.Kind != yaml.ScalarNode {
		p.errorf(n, ctx, "%s must be text, found %s; quote it or use a block scalar (|)", what, describe(n))
		return "", false
	}
	return strings.TrimSpace(n.Value), true
}

// integer reads an integer scalar in lo..hi.
func (p *fileParser) integer(n *yaml.Node, ctx, what string, lo, hi int64) (int64, bool) {
	if !p.notAlias(n, ctx) {
		return 0, false
	}
	var v int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		p.errorf(n, ctx, "%s must be an integer in %d..%d, found %s", what, lo, hi, describe(n))
		return 0, false
	}
	if v < lo || v > hi {
		p.errorf(n, ctx, "%s %d is out of range; use %d..%d", what, v, lo, hi)
		return 0, false
	}
	return v, true
}

// boolean reads true or false (YAML 1.2: yes/no/on/off are strings, not booleans).
func (p *fileParser) boolean(f field, ctx, what string) (bool, bool) {
	n := f.val
	if !p.notAlias(n, ctx) {
		return false, false
	}
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		p.errorf(n, ctx, "%s must be true or false, found %s", what, describe(n))
		return false, false
	}
	return v, true
}

// list reads a sequence node's items.
func (p *fileParser) list(f field, ctx, what, example string) ([]*yaml.Node, bool) {
	n := f.val
	if !p.notAlias(n, ctx) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, ctx, "%s must be a list, e.g. %s; found %s", what, example, describe(n))
		return nil, false
	}
	return n.Content, true
}

// nameAt is a string item of a list together with its node, for positions.
type nameAt struct {
	name string
	node *yaml.Node
}

// names reads a list of string scalars; bad items are reported and skipped.
func (p *fileParser) names(f field, ctx, what, example string) ([]nameAt, bool) {
	items, ok := p.list(f, ctx, what, example)
	if !ok {
		return nil, false
	}
	out := make([]nameAt, 0, len(items))
	for _, it := range items {
		s, ok := p.str(field{key: f.key, val: it}, ctx, what+" item")
		if ok {
			out = append(out, nameAt{name: s, node: it})
		}
	}
	return out, true
}

// Numeric limits of the language.
const (
	// MaxTag is the largest protobuf field number (2^29-1).
	MaxTag = 536870911
	// firstProtoReserved..lastProtoReserved is the field-number range the
	// protobuf implementation reserves for itself.
	firstProtoReserved = 19000
	lastProtoReserved  = 19999
	maxID              = math.MaxUint32
)
