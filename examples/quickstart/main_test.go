package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/internal/nodepkg"
)

// small is the test's data set: big enough that every step has rows to
// show, small enough to load in well under a second. It skips the DuckDB
// query (-duckdb ""), which TestDemoRunsEveryStep turns on.
var small = []string{"-users", "50", "-messages", "2000", "-duckdb", ""}

// duckDBDir returns the -duckdb directory for a run that queries the
// flushed files, installing @duckdb/node-api there with npm (as the DuckDB
// tests of runtime/flush do) when it is missing. It returns "" when node or
// npm is missing, or when TABLEGEN_DEMO_DUCKDB=off asks to leave DuckDB out
// (the install needs the npm registry; the query costs about half a second).
func duckDBDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("TABLEGEN_DEMO_DUCKDB") == "off" {
		t.Log("TABLEGEN_DEMO_DUCKDB=off: the DuckDB step runs without DuckDB")
		return ""
	}
	_, err1 := exec.LookPath("node")
	npm, err2 := exec.LookPath("npm")
	if err1 != nil || err2 != nil {
		t.Log("no node or npm: the DuckDB step runs without DuckDB")
		return ""
	}
	dir := defaultDuckDBDir()
	if dir == "" {
		t.Fatal("no user cache directory to install @duckdb/node-api into; set HOME or TABLEGEN_DEMO_DUCKDB=off")
	}
	if err := nodepkg.Ensure(npm, dir, nodepkg.DuckDB); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runDemo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDemoRunsEveryStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	duckdb := duckDBDir(t)
	code, out, stderr := runDemo(t, append(append([]string{"-data", dir}, small...), "-duckdb", duckdb)...)
	if code != 0 {
		t.Fatalf("exit code %d; stderr:\n%s\nstdout:\n%s", code, stderr, out)
	}
	if stderr != "" {
		t.Errorf("stderr is not empty although it is not a terminal (no progress bar expected):\n%s", stderr)
	}
	all := steps()
	rest := out
	for i, s := range all {
		header := fmt.Sprintf("== %d/%d %s [", i+1, len(all), s.title)
		at := strings.Index(rest, header)
		if at < 0 {
			t.Fatalf("output lacks the header of step %d, or it is out of order: %q\n%s", i+1, header, out)
		}
		rest = rest[at+len(header):]
	}
	for _, want := range []string{
		// The first step: the YAML of chat.messages and its generated API.
		`(?m)^  schemas/chat/messages\.yaml:$`,
		`(?m)^  \| table: messages$`,
		`(?m)^    type Message struct \{$`,
		"(?m)^        RowID +int64 +`json:\"row_id\"`$",
		`(?m)^    func NewMessageStore\(db \*store\.DB\) \(\*MessageStore, error\)$`,
		`(?m)^    func \(s \*MessageStore\) For\(owner string\) \(\*MessageOwnerStore, error\)$`,
		`(?m)^    func \(s \*MessageOwnerStore\) ScanByConversation\(conversationID int64, o store\.ScanOptions\) iter\.Seq2\[Message, error\]$`,
		`(?m)^    func \(s \*MessageOwnerStore\) GetByClientMessageID\(`,
		`promoted from its embedded store\.Table:\n    [A-Z][\w\s]* Get [\w\s]* Put `,
		`generated/chat/messages\.go: byte-identical to the output, and compiled into this program`,
		`generated/chat/messages_store\.go: byte-identical to the output`,
		`is new: creating it and loading the data set`,
		`system\.users +50 `, // the load's count table
		`users\.Get\("grace\.hopper"\)`,
		`errors\.Is\(err, store\.ErrNotFound\)`,
		`\*store\.UniqueViolationError`,
		`plan: index range by_role`,
		`grace\.hopper +dba +grace\.hopper@example\.com +2026-01-14`, // matched by the provider scan
		`plan: index range by_conversation`,
		`alan\.turing \(user\) +chat\.messages +own rows +[1-9][\d,]* rows`,
		`alan\.turing \(user\) +chat\.messages +AllOwners +refused: only dba and system`,
		`alan\.turing \(user\) +system\.users +every row +refused:`,
		// Expiry: 360 events over 90 s with a 30 s TTL; reads hide the
		// expired ones at once, Expire deletes them.
		`12:00:00Z +360 +120 +not run yet`,
		`12:00:00Z +120 +120 +240`,
		`12:00:20Z +120 +40 +not run yet`,
		`12:00:20Z +40 +40 +80`,
		`executor\.Flush: [\d,]+ rows into [\d,]+ Parquet files .*, 0 left hot`,
		`duckdb -c "SELECT owner, count\(\*\) AS messages`,
		`(?m)^Done\.`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output does not match %q:\n%s", want, out)
		}
	}
	// A dba crossing owners sees every row the load wrote.
	loaded := regexp.MustCompile(`chat\.messages +user +([\d,]+)`).FindStringSubmatch(out)
	across := regexp.MustCompile(`ada\.lovelace \(dba\) +chat\.messages +AllOwners +([\d,]+) rows`).FindStringSubmatch(out)
	if loaded == nil || across == nil || loaded[1] != across[1] {
		t.Errorf("rows loaded %v, rows a dba reads across owners %v; want the same count", loaded, across)
	}
	// The flush loses nothing: after it, reading hot rows and files
	// together finds as many system messages as the hot scan found before.
	before := regexp.MustCompile(`role = 'system' +full scan +([\d,]+)`).FindStringSubmatch(out)
	after := regexp.MustCompile(`executor\.Scan WHERE role = 'system' over hot rows and files: ([\d,]+) rows`).FindStringSubmatch(out)
	if before == nil || after == nil || before[1] != after[1] || before[1] == "0" {
		t.Errorf("system messages before the flush %v, after %v; want the same non-zero count", before, after)
	}
	files, err := filepath.Glob(filepath.Join(dir, "parquet", "chat", "messages", "part-*.parquet"))
	if err != nil || len(files) == 0 {
		t.Errorf("no Parquet files under %s (err %v)", dir, err)
	}
	checkYAMLStep(t, out)
	// DuckDB reads every flushed row and finds the system messages the
	// executor found.
	if duckdb == "" {
		if !strings.Contains(out, "  DuckDB not run: ") {
			t.Errorf("without DuckDB the last step does not say it did not run:\n%s", out)
		}
		return
	}
	flushed := regexp.MustCompile(`executor\.Flush: ([\d,]+) rows into ([\d,]+) Parquet files`).FindStringSubmatch(out)
	read := regexp.MustCompile(`DuckDB \(@duckdb/node-api, run by [^)]+\) reads ([\d,]+) rows of ([\d,]+) owners`).FindStringSubmatch(out)
	if flushed == nil || read == nil || flushed[1] != read[1] || flushed[2] != thousands(len(files)) || read[2] == "0" || read[2] == "1" {
		t.Errorf("flushed %v, DuckDB read %v; want every flushed row of many owners, in the %d files on disk", flushed, read, len(files))
	}
	system := regexp.MustCompile(`DuckDB WHERE role = 'system': ([\d,]+) rows`).FindStringSubmatch(out)
	if system == nil || before == nil || system[1] != before[1] {
		t.Errorf("DuckDB found %v system messages, the hot scan %v; want the same", system, before)
	}
	if !regexp.MustCompile(`(?m)^  owner +messages +latest\n(  u_\w+ +[\d,]+ +2026-\d\d-\d\dT[\d:]+Z\n){5}`).MatchString(out) {
		t.Errorf("DuckDB does not list five owners with their counts:\n%s", out)
	}
}

