// Package templates holds the text/template files tablegen renders into
// output that is not Go code: the YAML scaffold `tablegen new` writes and the
// Markdown pages `tablegen docs` writes. They are embedded so the tablegen
// binary works from any directory, and kept as files (not Go strings) so a
// reader can change the scaffold's comments or the docs' layout without
// touching Go code.
package templates

import "embed"

// FS holds every *.tmpl file of this directory:
//
//	table.yaml.tmpl    the table scaffold of `tablegen new`
//	namespace.md.tmpl  one namespace's page of `tablegen docs`
//	index.md.tmpl      the index page of `tablegen docs`
//
//go:embed *.tmpl
var FS embed.FS
