package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/tablegen/tablegen/runtime/store"
)

// printReadErr prints an error of a command that read a database: damaged
// database files as the one line "tablegen: TABLE: data corruption in
// FILE: ...; run tablegen verify --db DIR", anything else as printErr does.
func printReadErr(w io.Writer, err error, db string) {
	var dc *store.DataCorruptionError
	if errors.As(err, &dc) {
		fmt.Fprintf(w, "tablegen: %s: %s; run tablegen verify --db %s\n", dc.Table, dc.Summary(), db)
		return
	}
	printErr(w, err)
}
