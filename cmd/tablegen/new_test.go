package main

import (
	"bytes"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/tablegen/tablegen/internal/compat"
	"github.com/tablegen/tablegen/internal/schema"
)

var updateGolden = flag.Bool("update", false, "rewrite the expected output in testdata/ with the current output")

// TestNew runs testdata/new/*.txtar. An archive holds:
//
//	args            the command line after `tablegen new` (-schemas is added)
//	in/<path>       files in the schemas directory before the run
//	lock            optional "namespace.table:id" lines: retired table ids,
//	                written as a lock file with compat.Marshal
//	exit            the expected exit status
//	out/<path>      files the run creates, byte for byte
//	stdout, stderr  the exact output, with the schemas directory as $SCHEMAS
//
// After a successful run the whole schemas directory must load with
// schema.Load without errors: a scaffold is valid as written.
func TestNew(t *testing.T) {
	files, err := filepath.Glob("testdata/new/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no test cases in testdata/new")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "schemas")
			var args []string
			wantExit := -1
			for _, af := range ar.Files {
				switch {
				case af.Name == "args":
					args = strings.Fields(string(af.Data))
				case af.Name == "exit":
					wantExit, err = strconv.Atoi(strings.TrimSpace(string(af.Data)))
					if err != nil {
						t.Fatalf("bad exit section: %v", err)
					}
				case af.Name == "lock":
					writeLock(t, dir, string(af.Data))
				case strings.HasPrefix(af.Name, "in/"):
					p := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(af.Name, "in/")))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, af.Data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := listFiles(t, dir)
			var stdout, stderr bytes.Buffer
			code := runNew(append(args, "-schemas", dir), &stdout, &stderr)

			got := map[string][]byte{
				"stdout": []byte(strings.ReplaceAll(stdout.String(), dir, "$SCHEMAS")),
				"stderr": []byte(strings.ReplaceAll(stderr.String(), dir, "$SCHEMAS")),
			}
			for _, p := range listFiles(t, dir) {
				if slices.Contains(before, p) {
					continue
				}
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
				if err != nil {
					t.Fatal(err)
				}
				got["out/"+p] = b
			}
			if *updateGolden {
				var keep []txtar.File
				for _, af := range ar.Files {
					if af.Name != "stdout" && af.Name != "stderr" && !strings.HasPrefix(af.Name, "out/") {
						keep = append(keep, af)
					}
				}
				for _, name := range sortedNames(got) {
					keep = append(keep, txtar.File{Name: name, Data: got[name]})
				}
				ar.Files = keep
				if err := os.WriteFile(f, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}

			if code != wantExit {
				t.Errorf("exit status %d, want %d (stderr: %s)", code, wantExit, stderr.String())
			}
			want := map[string][]byte{}
			for _, af := range ar.Files {
				if af.Name == "stdout" || af.Name == "stderr" || strings.HasPrefix(af.Name, "out/") {
					want[af.Name] = af.Data
				}
			}
			if g, w := sortedNames(got), sortedNames(want); !slices.Equal(g, w) {
				t.Fatalf("outputs %v, want %v", g, w)
			}
			for name, w := range want {
				if !bytes.Equal(got[name], w) {
					t.Errorf("%s:\n%s\nwant:\n%s", name, got[name], w)
				}
			}
			if code == 0 {
				if _, err := schema.Load(dir); err != nil {
					t.Errorf("the schemas directory does not load after `tablegen new`:\n%v", err)
				}
			}
		})
	}
}

// TestNewScaffoldsLoadWithTheShippedSchemas: a table of every kind added to
// the repository's own schemas/ loads together with them, so the scaffold's
// Go names and key type never collide with real tables.
func TestNewScaffoldsLoadWithTheShippedSchemas(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "schemas")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "schemas"))); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"system", "shared", "user", "stream"} {
		for _, name := range []string{"system.extras_" + kind, "chat.messages_" + kind} {
			var stdout, stderr bytes.Buffer
			if code := runNew([]string{name, "-kind", kind, "-schemas", dir}, &stdout, &stderr); code != 0 {
				t.Fatalf("tablegen new %s -kind %s: exit %d: %s", name, kind, code, stderr.String())
			}
		}
	}
	if _, err := schema.Load(dir); err != nil {
		t.Fatalf("the shipped schemas plus new tables do not load:\n%v", err)
	}
}

