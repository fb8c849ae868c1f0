package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tablegen/tablegen/runtime/store"
)

func init() {
	register(&command{
		name:  "backup",
		usage: "tablegen backup (-addr HOST:PORT [-token T] | -db DIR) -to DIR",
		summary: "Write a consistent online backup (a Pebble checkpoint) of a database: through a running service's " +
			"endpoint with -addr (DIR is on the service's machine), or of a database no process has open with -db.",
		example: "TABLEGEN_TOKEN=... tablegen backup -addr 127.0.0.1:8815 -to /backups/2026-12-01\n" +
			"tablegen backup -db ./data/pebble -to ./backup",
		run: runBackup,
	})
}

func runBackup(args []string, stdout, stderr io.Writer) int {
	c := commands["backup"]
	var db, to string
	var remote remoteFlags
	fs := newFlags(c)
	fs.StringVar(&db, "db", "", "back up the database in `DIR`, when no service has it open")
	fs.StringVar(&to, "to", "", "write the backup to `DIR`, which must not exist or be empty (required)")
	remote.register(fs)
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	switch {
	case to == "":
		return usageError(c, fs, stderr, "-to is required: the directory to write the backup to")
	case (db == "") == (remote.addr == ""):
		return usageError(c, fs, stderr, "pass exactly one of -db (a database no process has open) and -addr (a running service)")
	}
	err := backupLocal(db, to)
	if remote.addr != "" {
		err = backupRemote(&remote, to)
	}
	if err != nil {
		printErr(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "backup written to %s\n", to)
	return 0
}

func backupLocal(dir, to string) error {
	if dir == "" {
		return nil
	}
	db, err := openLocal(dir, &store.Options{MustExist: true})
	if err != nil {
		return err
	}
	err = db.Backup(context.Background(), to)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

func backupRemote(r *remoteFlags, to string) error {
	c, err := r.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Backup(context.Background(), to); err != nil {
		return fmt.Errorf("backup through %s: %w", r.addr, err)
	}
	return nil
}
