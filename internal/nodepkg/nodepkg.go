// Package nodepkg installs an npm package into a directory shared by the
// tests that run it (DuckDB, read through @duckdb/node-api), so the
// registry is asked once per machine.
//
// `go test ./...` runs packages in parallel, and two npm installs into one
// directory, or a test reading a package another process is still
// installing, leave or see a half-written package (a missing lib/*.js
// file, reported by Node as a missing named export). So an install goes
// into a fresh directory beside the shared one, is marked complete, and
// only then is renamed into place; a directory is used only when it
// carries the mark.
package nodepkg

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// DuckDB is the npm package (and version) the DuckDB tests, the demo and
// scripts/duckdb-check.sh run: DuckDB's official Node.js client. The
// version is pinned so every machine reads the files with the same DuckDB.
const DuckDB = "@duckdb/node-api@1.5.6-r.1"

// mark is the file a complete install holds in its node_modules.
const mark = ".tablegen-installed"

// Installed reports whether dir/node_modules is a complete install of spec.
func Installed(dir, spec string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", mark))
	return err == nil && string(b) == spec+"\n"
}

// Ensure makes dir/node_modules a complete install of spec (an npm package
// spec such as DuckDB) with the npm binary npm, unless it already is. A
// node_modules without the mark, left by an interrupted or older install,
// is replaced.
func Ensure(npm, dir, spec string) error {
	if Installed(dir, spec) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(npm, "install", "--silent", "--no-audit", "--no-fund", "--no-save", spec)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm install %s in %s: %w\n%s", spec, tmp, err, out)
	}
	mods := filepath.Join(tmp, "node_modules")
	if err := os.WriteFile(filepath.Join(mods, mark), []byte(spec+"\n"), 0o644); err != nil {
		return err
	}
	final := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(final); err == nil && !Installed(dir, spec) {
		// Not ours to keep: move it aside in one step, then delete it.
		stale := filepath.Join(tmp, "stale")
		if err := os.Rename(final, stale); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(mods, final); err != nil {
		if Installed(dir, spec) {
			return nil // another process finished first
		}
		return fmt.Errorf("install %s into %s: %w", spec, final, err)
	}
	return nil
}
