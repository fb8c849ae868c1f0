package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlags returns a flag set for c that prints c's usage and example on -h
// and on errors, and never exits the process.
func newFlags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args; it returns (exit status, false) when the command
// must stop: 0 after -h (usage on stdout), 2 after a usage error (message
// and usage on stderr). Positional arguments are usage errors.
func parseFlags(c *command, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (int, bool) {
	defaults := func(w io.Writer) {
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, c, defaults)
		return 0, false
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err != nil {
		fmt.Fprintf(stderr, "tablegen %s: %v\n", c.name, err)
		printUsage(stderr, c, defaults)
		return 2, false
	}
	return 0, true
}
