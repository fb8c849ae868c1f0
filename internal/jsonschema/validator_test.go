package jsonschema

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// No JSON Schema validator is in the module graph (`go list -m all`), so the
// tests carry this one. It implements exactly the keywords Generate emits and
// fails on any other keyword, so a schema change that leaves this subset is
// caught instead of being silently ignored.

// annotations are keywords that describe and never constrain.
var annotations = map[string]bool{
	"$schema": true, "$id": true, "$defs": true, "title": true, "description": true,
	"examples": true,
}

type validator struct {
	root map[string]any
}

func newValidator(t testing.TB, doc []byte) *validator {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(doc, &root); err != nil {
		t.Fatalf("the generated schema is not JSON: %v", err)
	}
	return &validator{root: root}
}

// validateYAML decodes src as YAML and validates it, returning one
// "path: problem" line per violation, sorted.
func (v *validator) validateYAML(src []byte) ([]string, error) {
	var doc any
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	errs := v.validate(v.root, doc, "$")
	slices.Sort(errs)
	return slices.Compact(errs), nil
}

func (v *validator) validate(s map[string]any, x any, path string) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, path+": "+fmt.Sprintf(format, args...))
	}
	for _, kw := range sortedKeys(s) {
		arg := s[kw]
		switch kw {
		case "$ref":
			ref, _ := arg.(string)
			target, ok := v.resolve(ref)
			if !ok {
				fail("unresolvable $ref %q", ref)
				continue
			}
			errs = append(errs, v.validate(target, x, path)...)
		case "type":
			if !hasType(x, arg.(string)) {
				fail("want %s, found %s", arg, describe(x))
			}
		case "enum":
			if !slices.ContainsFunc(arg.([]any), func(e any) bool { return equal(e, x) }) {
				fail("%s is not one of %v", describe(x), arg)
			}
		case "const":
			if !equal(arg, x) {
				fail("%s is not %v", describe(x), arg)
			}
		case "pattern":
			if s, ok := x.(string); ok && !regexp.MustCompile(arg.(string)).MatchString(s) {
				fail("%q does not match %s", s, arg)
			}
		case "minLength":
			if s, ok := x.(string); ok && float64(len([]rune(s))) < arg.(float64) {
				fail("shorter than %v", arg)
			}
		case "minimum":
			if n, ok := number(x); ok && n < arg.(float64) {
				fail("%s is less than %s", num(n), num(arg.(float64)))
			}
		case "maximum":
			if n, ok := number(x); ok && n > arg.(float64) {
				fail("%s is greater than %s", num(n), num(arg.(float64)))
			}
		case "minItems":
			if a, ok := x.([]any); ok && float64(len(a)) < arg.(float64) {
				fail("has %d items, fewer than %v", len(a), arg)
			}
		case "uniqueItems":
			if a, ok := x.([]any); ok && arg.(bool) {
				for i := range a {
					for j := range i {
						if equal(a[i], a[j]) {
							fail("items %d and %d are equal", j, i)
						}
					}
				}
			}
		case "items":
			if a, ok := x.([]any); ok {
				for i, item := range a {
					errs = append(errs, v.validate(arg.(map[string]any), item, fmt.Sprintf("%s[%d]", path, i))...)
				}
			}
		case "required":
			if m, ok := x.(map[string]any); ok {
				for _, r := range arg.([]any) {
					if _, ok := m[r.(string)]; !ok {
						fail("missing required key %q", r)
					}
				}
			}
		case "properties":
			if m, ok := x.(map[string]any); ok {
				props := arg.(map[string]any)
				for _, k := range sortedKeys(m) {
					if ps, ok := props[k]; ok {
						errs = append(errs, v.validate(ps.(map[string]any), m[k], path+"."+k)...)
					}
				}
			}
		case "additionalProperties":
			sub, isSchema := arg.(map[string]any)
			if arg != false && !isSchema {
				fail("the validator implements additionalProperties: false or a schema, found %v", arg)
				continue
			}
			if m, ok := x.(map[string]any); ok {
				props, _ := s["properties"].(map[string]any)
				for _, k := range sortedKeys(m) {
					if _, ok := props[k]; ok {
						continue
					}
					if isSchema {
						errs = append(errs, v.validate(sub, m[k], path+"."+k)...)
					} else {
						fail("unknown key %q", k)
					}
				}
			}
		case "propertyNames":
			if m, ok := x.(map[string]any); ok {
				for _, k := range sortedKeys(m) {
					if sub := v.validate(arg.(map[string]any), k, path); len(sub) > 0 {
						fail("unknown key %q", k)
					}
				}
			}
		case "anyOf":
			matched := false
			for _, sub := range arg.([]any) {
				if len(v.validate(sub.(map[string]any), x, path)) == 0 {
					matched = true
					break
				}
			}
			if !matched {
				fail("matches none of the %d alternatives", len(arg.([]any)))
			}
		case "allOf":
			for _, sub := range arg.([]any) {
				errs = append(errs, v.validate(sub.(map[string]any), x, path)...)
			}
		case "if":
			branch := "else"
			if len(v.validate(arg.(map[string]any), x, path)) == 0 {
				branch = "then"
			}
			if sub, ok := s[branch]; ok {
				errs = append(errs, v.validate(sub.(map[string]any), x, path)...)
			}
		case "then", "else":
			// Applied by "if".
		case "not":
			if len(v.validate(arg.(map[string]any), x, path)) == 0 {
				// The message is the negated schema's own description, or
				// else the description of the schema that forbids the value.
				desc, _ := arg.(map[string]any)["description"].(string)
				if desc == "" {
					desc, _ = s["description"].(string)
				}
				fail("not allowed: %s", desc)
			}
		default:
			if !annotations[kw] {
				fail("the validator does not implement keyword %q", kw)
			}
		}
	}
	return errs
}

func (v *validator) resolve(ref string) (map[string]any, bool) {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil, false
	}
	defs, _ := v.root["$defs"].(map[string]any)
	s, ok := defs[name].(map[string]any)
	return s, ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// number converts the numeric types yaml.v3 and encoding/json produce.
func number(x any) (float64, bool) {
	switch n := x.(type) {
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func hasType(x any, typ string) bool {
	switch typ {
	case "object":
		_, ok := x.(map[string]any)
		return ok
	case "array":
		_, ok := x.([]any)
		return ok
	case "string":
		_, ok := x.(string)
		return ok
	case "boolean":
		_, ok := x.(bool)
		return ok
	case "integer":
		n, ok := number(x)
		return ok && n == math.Trunc(n)
	case "number":
		_, ok := number(x)
		return ok
	case "null":
		return x == nil
	}
	return false
}

func equal(a, b any) bool {
	if na, ok := number(a); ok {
		nb, ok := number(b)
		return ok && na == nb
	}
	return reflect.DeepEqual(a, b)
}

func num(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }

func describe(x any) string {
	switch x := x.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("string %q", x)
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	if n, ok := number(x); ok {
		return "number " + num(n)
	}
	return fmt.Sprintf("%T", x)
}
