package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
)

// ConfigID is the $id of the schema of tablegen.yaml.
const ConfigID = "https://github.com/tablegen/tablegen/schemas/tablegen.config.schema.json"

// ConfigFileName is the file the schema of tablegen.yaml is written to, next
// to the table schema: `tablegen jsonschema -o DIR/x.json` writes both, and
// `tablegen init` points tablegen.yaml's yaml-language-server line at it.
const ConfigFileName = "tablegen.config.schema.json"

// ConfigPath is where the tablegen.yaml schema goes when the table schema
// goes to tableSchema (slash-separated).
func ConfigPath(tableSchema string) string {
	return path.Join(path.Dir(tableSchema), ConfigFileName)
}

// GenerateConfig returns the JSON Schema of tablegen.yaml (schema.Config),
// indented and newline-terminated, byte-identical across runs like Generate.
// It mirrors schema.ParseConfig's per-key rules; the rules that need the
// schemas (a go_types entry naming a real column) are the loader's alone.
func GenerateConfig() []byte {
	inside := func(n *node) *node {
		n.Not = &node{Type: "string", Pattern: `^\.\.([/\\]|$)`, Description: "The path leaves the directory of tablegen.yaml."}
		return n
	}
	pathKey := func(desc string) *node {
		return inside(str(desc+" Relative to the directory of tablegen.yaml, inside it.", `^[^/\\]`))
	}
	doc := object(
		"tablegen.yaml: where every tablegen command reads and writes, and the generator's options. It lives at the module root (tablegen finds it like go finds go.mod); command-line flags override each value.",
		nil,
		map[string]*node{
			"schemas":    pathKey("The schemas directory: <namespace>/<table>.yaml files and tablegen.lock. Default schemas."),
			"out":        pathKey("The generated Go: package <namespace> in <out>/<namespace>. Default generated."),
			"package":    str("The Go import path of out, e.g. example.com/app/internal/db. Default: derived from go.mod.", `^[A-Za-z0-9][A-Za-z0-9._~+-]*(/[A-Za-z0-9._~+-]+)*$`),
			"docs":       pathKey("Where tablegen docs writes the Markdown reference (and check compares it). Omit to skip docs."),
			"jsonschema": inside(str("Where tablegen jsonschema writes the table schema for editors, a .json file (the schema of this file goes next to it as "+ConfigFileName+"). Relative to the directory of tablegen.yaml. Omit to skip.", `^[^/\\].*\.json$`)),
			"tests":      boolean("Whether generated packages include their _test.go files. Default true."),
			"json": described(&node{AnyOf: []*node{
				boolean("false: no json tags; true: tags named as the columns (the default)."),
				object("The json tags of generated entity fields.", nil, map[string]*node{
					"tags":   boolean("Whether entity fields get json tags. Default true."),
					"naming": enumOf("How json tags name fields.", []string{"snake", "camel"}, []string{"the column name as written (created_at).", "lowerCamelCase of the column name (createdAt)."}),
				}),
			}}, "JSON struct tags on generated entities: false, or {tags, naming}."),
			"go_types": described(&node{
				Type:                 "object",
				PropertyNames:        &node{Type: "string", Pattern: `^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`},
				AdditionalProperties: &node{Type: "string", Pattern: `^[A-Za-z0-9][A-Za-z0-9._~+/-]*\.[A-Z][A-Za-z0-9_]*$`, Description: "A named Go type, import/path.Type, whose underlying type is the column's Go type."},
			}, "The Go type of a column's field instead of its type's default: NS.TABLE.COLUMN → import/path.Type (example.com/money.Cents), a named type whose underlying type is the column's Go type (type Cents int64 for an int64 column). Columns of type bool, int32, int64, uint64, float64, string and bytes outside keys and indexes; the stored bytes do not change."),
		},
	)
	doc.Schema = "https://json-schema.org/draft/2020-12/schema"
	doc.ID = ConfigID
	doc.Title = "tablegen.yaml"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return []byte(fmt.Sprintf("{\"error\": %q}\n", err.Error()))
	}
	return buf.Bytes()
}
