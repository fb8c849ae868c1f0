package schema

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// at is the position of node n of table d's file; n may be nil (then the
// table's own position is used).
func at(d *tableDecl, n *yaml.Node) Pos {
	if n == nil {
		return d.t.Pos
	}
	return Pos{File: d.t.File, Line: n.Line, Column: n.Column}
}

// crossCheck applies the rules that span tables, in file order, so that the
// later of two conflicting declarations is the one reported.
func crossCheck(decls []*tableDecl, errs *errorsOf) {
	uniqueTables(decls, errs)
	sharedKeys(decls, errs)
	packageNames(decls, errs)
	fileNames(decls, errs)
}

// uniqueTables: a full name and a table id each belong to one table.
func uniqueTables(decls []*tableDecl, errs *errorsOf) {
	var maxTableID uint32
	for _, d := range decls {
		maxTableID = max(maxTableID, d.t.ID)
	}
	byName := map[string]*tableDecl{}
	byID := map[uint32]*tableDecl{}
	for _, d := range decls {
		t := d.t
		if t.Namespace != "" && t.Name != "" {
			if prev, dup := byName[t.FullName()]; dup {
				errs.add(at(d, d.name), "table %s is already declared at %s; rename one of them or delete the duplicate", t.FullName(), prev.t.Pos)
			} else {
				byName[t.FullName()] = d
			}
		}
		if t.ID != 0 {
			if prev, dup := byID[t.ID]; dup {
				errs.add(at(d, d.id), "table id %d is already used by %s (%s); table ids are unique and never reused, so use an unused id such as %d", t.ID, tableLabel(prev), prev.t.Pos, min(uint64(maxTableID)+1, maxID))
			} else {
				byID[t.ID] = d
			}
		}
	}
}

func tableLabel(d *tableDecl) string {
	if d.t.Namespace == "" || d.t.Name == "" {
		return "another table"
	}
	return d.t.FullName()
}

// sharedKeys: a key type named by several tables has the same columns, types
// and sort directions in all of them, because the generator emits it once and
// every table encodes it the same way. Enum columns cannot be shared, since
// each table has its own enum type.
func sharedKeys(decls []*tableDecl, errs *errorsOf) {
	first := map[string]*tableDecl{}
	for _, d := range decls {
		if !d.keyOK || d.t.Key.Name == "" || len(d.t.Key.Columns) == 0 {
			continue
		}
		k := d.t.Key
		prev, seen := first[k.Name]
		if !seen {
			first[k.Name] = d
			continue
		}
		if a, b := describeCols(k), describeCols(prev.t.Key); a != b {
			errs.add(at(d, d.key), "key: key type %s has columns (%s) here but (%s) in %s (%s); a key type shared by several tables must have the same columns, types and desc everywhere, so make them equal or name a different key type", k.Name, a, b, tableLabel(prev), prev.t.Key.Pos)
			continue
		}
		for _, c := range k.Columns {
			if c.Type == TypeEnum {
				errs.add(at(d, d.key), "key: key type %s is also the key of %s, but its column %q is an enum and enum types belong to one table; give this table its own key type or make the column a string", k.Name, tableLabel(prev), c.Name)
				break
			}
		}
	}
}

// packageNames: the Go type and constant names generated into one namespace's
// package (entities, key types, enum types and enum constants) are distinct.
func packageNames(decls []*tableDecl, errs *errorsOf) {
	type owner struct {
		what string
		pos  Pos
	}
	byNS := map[string]map[string]owner{}
	keyNames := map[string]map[string]bool{}
	claim := func(ns, name, what string, pos Pos) {
		names := byNS[ns]
		if prev, dup := names[name]; dup {
			errs.add(pos, "%s: its Go name %s collides with %s (%s) in package %s; rename one of them", what, name, prev.what, prev.pos, ns)
			return
		}
		names[name] = owner{what: what, pos: pos}
	}
	for _, d := range decls {
		t := d.t
		if t.Namespace == "" || t.Name == "" {
			continue
		}
		if byNS[t.Namespace] == nil {
			byNS[t.Namespace] = map[string]owner{}
			keyNames[t.Namespace] = map[string]bool{}
		}
		if t.Entity != "" {
			claim(t.Namespace, t.Entity, fmt.Sprintf("entity %s of %s", t.Entity, t.FullName()), at(d, d.entity))
		}
		if k := t.Key; k != nil && k.Name != "" && !keyNames[t.Namespace][k.Name] {
			keyNames[t.Namespace][k.Name] = true
			claim(t.Namespace, k.GoName, fmt.Sprintf("key type %s of %s", k.Name, t.FullName()), at(d, d.key))
		}
		if t.Entity == "" {
			continue
		}
		for _, c := range t.Columns {
			if c.Type != TypeEnum || c.GoName == "" {
				continue
			}
			what := fmt.Sprintf("enum type of column %q of %s", c.Name, t.FullName())
			claim(t.Namespace, t.EnumTypeName(c), what, c.Pos)
			for _, v := range c.Values {
				claim(t.Namespace, t.EnumConstName(c, v), fmt.Sprintf("constant for enum value %q of column %q of %s", v, c.Name, t.FullName()), c.Pos)
			}
		}
	}
}

// generatedSuffixes are the per-table generated files other than <table>.go
// whose names could collide with another table's <table>.go.
var generatedSuffixes = []string{"_store", "_arrow", "_provider"}

// fileNames: no table's <table>.go is another table's <other>_store.go (or
// _arrow.go, _provider.go) in the same package directory.
func fileNames(decls []*tableDecl, errs *errorsOf) {
	byFull := map[string]*tableDecl{}
	for _, d := range decls {
		if d.t.Namespace != "" && d.t.Name != "" {
			if _, dup := byFull[d.t.FullName()]; !dup {
				byFull[d.t.FullName()] = d
			}
		}
	}
	for _, d := range decls {
		if d.t.Namespace == "" || d.t.Name == "" || byFull[d.t.FullName()] != d {
			continue
		}
		for _, s := range generatedSuffixes {
			if other, ok := byFull[d.t.FullName()+s]; ok {
				errs.add(at(other, other.name), "table %s: its generated file %s.go would be the %s file of table %s; rename the table", other.t.FullName(), other.t.Name, s[1:], d.t.FullName())
			}
		}
	}
}
