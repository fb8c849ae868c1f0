package schema

import (
	"regexp"
	"strings"
	"unicode"
)

// initialisms are the words Go code spells in capitals: golint's
// commonInitialisms, so that generated code passes the same linters as
// hand-written code (user_id → UserID, api_url → APIURL), and the units and
// acronyms of business schemas that Go code spells the same way (ach →
// ACH, storage_gb_hour → StorageGBHour, pdf → PDF). Every Go name the
// generator and the docs print comes from GoName or camelGoName over this
// one list.
var initialisms = map[string]bool{
	"ACH": true, "CSV": true, "GB": true, "KB": true, "MB": true, "PDF": true, "SKU": true, "TB": true,
	"ACL": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DNS": true,
	"EOF": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true, "ID": true,
	"IP": true, "JSON": true, "LHS": true, "QPS": true, "RAM": true, "RHS": true,
	"RPC": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "TCP": true,
	"TLS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "UUID": true,
	"URI": true, "URL": true, "UTF8": true, "VM": true, "XML": true, "XMPP": true,
	"XSRF": true, "XSS": true,
}

// GoName turns a snake_case name of the table language into the exported Go
// identifier the generator uses for it: every word is capitalized, and words
// that are Go initialisms are written in capitals, as golint expects
// (created_at → CreatedAt, user_id → UserID, json_data → JSONData).
//
// Different snake names can map to the same Go name (a_1 and a1 → A1); the
// loader reports such collisions, so names in a validated Schema are unique.
// The input is expected to be a valid snake_case name (the loader checks that
// first); other input is converted word by word on '_' all the same.
func GoName(snake string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(snake, "_") {
		if part == "" {
			continue
		}
		if u := strings.ToUpper(part); initialisms[u] {
			b.WriteString(u)
			continue
		}
		r := []rune(part)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return b.String()
}

// camelGoName applies the initialism rule to a name already written in
// CamelCase, such as a key type from the reference design: JobId → JobID,
// LiveQueryId → LiveQueryID, HttpUrl → HTTPURL. Words that are not
// initialisms are kept exactly as written.
func camelGoName(camel string) string {
	var b strings.Builder
	for _, w := range camelWords(camel) {
		if u := strings.ToUpper(w); initialisms[u] {
			b.WriteString(u)
		} else {
			b.WriteString(w)
		}
	}
	return b.String()
}

// camelWords splits a CamelCase identifier into words: a word starts at an
// upper-case letter that follows a lower-case letter or a digit, or at the
// last upper-case letter of a run that is followed by a lower-case letter
// (JSONData → JSON, Data). Digits stay with the word before them (Utf8).
func camelWords(s string) []string {
	r := []rune(s)
	var words []string
	start := 0
	for i := 1; i < len(r); i++ {
		if !unicode.IsUpper(r[i]) {
			continue
		}
		prev := r[i-1]
		nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
		if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
			words = append(words, string(r[start:i]))
			start = i
		}
	}
	if start < len(r) {
		words = append(words, string(r[start:]))
	}
	return words
}

var (
	snakeRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	camelRE = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// isSnake reports whether s is lower snake_case: a lower-case letter, then
// lower-case letters and digits, words joined by single underscores.
func isSnake(s string) bool { return snakeRE.MatchString(s) }

// isCamel reports whether s is an exported ASCII Go identifier in CamelCase.
func isCamel(s string) bool { return camelRE.MatchString(s) }

// snakeHint suggests a snake_case spelling of an invalid name, for messages:
// userId → user_id, APIKey → api_key, Bad-Name → bad_name.
func snakeHint(s string) string {
	var words []string
	notAlnum := func(r rune) bool {
		return !(r >= 'a' && r <= 'z') && !(r >= 'A' && r <= 'Z') && !(r >= '0' && r <= '9')
	}
	for f := range strings.FieldsFuncSeq(s, notAlnum) {
		for _, w := range camelWords(f) {
			words = append(words, strings.ToLower(w))
		}
	}
	out := strings.Join(words, "_")
	switch {
	case out == "":
		return "name"
	case out[0] >= '0' && out[0] <= '9':
		return "x" + out
	}
	return out
}

// JoinGoNames appends the Go name next to the Go name name without
// repeating the words where they meet: ByStatusDue + DueAt → ByStatusDueAt,
// ByStatus + CreatedAt → ByStatusCreatedAt. When next's words are all
// repeated (ByStatusDueAt + DueAt) it is appended whole, so that the result
// still differs from name. The generator names index methods with it.
func JoinGoNames(name, next string) string {
	a, b := camelWords(name), camelWords(next)
	for n := min(len(a), len(b)-1); n > 0; n-- {
		if equalWords(a[len(a)-n:], b[:n]) {
			return name + strings.Join(b[n:], "")
		}
	}
	return name + next
}

func equalWords(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
