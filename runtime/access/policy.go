package access

import "github.com/tablegen/tablegen/runtime/layout"

// PolicyOf is the policy of table l with declared access level (YAML
// `access:`, "" for the kind's default). The rules follow from the kind, so
// generated code passes the level and nothing else.
func PolicyOf(l *layout.Table, level Level) Policy {
	return Policy{Table: l.Namespace + "." + l.Name, Kind: l.Kind, Access: level}
}
