// Command tablegen compiles YAML table declarations into typed Go: keys,
// entities, codecs, stores with secondary indexes, and their tests.
//
//	tablegen init                                  write tablegen.yaml at the module root
//	tablegen generate [-schemas DIR] [-out DIR]   write generated code
//	tablegen check    [-schemas DIR] [-out DIR]   fail when generated code is stale (CI)
//	tablegen lint     [-schemas DIR]              validate the schemas only
//	tablegen version                              print the build's version
//
// Every command reads the nearest tablegen.yaml (found like go.mod, up to
// the module root) for its defaults; flags override it. Every command takes
// -h. Exit status: 0 success; 1 the command's finding (stale output, schema
// errors found by lint, generate or docs, breaking changes, a failed read);
// 2 usage errors (flags, arguments, tablegen.yaml), and for check and
// breaking also schemas that do not load (so CI tells "stale" or "breaking"
// from "broken").
//
// Commands live one per file and register themselves from init, so a new
// command is a new file: main.go never changes.
package main

//go:generate go run . generate
//go:generate go run . jsonschema
//go:generate go run . docs

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
)

// command is one subcommand of tablegen.
type command struct {
	name    string
	usage   string // one line: "tablegen name [flags]"
	summary string // one line for the command list
	example string
	// run executes the command with the arguments after its name and returns
	// the exit status.
	run func(args []string, stdout, stderr io.Writer) int
}

// commands is the registry filled by register.
var commands = map[string]*command{}

// register adds a command; each command file calls it from init. A second
// command with the same name is a programming error caught by TestCommands.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		// Registration happens in init, before any input is read; a
		// duplicate can only be a build mistake, and TestCommands reports it.
		commands[c.name+" (duplicate)"] = c
		return
	}
	commands[c.name] = c
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches args to a command and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printCommands(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		printCommands(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		names := slices.Sorted(maps.Keys(commands))
		hint := ""
		if s, ok := schema.Closest(args[0], names); ok {
			hint = fmt.Sprintf("; did you mean %q?", s)
		}
		fmt.Fprintf(stderr, "tablegen: unknown command %q%s; see tablegen help\n", args[0], hint)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

// printCommands lists every registered command.
func printCommands(w io.Writer) {
	fmt.Fprintln(w, "usage: tablegen <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `run "tablegen <command> -h" for a command's flags and an example`)
}

// printUsage prints a command's usage line, flags and example.
func printUsage(w io.Writer, c *command, flags func(io.Writer)) {
	fmt.Fprintf(w, "usage: %s\n\n%s\n", c.usage, c.summary)
	if flags != nil {
		fmt.Fprintln(w)
		flags(w)
	}
	if c.example != "" {
		fmt.Fprintf(w, "\nexample:\n  %s\n", strings.ReplaceAll(c.example, "\n", "\n  "))
	}
}
