package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
)

// newFlags returns a flag set for c that prints nothing by itself and never
// exits the process: parseFlags and usageError do the talking.
func newFlags(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args; it returns (exit status, false) when the command
// must stop: 0 after -h (usage on stdout), 2 after a usage error (one line
// on stderr). Positional arguments are usage errors.
func parseFlags(c *command, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (int, bool) {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(stdout, c, flagDefaults(fs))
		return 0, false
	}
	if err == nil && fs.NArg() > 0 {
		err = fmt.Errorf("unexpected argument %q (%s takes flags only)", fs.Arg(0), c.name)
	}
	if err != nil {
		return usageError(c, fs, stderr, "%s", flagMessage(fs, err)), false
	}
	return 0, true
}

// flagMessage rewords the flag package's errors: "flag provided but not
// defined: -x" becomes "unknown flag -x", with the nearest flag when one is
// a likely typo.
func flagMessage(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "flag provided but not defined: ")
	if !ok {
		return msg
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, "-"+f.Name) })
	msg = "unknown flag " + name
	if s, ok := schema.Closest(name, names); ok {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	return msg
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

// usageError prints "tablegen NAME: message; see tablegen NAME -h" on one
// line and returns the exit status of a usage error, 2. The full usage is
// one -h away; repeating it after every typo would bury the message. fs,
// the command's flags, is no longer printed; the parameter stays so that
// every command calls it the same way it always has.
func usageError(c *command, fs *flag.FlagSet, stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "tablegen %s: %s; see tablegen %s -h\n", c.name, fmt.Sprintf(format, a...), c.name)
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
			return nil, usageError(c, fs, stderr, "%s", flagMessage(fs, err)), false
		}
		if fs.NArg() == 0 {
			return positional, 0, true
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}

// openProject loads tablegen.yaml for command c; a broken one is a usage
// error (exit 2) printed as positioned lines.
func openProject(c *command, stderr io.Writer) (*project, int, bool) {
	p, err := loadProject()
	if err != nil {
		printErr(stderr, err)
		fmt.Fprintf(stderr, "tablegen %s: fix %s first\n", c.name, schema.ConfigFile)
		return nil, 2, false
	}
	return p, 0, true
}

// schemasFlag defines -schemas with the project's default.
func schemasFlag(fs *flag.FlagSet, p *project) *string {
	return fs.String("schemas", p.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml")
}
