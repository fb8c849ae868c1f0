package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestProject runs testdata/project/*.txtar: each archive is a module that
// configures tablegen with tablegen.yaml, and a script of commands run in
// it, in order, with no flags beyond the script's.
//
//	<path>                  a file of the module, written before the script
//	script                  one step per line: `[dir:]tablegen ARGS... => EXIT`;
//	                        `git commit` commits everything (breaking reads HEAD);
//	                        `write N PATH` replaces PATH with section N:PATH;
//	                        `exists PATH` / `absent PATH` assert a file
//	N:PATH                  a file's contents for `write N PATH`
//	out/N                   step N's stdout, then "[stderr]" and its stderr, exactly
//
// The module directory is $MOD in outputs. -update rewrites the out/N
// sections.
func TestProject(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not on PATH; the script commits for tablegen breaking")
	}
	files, err := filepath.Glob("testdata/project/*.txtar")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/project/*.txtar (%v)", err)
	}
	for _, f := range files {
		f, err := filepath.Abs(f) // the steps change the working directory
		if err != nil {
			t.Fatal(err)
		}
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			mod := t.TempDir()
			sections := map[string][]byte{}
			for _, af := range ar.Files {
				sections[af.Name] = af.Data
				if af.Name == "script" || strings.HasPrefix(af.Name, "out/") || strings.Contains(af.Name, ":") {
					continue
				}
				write(t, filepath.Join(mod, filepath.FromSlash(af.Name)), string(af.Data))
			}
			gitIn := func(args ...string) {
				t.Helper()
				cmd := exec.Command("git", args...)
				cmd.Dir = mod
				cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t", "GIT_CONFIG_GLOBAL=/dev/null")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			gitIn("init", "-q", "-b", "main")
			for i, line := range strings.Split(strings.TrimSpace(string(sections["script"])), "\n") {
				n := strconv.Itoa(i + 1)
				fields := strings.Fields(line)
				switch {
				case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
					continue
				case fields[0] == "git":
					gitIn("add", "-A")
					gitIn("commit", "-q", "-m", "step "+n)
					continue
				case fields[0] == "write":
					write(t, filepath.Join(mod, filepath.FromSlash(fields[2])), string(sections[fields[1]+":"+fields[2]]))
					continue
				case fields[0] == "contains":
					b, err := os.ReadFile(filepath.Join(mod, filepath.FromSlash(fields[1])))
					if want := strings.Join(fields[2:], " "); err != nil || !strings.Contains(string(b), want) {
						t.Errorf("step %s: %s: the file does not contain %q (%v)", n, line, want, err)
					}
					continue
				case fields[0] == "exists" || fields[0] == "absent":
					_, err := os.Stat(filepath.Join(mod, filepath.FromSlash(fields[1])))
					if (err == nil) != (fields[0] == "exists") {
						t.Errorf("step %s: %s: stat: %v", n, line, err)
					}
					continue
				}
				cmdLine, exitStr, ok := strings.Cut(line, "=>")
				if !ok {
					t.Fatalf("step %s: %q has no => EXIT", n, line)
				}
				wantExit, err := strconv.Atoi(strings.TrimSpace(exitStr))
				if err != nil {
					t.Fatalf("step %s: bad exit: %v", n, err)
				}
				args := strings.Fields(cmdLine)
				dir := mod
				if d, rest, ok := strings.Cut(args[0], ":"); ok {
					dir, args[0] = filepath.Join(mod, filepath.FromSlash(d)), rest
					if err := os.MkdirAll(dir, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				if args[0] != "tablegen" {
					t.Fatalf("step %s: %q is not a tablegen command", n, line)
				}
				code, stdout, stderr := tablegen(t, dir, args[1:]...)
				got := strings.ReplaceAll(stdout+"[stderr]\n"+stderr, mod, "$MOD")
				name := "out/" + n
				if *updateGolden {
					setArchiveFile(ar, name, []byte(got))
				} else if want, ok := sections[name]; ok && got != string(want) {
					t.Errorf("step %s: %s: output differs\n--- got\n%s--- want\n%s", n, line, got, want)
				}
				if code != wantExit {
					t.Errorf("step %s: %s: exit %d, want %d\n%s", n, line, code, wantExit, got)
				}
			}
			if *updateGolden {
				if err := os.WriteFile(f, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// setArchiveFile replaces or appends the archive file name.
func setArchiveFile(ar *txtar.Archive, name string, data []byte) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = data
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: data})
}
