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
	defaults := flagDefaults(fs)
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

// flagDefaults returns a printer of fs's flags and their defaults, for
// printUsage.
func flagDefaults(fs *flag.FlagSet) func(io.Writer) {
	return func(w io.Writer) {
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// usageError prints "tablegen NAME: message" and c's usage to stderr and
// returns the exit status of a usage error, 2.
func usageError(c *command, fs *flag.FlagSet, stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "tablegen %s: %s\n", c.name, fmt.Sprintf(format, a...))
	printUsage(stderr, c, flagDefaults(fs))
	return 2
}

// parseInterspersed is parseFlags for commands that take positional
// arguments: flags may stand before or after them ("NS.TABLE -limit 5" as
// well as "-limit 5 NS.TABLE"), where the flag package alone stops at the
// first positional argument. It returns the positional arguments, or
// (exit status, false) after -h (usage on stdout, 0) or a malformed flag
// (usage error, 2).
func parseInterspersed(c *command, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, int, bool) {
	var positional []string
	for rest := args; ; {
		err := fs.Parse(rest)
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, c, flagDefaults(fs))
			return nil, 0, false
		}
		if err != nil {
			return nil, usageError(c, fs, stderr, "%v", err), false
		}
		if fs.NArg() == 0 {
			return positional, 0, true
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}
