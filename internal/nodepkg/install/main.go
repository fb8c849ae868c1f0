// Command install makes DIR/node_modules a complete install of the DuckDB
// npm package the tests use (see package nodepkg), for
// scripts/duckdb-check.sh: go run ./internal/nodepkg/install DIR.
package main

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/tablegen/tablegen/internal/nodepkg"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/nodepkg/install DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	if nodepkg.Installed(dir, nodepkg.DuckDB) {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		fmt.Fprintf(os.Stderr, "install: needs npm to install %s (apt-get install npm)\n", nodepkg.DuckDB)
		os.Exit(2)
	}
	if err := nodepkg.Ensure(npm, dir, nodepkg.DuckDB); err != nil {
		fmt.Fprintln(os.Stderr, "install:", err)
		os.Exit(1)
	}
	fmt.Printf("installed %s into %s\n", nodepkg.DuckDB, dir)
}
