package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// small is the test's data set: big enough that every step has rows to
// show, small enough to load in well under a second.
var small = []string{"-users", "50", "-messages", "2000"}

func runDemo(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDemoRunsEveryStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	code, out, stderr := runDemo(t, append([]string{"-data", dir}, small...)...)
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
		`duckdb -c "SELECT owner`,
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
