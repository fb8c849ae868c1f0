package schema

import "slices"

// EnumTypeName is the Go type the generator declares for enum column c of t:
// the entity name followed by the column's Go name (Job + Status →
// JobStatus). The loader checks that it collides with no other type name in
// the namespace's package, so the generator can use it as is.
func (t *Table) EnumTypeName(c *Column) string { return t.Entity + c.GoName }

// EnumConstName is the Go constant for value v of enum column c of t
// (JobStatus + running → JobStatusRunning, PaymentMethod + ach →
// PaymentMethodACH): values are snake_case like every other name, so they
// take GoName, the one naming rule. Checked like EnumTypeName.
func (t *Table) EnumConstName(c *Column, v string) string {
	return t.EnumTypeName(c) + GoName(v)
}

// EntityMethods are the methods generated code defines on an entity (the
// struct of one row), and KeyMethods those on a key type, whose fields (for
// a composite key) are its columns' Go names. Fields are column Go names, so
// the loader refuses a column whose Go name is any of them: the generated
// code would not compile ("field and method with the same name"). The
// generator declares methods on entities and keys only from these lists, so
// adding a method starts here. The loader refuses rather than renames: a
// field renamed behind the author's back would be a Go API nobody wrote down.
var (
	EntityMethods = []string{"Key", "String"}
	KeyMethods    = []string{"AppendKey", "String"}
)

// reservedGoName reports whether a column's Go name is a generated method
// name, and which one, for the message. Every column is checked against
// both lists, whatever the key: a column may join the key later, and a rule
// that depends on the key's shape would surprise.
func reservedGoName(goName string) (string, bool) {
	switch {
	case slices.Contains(EntityMethods, goName):
		return "method " + goName + " of the entity", true
	case slices.Contains(KeyMethods, goName):
		return "method " + goName + " of key types", true
	}
	return "", false
}
