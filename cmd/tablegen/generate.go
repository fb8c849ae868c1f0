package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func init() {
	register(&command{
		name:    "generate",
		usage:   "tablegen generate [-schemas DIR] [-out DIR]",
		summary: "Generate Go code for every table under the schemas directory; remove generated files no table produces any more.",
		example: "tablegen generate -schemas schemas -out generated",
		run:     runGenerate,
	})
}

func runGenerate(args []string, stdout, stderr io.Writer) int {
	c := commands["generate"]
	fs := newFlags(c)
	var d dirFlags
	fs.StringVar(&d.schemas, "schemas", "schemas", "directory of `<namespace>/<table>.yaml` files")
	fs.StringVar(&d.out, "out", "generated", "output directory; package <namespace> goes to DIR/<namespace>, its import path comes from the enclosing go.mod")
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	_, files, lock, ok := d.load(stderr)
	if !ok {
		return 1
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
