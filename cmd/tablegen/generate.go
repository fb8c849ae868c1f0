package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tablegen/tablegen/internal/compat"
)

func init() {
	register(&command{
		name:    "generate",
		usage:   "tablegen generate [-schemas DIR] [-out DIR] [--allow RULE]...",
		summary: "Generate Go code for every table under the schemas directory and update the lock file; remove generated files no table produces any more. A change that `tablegen breaking` refuses against the lock file is refused (exit 1, nothing written) unless --allow'ed.",
		example: "tablegen generate -schemas schemas -out generated",
		run:     runGenerate,
	})
}

func runGenerate(args []string, stdout, stderr io.Writer) int {
	c := commands["generate"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	fs := newFlags(c)
	var d dirFlags
	d.define(fs, proj, "write package <namespace> to `DIR`/<namespace>; its import path is tablegen.yaml's package, else the enclosing go.mod's")
	allow := allowFlag(fs)
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	s, files, lock, ok := d.load(stderr)
	if !ok {
		return 1
	}
	// The lock file must never silently absorb a break: what breaking
	// would refuse against it, generate refuses too, before writing.
	if lock.prev != nil {
		v := judge(compat.Compare(lock.prev, compat.Build(s, lock.prev)), *allow, stderr)
		if v.broken > 0 {
			fmt.Fprintf(stderr, "tablegen generate: %s against %s; nothing was written: fix them, or accept a rule on purpose with --allow RULE\n", v, filepath.ToSlash(lock.path))
			return 1
		}
	}
	old, err := existing(d.out)
	if err != nil {
		fmt.Fprintf(stderr, "tablegen generate: reading %s: %v\n", d.out, err)
		return 1
	}
	written, removed := 0, 0
	for _, name := range sortedKeys(files) {
		if prev, ok := old[name]; ok && bytes.Equal(prev, files[name]) {
			continue // unchanged: keep the modification time, so builds stay cached
		}
		p := filepath.Join(d.out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintf(stderr, "tablegen generate: %v\n", err)
			return 1
		}
		if err := writeFile(p, files[name]); err != nil {
			fmt.Fprintf(stderr, "tablegen generate: %v\n", err)
			return 1
		}
		written++
	}
	for _, name := range sortedKeys(old) {
		if _, ok := files[name]; ok {
			continue
		}
		p := filepath.Join(d.out, filepath.FromSlash(name))
		if err := os.Remove(p); err != nil {
			fmt.Fprintf(stderr, "tablegen generate: removing stale %s: %v\n", p, err)
			return 1
		}
		removed++
		// Remove the namespace directory too once nothing is left in it.
		if entries, err := os.ReadDir(filepath.Dir(p)); err == nil && len(entries) == 0 {
			_ = os.Remove(filepath.Dir(p)) // best effort: an empty directory is harmless
		}
	}
	lockChanged, err := lock.write()
	if err != nil {
		fmt.Fprintf(stderr, "tablegen generate: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "tablegen: %d files in %s (%d written, %d unchanged, %d stale removed)\n",
		len(files), d.out, written, len(files)-written, removed)
	if lockChanged {
		fmt.Fprintf(stdout, "tablegen: updated %s; commit it with the schemas\n", lock.path)
	}
	return 0
}

// writeFile writes data to p through a temporary file and a rename, so an
// interrupted run never leaves a half-written Go file behind.
func writeFile(p string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tablegen-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), p)
}
