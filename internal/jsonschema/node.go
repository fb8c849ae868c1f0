package jsonschema

import (
	"fmt"
	"strings"
)

// node is one JSON Schema (draft 2020-12) object. Only the keywords the
// table language needs exist here, so that the emitted document stays within
// the subset that the package's tests validate with their own validator.
// Field order is the order in which keys are written, chosen so a reader of
// the committed file sees the description before the constraints.
type node struct {
	Schema      string   `json:"$schema,omitempty"`
	ID          string   `json:"$id,omitempty"`
	Ref         string   `json:"$ref,omitempty"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type,omitempty"`
	Enum        []string `json:"enum,omitempty"`
	Const       any      `json:"const,omitempty"` // a string or a bool; nil for none
	Pattern     string   `json:"pattern,omitempty"`
	MinLength   *int     `json:"minLength,omitempty"`
	Minimum     *int64   `json:"minimum,omitempty"`
	Maximum     *int64   `json:"maximum,omitempty"`
	MinItems    *int     `json:"minItems,omitempty"`
	UniqueItems bool     `json:"uniqueItems,omitempty"`
	Items       *node    `json:"items,omitempty"`
	Required    []string `json:"required,omitempty"`
	// Properties is a map: encoding/json writes its keys sorted, which keeps
	// the output deterministic.
	Properties map[string]*node `json:"properties,omitempty"`
	// AdditionalProperties is false (a closed object) or a schema for the
	// values of keys Properties does not name.
	AdditionalProperties any `json:"additionalProperties,omitempty"`
	// PropertyNames closes an object whose keys depend on another key (a
	// table's kind): the keys it lists are the only ones allowed, while
	// Properties, here and in if/then branches, offers each only where it
	// applies.
	PropertyNames *node            `json:"propertyNames,omitempty"`
	AnyOf         []*node          `json:"anyOf,omitempty"`
	AllOf         []*node          `json:"allOf,omitempty"`
	If            *node            `json:"if,omitempty"`
	Then          *node            `json:"then,omitempty"`
	Else          *node            `json:"else,omitempty"`
	Not           *node            `json:"not,omitempty"`
	Examples      []any            `json:"examples,omitempty"`
	Defs          map[string]*node `json:"$defs,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// object is a closed object schema: unknown keys are errors, which is what
// catches typos such as "nulable" while the file is being typed.
func object(desc string, required []string, props map[string]*node) *node {
	return &node{
		Type:                 "object",
		Description:          desc,
		Required:             required,
		Properties:           props,
		AdditionalProperties: ptr(false),
	}
}

func described(n *node, desc string) *node {
	n.Description = desc
	return n
}

func str(desc, pattern string) *node {
	return described(&node{Type: "string", Pattern: pattern}, desc)
}

func integer(desc string, lo, hi int64) *node {
	return described(&node{Type: "integer", Minimum: ptr(lo), Maximum: ptr(hi)}, desc)
}

func boolean(desc string) *node {
	return described(&node{Type: "boolean"}, desc)
}

func ref(name, desc string) *node {
	return described(&node{Ref: "#/$defs/" + name}, desc)
}

func array(desc string, items *node, minItems int, unique bool) *node {
	n := described(&node{Type: "array", Items: items, UniqueItems: unique}, desc)
	if minItems > 0 {
		n.MinItems = ptr(minItems)
	}
	return n
}

// forbidden matches nothing: a property whose schema is forbidden may not
// appear. (Written as {"not": {}} rather than the boolean schema false, so
// every schema in the document is an object.)
func forbidden(desc string) *node {
	return described(&node{Not: &node{}}, desc)
}

// enumOf is a string enum documented value by value. Strict JSON Schema
// tools (ajv's default strict mode) refuse keywords outside the standard,
// such as the editor extensions enumDescriptions and markdownDescription,
// so each value's meaning goes into description, one line per value, which
// every editor shows on hover.
func enumOf(desc string, values, docs []string) *node {
	var b strings.Builder
	b.WriteString(desc)
	for i, v := range values {
		fmt.Fprintf(&b, "\n%s: %s", v, docs[i])
	}
	return &node{Type: "string", Enum: values, Description: b.String()}
}
