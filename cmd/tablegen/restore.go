package main

import (
	"fmt"
	"io"

	"github.com/tablegen/tablegen/runtime/store"
)

func init() {
	register(&command{
		name:  "restore",
		usage: "tablegen restore -from DIR -db DIR",
		summary: "Copy a backup into place as a database directory; refuses to overwrite a database or any other " +
			"content (move the old one away first). Copy the flush root's backup back beside it.",
		example: "tablegen restore -from /backups/2026-12-01 -db ./data/pebble",
		run:     runRestore,
	})
}

func runRestore(args []string, stdout, stderr io.Writer) int {
	c := commands["restore"]
	var from, db string
	fs := newFlags(c)
	fs.StringVar(&from, "from", "", "restore the backup in `DIR`, written by tablegen backup or store.DB.Backup (required)")
	fs.StringVar(&db, "db", "", "create the database in `DIR`, which must not exist or be empty (required)")
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	if from == "" || db == "" {
		return usageError(c, fs, stderr, "-from and -db are both required")
	}
	if err := store.Restore(from, db); err != nil {
		printErr(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s to %s\n", from, db)
	return 0
}
