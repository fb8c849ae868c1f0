package schema

import (
	"go/token"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// word is a snake_case word with its expected Go spelling.
type word struct{ snake, goName string }

// vocabulary holds initialisms (which GoName must capitalize entirely) and
// ordinary words; the oracle below is built from it, not from GoName.
var vocabulary = []word{
	{"id", "ID"}, {"url", "URL"}, {"api", "API"}, {"json", "JSON"}, {"uuid", "UUID"},
	{"http", "HTTP"}, {"https", "HTTPS"}, {"ttl", "TTL"}, {"ip", "IP"}, {"sql", "SQL"},
	{"utf8", "UTF8"}, {"xml", "XML"}, {"ids", "Ids"}, {"user", "User"}, {"created", "Created"},
	{"at", "At"}, {"x1", "X1"}, {"a", "A"}, {"2", "2"}, {"v2", "V2"}, {"idx", "Idx"}, {"uid", "UID"},
}

func genWords(t *rapid.T) []word {
	return rapid.SliceOfN(rapid.SampledFrom(vocabulary), 1, 6).Draw(t, "words")
}

// TestGoNameOracle: a name made of known words maps to the concatenation of
// their known Go spellings.
func TestGoNameOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ws := genWords(t)
		if ws[0].snake[0] >= '0' && ws[0].snake[0] <= '9' {
			ws = append([]word{{"n", "N"}}, ws...)
		}
		var snake, want []string
		for _, w := range ws {
			snake = append(snake, w.snake)
			want = append(want, w.goName)
		}
		in := strings.Join(snake, "_")
		if got := GoName(in); got != strings.Join(want, "") {
			t.Fatalf("GoName(%q) = %q, want %q", in, got, strings.Join(want, ""))
		}
	})
}

// TestGoNameProperties: for every valid snake_case name, GoName is an
// exported Go identifier, keeps every letter and digit in order (only case
// and underscores change), and starts each word with a capital.
func TestGoNameProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := rapid.StringMatching(`[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,6}){0,4}`).Draw(t, "snake")
		if !isSnake(in) {
			t.Fatalf("generator produced invalid snake %q", in)
		}
		got := GoName(in)
		if !token.IsIdentifier(got) || !token.IsExported(got) {
			t.Fatalf("GoName(%q) = %q is not an exported identifier", in, got)
		}
		if strings.ToLower(got) != strings.ReplaceAll(in, "_", "") {
			t.Fatalf("GoName(%q) = %q changed more than case and underscores", in, got)
		}
		for part := range strings.SplitSeq(in, "_") {
			up := strings.ToUpper(part)
			if initialisms[up] && !strings.Contains(got, up) {
				t.Fatalf("GoName(%q) = %q: initialism %s not capitalized", in, got, up)
			}
		}
		if GoName(in) != got {
			t.Fatal("GoName is not deterministic")
		}
	})
}

// TestCamelGoName: a CamelCase name made of known words (each written with
// only its first letter capital, as in JobId) gets golint's spelling.
func TestCamelGoName(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ws := genWords(t)
		var in, want strings.Builder
		for _, w := range ws {
			if w.snake[0] >= '0' && w.snake[0] <= '9' {
				w = word{"n" + w.snake, "N" + w.snake}
			}
			in.WriteString(strings.ToUpper(w.snake[:1]) + w.snake[1:])
			want.WriteString(w.goName)
		}
		if got := camelGoName(in.String()); got != want.String() {
			t.Fatalf("camelGoName(%q) = %q, want %q", in.String(), got, want.String())
		}
	})
}

func TestGoNameExamples(t *testing.T) {
	for in, want := range map[string]string{
		"user_id": "UserID", "api_url": "APIURL", "json_data": "JSONData", "created_at": "CreatedAt",
		"id": "ID", "ttl": "TTL", "a_1": "A1", "http_status_code": "HTTPStatusCode",
	} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"JobId": "JobID", "LiveQueryId": "LiveQueryID", "UserRowId": "UserRowID", "UserName": "UserName",
		"JSONData": "JSONData", "HttpUrl": "HTTPURL", "APIKey": "APIKey", "Utf8Text": "UTF8Text",
	} {
		if got := camelGoName(in); got != want {
			t.Errorf("camelGoName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnakeHint(t *testing.T) {
	for in, want := range map[string]string{
		"userId": "user_id", "APIKey": "api_key", "Bad-Name": "bad_name", "2fa": "x2fa", "": "name", "--": "name",
	} {
		if got := snakeHint(in); got != want || !isSnake(got) {
			t.Errorf("snakeHint(%q) = %q, want %q", in, got, want)
		}
	}
}