func writeLock(t *testing.T, dir, spec string) {
	t.Helper()
	l := &compat.Lock{}
	for line := range strings.Lines(spec) {
		name, id, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			t.Fatalf("bad lock line %q; write namespace.table:id", line)
		}
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			t.Fatal(err)
		}
		l.RetiredTables = append(l.RetiredTables, compat.RetiredTable{ID: uint32(n), Name: name})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, lockFileName), compat.Marshal(l), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listFiles lists the files under dir, slash-separated and relative to it.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return fs.SkipAll
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedNames(m map[string][]byte) []string {
	var names []string
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

func TestSingularNoun(t *testing.T) {
	for in, want := range map[string]string{
		"messages": "message", "live_queries": "live_query", "boxes": "box", "audit_log": "audit_log",
		"addresses": "address", "status": "status", "analysis": "analysis",
		"typing_events": "typing_event", "s": "s", "batches": "batch",
	} {
		if got := singularNoun(in); got != want {
			t.Errorf("singularNoun(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSnakeSuggestion(t *testing.T) {
	for in, want := range map[string]string{
		"Chat": "chat", "typingEvents": "typing_events", "Bad-Name": "bad_name", "9lives": "x9lives", "__": "x",
	} {
		if got := snakeSuggestion(in); got != want {
			t.Errorf("snakeSuggestion(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUsage: -h prints the usage line and an example and succeeds; a
// command-line mistake prints one line and exits 2, for each command.
func TestUsage(t *testing.T) {
	cmds := map[string]func([]string, *bytes.Buffer, *bytes.Buffer) int{
		"new":        func(a []string, o, e *bytes.Buffer) int { return runNew(a, o, e) },
		"jsonschema": func(a []string, o, e *bytes.Buffer) int { return runJSONSchema(a, o, e) },
		"docs":       func(a []string, o, e *bytes.Buffer) int { return runDocs(a, o, e) },
	}
	bad := map[string][][]string{
		"new":        {{}, {"-nosuchflag"}, {"a.b", "c.d"}, {"nodot"}, {"a.b.c"}, {"a.b", "-kind"}},
		"jsonschema": {{"extra"}, {"-nosuchflag"}},
		"docs":       {{"extra"}, {"-nosuchflag"}, {"-out"}},
	}
	for name, run := range cmds {
		u := [2]string{commands[name].usage, commands[name].example}
		var stdout, stderr bytes.Buffer
		if code := run([]string{"-h"}, &stdout, &stderr); code != 0 {
			t.Errorf("%s -h: exit %d, want 0", name, code)
		}
		if !strings.Contains(stdout.String(), u[0]) || !strings.Contains(stdout.String(), u[1]) {
			t.Errorf("%s -h printed:\n%s\nwant the usage line and the example", name, stdout.String())
		}
		for _, args := range bad[name] {
			var stdout, stderr bytes.Buffer
			if code := run(args, &stdout, &stderr); code != 2 {
				t.Errorf("%s %q: exit %d, want 2", name, args, code)
			}
			// One line naming the command and pointing at -h; the full
			// usage would bury the message.
			if e := stderr.String(); !strings.HasPrefix(e, "tablegen "+name+": ") || !strings.HasSuffix(e, "; see tablegen "+name+" -h\n") || strings.Count(e, "\n") != 1 {
				t.Errorf("%s %q: stderr %q is not one line ending in \"; see tablegen %s -h\"", name, args, e, name)
			}
		}
	}
}

func TestJSONSchemaCommandWritesFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.json")
	var stdout, stderr bytes.Buffer
	if code := runJSONSchema([]string{"-o", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if code := runJSONSchema([]string{"-o", "-"}, &stdout, &stderr); code != 0 || !bytes.Equal(stdout.Bytes(), b) {
		t.Error("printing and -o produce different schemas")
	}
}

// TestDocsCommand: writes the pages, leaves hand-written Markdown alone and
// removes a generated page whose namespace is gone.
func TestDocsCommand(t *testing.T) {
	out := t.TempDir()
	hand := filepath.Join(out, "notes.md")
	stale := filepath.Join(out, "gone.md")
	if err := os.WriteFile(hand, []byte("# my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte(docsHeader+" from schemas/gone/*.yaml. DO NOT EDIT. -->\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := runDocs([]string{"-schemas", filepath.Join("..", "..", "schemas"), "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, p := range []string{"README.md", "system.md", "chat.md", "notes.md"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale generated page was not removed (stat: %v)", err)
	}
	stdout.Reset()
	if code := runDocs([]string{"-schemas", filepath.Join("..", "..", "schemas"), "-out", out}, &stdout, &stderr); code != 0 {
		t.Fatal(stderr.String())
	}
	if !strings.Contains(stdout.String(), "(0 changed)") {
		t.Errorf("a second run changed files: %s", stdout.String())
	}
}

func TestDocsCommandReportsSchemaErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "schemas", "app")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "items.yaml"), []byte("namespace: app\ntable: items\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := runDocs([]string{"-schemas", filepath.Dir(dir), "-out", t.TempDir()}, &stdout, &stderr); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "schemas/app/items.yaml:1:1: missing required key") {
		t.Errorf("stderr %q lacks the loader's file:line:col error", stderr.String())
	}
}

// FuzzNewArgs: any NAMESPACE.TABLE argument is either refused with a usage
// error or accepted as two snake_case names; the name helpers never panic and
// always suggest a valid name.
func FuzzNewArgs(f *testing.F) {
	for _, s := range []string{"chat.reactions", "Chat.Reactions", "a.b.c", ".", "x.", "é.ü", "a_.b", "9.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		fset := flag.NewFlagSet("new", flag.ContinueOnError)
		fset.SetOutput(io.Discard)
		req, err := parseNewArgs(fset, []string{arg}, "schemas")
		if err == nil {
			if !snakeName.MatchString(req.namespace) || !snakeName.MatchString(req.table) {
				t.Fatalf("accepted %q as %q.%q", arg, req.namespace, req.table)
			}
			if n := singularNoun(req.table); !snakeName.MatchString(n) {
				t.Fatalf("singularNoun(%q) = %q, not snake_case", req.table, n)
			}
		}
		if s := snakeSuggestion(arg); !snakeName.MatchString(s) {
			t.Fatalf("snakeSuggestion(%q) = %q, not snake_case", arg, s)
		}
	})
}
