package gen

import (
	"go/token"
	"go/types"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tablegen/tablegen/internal/schema"
)

// lowerFirst turns an exported Go name into the unexported name a careful
// person would write for it: the leading capital, or the leading run of
// capitals of an initialism, goes lower case (Job → job, JobID → jobID,
// URLMap → urlMap, ID → id).
func lowerFirst(s string) string {
	r := []rune(s)
	n := 0
	for n < len(r) && unicode.IsUpper(r[n]) {
		n++
	}
	switch {
	case n == 0:
		return s
	case n == 1 || n == len(r):
		// Job → job, ID → id.
	case unicode.IsLower(r[n]):
		// URLMap: the last capital starts the next word.
		n--
	}
	for i := range n {
		r[i] = unicode.ToLower(r[i])
	}
	return string(r)
}

// jsonName is the json tag name of column snake under tablegen.yaml's
// json.naming: the column name as written ("snake", the default), or its
// lowerCamelCase ("camel": created_at → createdAt, user_id → userId, the
// JavaScript spelling, without Go's initialisms).
func jsonName(snake, naming string) string {
	if naming != "camel" {
		return snake
	}
	var b strings.Builder
	for i, w := range strings.Split(snake, "_") {
		if w == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
	}
	return b.String()
}

// paramName is the Go parameter name for a column: its Go name with the
// first word lower-cased. Names that are Go keywords or predeclared
// identifiers (type → typeValue, len → lenValue), or that are taken by the
// generated method itself (taken), get a suffix so the code still compiles.
func paramName(c *schema.Column, taken map[string]bool) string {
	name := lowerFirst(c.GoName)
	if token.IsKeyword(name) || types.Universe.Lookup(name) != nil || taken[name] {
		name += "Value"
	}
	for base, i := name, 2; taken[name]; i++ {
		name = base + strconv.Itoa(i)
	}
	taken[name] = true
	return name
}

// isExportedIdent reports whether s is an exported Go identifier that is not
// a keyword.
func isExportedIdent(s string) bool {
	if !token.IsIdentifier(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// fileSuffixes are the file name suffixes (after the last '_') that make the
// go command treat a file specially: _test, and the GOOS/GOARCH build
// constraints. A table whose name ends in one of them would generate a file
// that is silently left out of the build, so the generator refuses it.
var fileSuffixes = map[string]bool{
	"test": true,
	// GOOS values.
	"aix": true, "android": true, "darwin": true, "dragonfly": true, "freebsd": true,
	"hurd": true, "illumos": true, "ios": true, "js": true, "linux": true, "nacl": true,
	"netbsd": true, "openbsd": true, "plan9": true, "solaris": true, "wasip1": true,
	"windows": true, "zos": true,
	// GOARCH values.
	"386": true, "amd64": true, "amd64p32": true, "arm": true, "armbe": true, "arm64": true,
	"arm64be": true, "loong64": true, "mips": true, "mipsle": true, "mips64": true,
	"mips64le": true, "mips64p32": true, "mips64p32le": true, "ppc": true, "ppc64": true,
	"ppc64le": true, "riscv": true, "riscv64": true, "s390": true, "s390x": true,
	"sparc": true, "sparc64": true, "wasm": true,
}

// specialFileSuffix returns the suffix of base (a file name without ".go")
// that the go command would interpret, or "".
func specialFileSuffix(base string) string {
	i := strings.LastIndexByte(base, '_')
	if i < 0 {
		return ""
	}
	if s := base[i+1:]; fileSuffixes[s] {
		return s
	}
	return ""
}
