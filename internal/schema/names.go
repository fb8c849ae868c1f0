package schema

// EnumTypeName is the Go type the generator declares for enum column c of t:
// the entity name followed by the column's Go name (Job + Status →
// JobStatus). The loader checks that it collides with no other type name in
// the namespace's package, so the generator can use it as is.
func (t *Table) EnumTypeName(c *Column) string { return t.Entity + c.GoName }

// EnumConstName is the Go constant for value v of enum column c of t
// (JobStatus + running → JobStatusRunning); checked like EnumTypeName.
func (t *Table) EnumConstName(c *Column, v string) string { return t.EnumTypeName(c) + GoName(v) }