// checkYAMLStep: the first step prints schemas/chat/messages.yaml as it is
// and a line for every field of the compiled chat.Message.
func checkYAMLStep(t *testing.T, out string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "schemas", "chat", "messages.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var quoted strings.Builder
	for line := range strings.Lines(string(src)) {
		quoted.WriteString("  | " + line)
	}
	if !strings.Contains(out, "  schemas/chat/messages.yaml:\n"+quoted.String()+"\n") {
		t.Errorf("the first step does not print schemas/chat/messages.yaml as it is:\n%s", out)
	}
	for f := range reflect.TypeFor[chat.Message]().Fields() {
		if !regexp.MustCompile(`(?m)^        ` + f.Name + ` +\S`).MatchString(out) {
			t.Errorf("the printed struct lacks field %s of chat.Message", f.Name)
		}
	}
}

// TestDuckDBStepWithoutThePackage: without @duckdb/node-api (or with
// -duckdb "") the step says why DuckDB did not run and how to get it, and
// succeeds.
func TestDuckDBStepWithoutThePackage(t *testing.T) {
	empty := t.TempDir()
	for _, c := range []struct{ dir, want string }{
		{empty, "`make interop` installs it there"},
		{"", "-duckdb is empty"},
	} {
		var b strings.Builder
		d := &demo{cfg: config{dir: t.TempDir(), duckdb: c.dir}, flushedSystem: -1}
		if err := duckDBStep(context.Background(), d, &b); err != nil {
			t.Errorf("-duckdb %q: the step failed: %v", c.dir, err)
		}
		lines := regexp.MustCompile(`(?m)^  DuckDB not run: .*$`).FindAllString(b.String(), -1)
		if len(lines) != 1 || !strings.Contains(lines[0], c.want) {
			t.Errorf("-duckdb %q: want one line saying DuckDB did not run and %q:\n%s", c.dir, c.want, b.String())
		}
	}
}

func TestSecondRunResetsOrReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	args := append([]string{"-data", dir}, small...)
	if code, out, stderr := runDemo(t, args...); code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", code, stderr, out)
	}
	code, out, stderr := runDemo(t, args...)
	if code != 0 || !strings.Contains(out, "resetting "+dir) {
		t.Fatalf("second run: exit %d, want 0 and a note that it resets %s:\n%s\n%s", code, dir, stderr, out)
	}
	// -keep with other sizes: the earlier data set is reused as it is.
	code, out, stderr = runDemo(t, "-data", dir, "-keep", "-users", "80")
	if code != 0 || !strings.Contains(out, "reusing "+dir) || !strings.Contains(out, "-users 50 -messages 2000") {
		t.Fatalf("-keep run: exit %d, want 0 and a note that it reuses the -users 50 data set:\n%s\n%s", code, stderr, out)
	}
	if !regexp.MustCompile(`system\.users +50 `).MatchString(out) {
		t.Errorf("-keep run does not show the 50 users loaded before:\n%s", out)
	}
}

func TestRefusesToDeleteAForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "thesis.tex")
	if err := os.WriteFile(precious, []byte("do not delete"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runDemo(t, append([]string{"-data", dir}, small...)...)
	if code != 1 || !strings.Contains(stderr, "not created by the demo") {
		t.Errorf("exit %d, stderr %q; want 1 and a refusal", code, stderr)
	}
	if _, err := os.Stat(precious); err != nil {
		t.Errorf("the demo deleted a file it did not write: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-users", "3"},
		{"-messages", "5"},
		{"extra"},
		{"-no-such-flag"},
	} {
		code, _, stderr := runDemo(t, append([]string{"-data", filepath.Join(t.TempDir(), "d")}, args...)...)
		if code != 2 || stderr == "" {
			t.Errorf("run %q: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
}

// normalize removes what legitimately differs between two runs: timings,
// throughput and the data directory.
func normalize(out, dir string) string {
	out = strings.ReplaceAll(out, dir, "DIR")
	out = regexp.MustCompile(`(?m)\[[^\]]*\]$`).ReplaceAllString(out, "[elapsed]")
	return regexp.MustCompile(`[\d,]+ rows/s`).ReplaceAllString(out, "N rows/s")
}

func TestSameSeedSameOutput(t *testing.T) {
	outputs := map[string]string{}
	for _, name := range []string{"a", "b", "other-seed"} {
		dir := filepath.Join(t.TempDir(), "data")
		args := append([]string{"-data", dir}, small...)
		if name == "other-seed" {
			args = append(args, "-seed", "2")
		}
		code, out, stderr := runDemo(t, args...)
		if code != 0 {
			t.Fatalf("run %s: exit %d\n%s", name, code, stderr)
		}
		outputs[name] = normalize(out, dir)
	}
	if outputs["a"] != outputs["b"] {
		t.Errorf("two runs with the same seed differ:\n--- a\n%s\n--- b\n%s", outputs["a"], outputs["b"])
	}
	if outputs["a"] == outputs["other-seed"] {
		t.Errorf("-seed 2 printed the same output as -seed 1; the seed is not used")
	}
}
