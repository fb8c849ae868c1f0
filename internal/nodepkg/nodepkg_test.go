package nodepkg

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// fakeNPM writes an npm stand-in that installs a package slowly, file by
// file, as a real install does.
func fakeNPM(t *testing.T) string {
	t.Helper()
	npm := filepath.Join(t.TempDir(), "npm")
	script := `#!/bin/sh
mkdir -p node_modules/pkg/lib
echo '{}' > node_modules/pkg/package.json
sleep 0.2
echo 'module.exports = 1' > node_modules/pkg/lib/index.js
`
	if err := os.WriteFile(npm, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return npm
}

// TestEnsureConcurrent: installs racing for one directory (as parallel
// test processes do) all succeed and leave one complete package; a
// directory that was not marked complete (an interrupted install) is
// replaced rather than trusted.
func TestEnsureConcurrent(t *testing.T) {
	npm := fakeNPM(t)
	dir := t.TempDir()
	// A half-written install, as a killed or older installer leaves it.
	if err := os.MkdirAll(filepath.Join(dir, "node_modules", "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "node_modules", "pkg", "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if Installed(dir, "pkg@1") {
		t.Fatal("an unmarked node_modules counts as installed")
	}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Ensure(npm, dir, "pkg@1")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Ensure %d: %v", i, err)
		}
	}
	if !Installed(dir, "pkg@1") {
		t.Fatal("not installed after Ensure")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "pkg", "lib", "index.js")); err != nil {
		t.Fatalf("the installed package is incomplete: %v", err)
	}
	if Installed(dir, "pkg@2") {
		t.Fatal("an install of another version counts as installed")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".install-*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary install directories left behind: %v", leftovers)
	}
}
