package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/compat"
	"github.com/tablegen/tablegen/internal/schema"
)

// Exit statuses of `tablegen breaking`. Scripts tell "this change breaks
// stored data" (1) from "the comparison could not run" (2).
const (
	breakingOK        = 0 // no finding, or only warnings and allowed errors
	breakingFound     = 1 // at least one error finding not allowed with --allow
	breakingCannotRun = 2 // bad flags, unknown ref, schemas that do not load, no git
)

func init() {
	register(&command{
		name:  "breaking",
		usage: "tablegen breaking [-schemas DIR] [--against REF] [--allow RULE]...",
		summary: "Report schema changes that would misread stored data, against the lock file at HEAD or the schemas at --against REF: " +
			"one `file:line:col: RULE_ID: message` per finding (warnings and --allow'ed ones marked); exit 1 on any error finding, 2 when it cannot compare.",
		example: "tablegen breaking\ntablegen breaking --against origin/main --allow UNIQUE_INDEX_ADDED",
		run:     runBreaking,
	})
}

// runBreaking is `tablegen breaking`; it returns the exit status.
//
// By default the current schemas are compared with the lock file committed
// at HEAD (git show HEAD:schemas/tablegen.lock); with --against REF, with the
// schemas (and lock file) at that revision, read with git itself. Retired ids
// on the new side come from the lock file next to the current schemas, so a
// table, column or index removed without `tablegen generate` is reported.
// Each finding is one line on stdout:
//
//	file:line:col: RULE_ID: message            an error: exit status 1
//	file:line:col: warning: RULE_ID: message   a warning: printed only
//	file:line:col: allowed: RULE_ID: message   an error accepted with --allow
//
// Positions in old files carry the revision in git's notation
// (HEAD:schemas/tablegen.lock:18:1, origin/main:schemas/app/items.yaml:3:5).
func runBreaking(args []string, stdout, stderr io.Writer) int {
	c := commands["breaking"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	fl := newFlags(c)
	dir := fl.String("schemas", proj.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml, inside a git work tree")
	against := fl.String("against", "", "compare with the schemas at git revision `REF` (default: the lock file committed at HEAD)")
	allow := allowFlag(fl)
	if code, ok := parseFlags(c, fl, args, stdout, stderr); !ok {
		return code
	}
	if strings.HasPrefix(*against, "-") {
		return usageError(c, fl, stderr, "--against %q is not a git revision", *against)
	}

	old, base, err := baseline(*dir, *against)
	if err != nil {
		fmt.Fprintf(stderr, "tablegen breaking: %v\n", err)
		return breakingCannotRun
	}
	if old == nil {
		fmt.Fprintf(stderr, "tablegen breaking: no %s committed at %s, so there is nothing to compare with; run `tablegen generate` and commit the lock file\n", compat.LockFile, base)
		return breakingOK
	}
	cur, err := proj.loadSchemas(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "tablegen breaking: the current schemas do not load:\n%v\n", err)
		return breakingCannotRun
	}
	committed, err := readWorkingLock(filepath.Join(*dir, lockFileName))
	if err != nil {
		fmt.Fprintf(stderr, "tablegen breaking: %v\n", err)
		return breakingCannotRun
	}

	v := judge(compat.Compare(old, compat.Snapshot(cur, committed)), *allow, stdout)
	if v.broken > 0 {
		fmt.Fprintf(stderr, "tablegen breaking: %s against %s; fix them, or accept a rule on purpose with --allow RULE_ID\n", v, base)
		return breakingFound
	}
	fmt.Fprintf(stdout, "tablegen breaking: %d %s, %s against %s\n", len(cur.Tables), breakingPlural(len(cur.Tables), "table", "tables"), v, baseName(base, *dir))
	return breakingOK
}

// baseName names the baseline in the OK summary: the lock file at HEAD
// (HEAD:schemas/tablegen.lock's path as the user sees it), or the revision.
func baseName(base, dir string) string {
	if base == "HEAD" {
		return filepath.ToSlash(filepath.Join(dir, lockFileName)) + " at HEAD"
	}
	return base
}

// verdict counts the findings of one comparison.
type verdict struct {
	broken, allowed, warnings int
}

// String is "no breaking changes" or "2 breaking changes (1 allowed, 0
// warnings)".
func (v verdict) String() string {
	s := "no breaking changes"
	if v.broken > 0 {
		s = fmt.Sprintf("%d breaking %s", v.broken, breakingPlural(v.broken, "change", "changes"))
	}
	if v.allowed+v.warnings > 0 || v.broken > 0 {
		s += fmt.Sprintf(" (%d allowed, %d %s)", v.allowed, v.warnings, breakingPlural(v.warnings, "warning", "warnings"))
	}
	return s
}

// judge prints each finding on w, one `file:line:col: RULE_ID: message`
// line (warnings and allowed errors marked), and counts them. breaking and
// generate share it, so generate refuses exactly what breaking refuses.
func judge(findings []compat.Finding, allow []string, w io.Writer) verdict {
	var v verdict
	for _, f := range findings {
		line := f.String()
		switch {
		case f.Level == compat.Warning:
			v.warnings++
		case slices.Contains(allow, f.Rule):
			v.allowed++
			line = strings.Replace(line, ": "+f.Rule+": ", ": allowed: "+f.Rule+": ", 1)
		default:
			v.broken++
		}
		fmt.Fprintln(w, line)
	}
	return v
}

// allowFlag defines the repeatable --allow RULE_ID of breaking and generate.
func allowFlag(fs *flag.FlagSet) *[]string {
	var allow []string
	var ids []string
	for _, r := range compat.Rules() {
		ids = append(ids, r.ID)
	}
	fs.Func("allow", "accept findings of `RULE` on purpose (repeatable); the rules:\n"+breakingRuleList(), func(s string) error {
		if slices.Contains(ids, s) {
			allow = append(allow, s)
			return nil
		}
		return fmt.Errorf("unknown rule %q%s", s, schema.Suggest(s, ids))
	})
	return &allow
}

func breakingPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// breakingRuleList is the rules, one per line, for the -allow flag's help.
func breakingRuleList() string {
	var b strings.Builder
	for _, r := range compat.Rules() {
		fmt.Fprintf(&b, "  %-28s %-7s %s\n", r.ID, r.Level, r.Doc)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// readLock reads the lock file next to the current schemas; a missing file
// is no lock (nothing retired yet).
func readWorkingLock(file string) (*compat.Lock, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the lock file: %w", err)
	}
	return compat.Parse(filepath.ToSlash(file), b)
}

// baseline returns the old side of the comparison and the revision it came
// from. Without a revision it is the lock file committed at HEAD (nil when
// HEAD has none); with one, the schemas there, with the lock file there for
// their retired ids. Old positions name files as REV:path, git's own
// notation, so a finding about a removal points at `git show REV:path`.
func baseline(dir, rev string) (*compat.Lock, string, error) {
	g, err := openGitRepo(dir)
	if err != nil {
		return nil, "", err
	}
	base := rev
	if base == "" {
		base = "HEAD"
	}
	if _, err := g.run("rev-parse", "--verify", "--quiet", "--end-of-options", base+"^{commit}"); err != nil {
		if rev == "" {
			return nil, base, fmt.Errorf("the git repository of %s has no commit at HEAD yet; commit the schemas and their lock file first", dir)
		}
		return nil, base, fmt.Errorf("%q is not a commit in the git repository of %s; pass a branch, tag or commit to --against (for example origin/main), and in CI fetch it first", base, dir)
	}
	files, err := g.run("ls-tree", "-r", "--name-only", "--full-name", base, "--", ".")
	if err != nil {
		return nil, base, err
	}
	lockPath := g.prefix + lockFileName
	yaml := map[string][]byte{}
	var prev *compat.Lock
	for _, p := range strings.Split(strings.TrimSpace(string(files)), "\n") {
		switch {
		case p == "":
		case p == lockPath:
			b, err := g.run("show", base+":"+p)
			if err != nil {
				return nil, base, err
			}
			if prev, err = compat.Parse(base+":"+p, b); err != nil {
				return nil, base, fmt.Errorf("the lock file at %s does not parse:\n%w", base, err)
			}
		case rev != "" && path.Ext(p) == ".yaml":
			b, err := g.run("show", base+":"+p)
			if err != nil {
				return nil, base, err
			}
			yaml[base+":"+p] = b
		}
	}
	if rev == "" {
		return prev, base, nil
	}
	s := &schema.Schema{}
	if len(yaml) > 0 {
		if s, err = schema.ParseFiles(yaml); err != nil {
			return nil, base, fmt.Errorf("the schemas at %s do not load, so they cannot be compared:\n%w", base, err)
		}
	}
	return compat.Build(s, prev), base, nil
}

// gitRepo runs git commands in the schemas directory.
type gitRepo struct {
	dir    string
	prefix string // the schemas directory inside the repository, "schemas/"
}

func openGitRepo(dir string) (*gitRepo, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("cannot read the schemas directory %s; pass it with -schemas DIR", dir)
	}
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("git is not on PATH; tablegen breaking reads the old schemas with git: %w", err)
	}
	g := &gitRepo{dir: dir}
	out, err := g.run("rev-parse", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("%s is not inside a git work tree: %w", dir, err)
	}
	g.prefix = strings.TrimSpace(string(out))
	return g, nil
}

func (g *gitRepo) run(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = g.dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return out, nil
}
