package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

func init() {
	register(&command{
		name:    "version",
		usage:   "tablegen version",
		summary: "Print the module version, VCS revision and Go version tablegen was built with.",
		example: "tablegen version",
		run:     runVersion,
	})
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	c := commands["version"]
	fs := newFlags(c)
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	fmt.Fprintln(stdout, versionString(debug.ReadBuildInfo()))
	return 0
}

// versionString formats build info: "tablegen v1.2.3 (rev abc123, modified) go1.26".
func versionString(info *debug.BuildInfo, ok bool) string {
	if !ok {
		return "tablegen (unknown version: built without module support)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	out := "tablegen " + v
	if rev != "" {
		out += fmt.Sprintf(" (rev %.12s%s)", rev, modified)
	}
	return out + " " + info.GoVersion
}
