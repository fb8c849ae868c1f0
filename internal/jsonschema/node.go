package jsonschema

// node is one JSON Schema (draft 2020-12) object. Only the keywords the
// table language needs exist here, so that the emitted document stays within
// the subset that the package's tests validate with their own validator.
// Field order is the order in which keys are written, chosen so a reader of
// the committed file sees the description before the constraints.
type node struct {
	Schema      string `json:"$schema,omitempty"`
	ID          string `json:"$id,omitempty"`
	Ref         string `json:"$ref,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// MarkdownDescription is what VS Code and yaml-language-server show on
	// hover when present; description remains for every other tool.
	MarkdownDescription string   `json:"markdownDescription,omitempty"`
	Type                string   `json:"type,omitempty"`
	Enum                []string `json:"enum,omitempty"`
	// EnumDescriptions is the editor extension that documents each enum value
	// in completion lists (same order as Enum).
	EnumDescriptions []string `json:"enumDescriptions,omitempty"`
	Const            string   `json:"const,omitempty"`
	Pattern          string   `json:"pattern,omitempty"`
	MinLength        *int     `json:"minLength,omitempty"`
	Minimum          *int64   `json:"minimum,omitempty"`
	Maximum          *int64   `json:"maximum,omitempty"`
	MinItems         *int     `json:"minItems,omitempty"`
	UniqueItems      bool     `json:"uniqueItems,omitempty"`
	Items            *node    `json:"items,omitempty"`
	Required         []string `json:"required,omitempty"`
	// Properties is a map: encoding/json writes its keys sorted, which keeps
	// the output deterministic.
	Properties           map[string]*node `json:"properties,omitempty"`
	AdditionalProperties *bool            `json:"additionalProperties,omitempty"`
	AllOf                []*node          `json:"allOf,omitempty"`
	If                   *node            `json:"if,omitempty"`
	Then                 *node            `json:"then,omitempty"`
	Else                 *node            `json:"else,omitempty"`
	Not                  *node            `json:"not,omitempty"`
	Examples             []any            `json:"examples,omitempty"`
	Defs                 map[string]*node `json:"$defs,omitempty"`
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
