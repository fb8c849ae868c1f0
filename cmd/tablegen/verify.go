package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tablegen/tablegen/internal/schema"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

func init() {
	register(&command{
		name:  "verify",
		usage: "tablegen verify (-db DIR [-schemas DIR] [-repair] | -addr HOST:PORT [-token T])",
		summary: "Check a database: every block checksum of every file, and every row and index entry of the " +
			"schemas' tables; -repair removes dangling and stale index entries; -addr asks a running service's " +
			"endpoint to verify with its own tables. Exit 1 when anything is damaged.",
		example: "tablegen verify -db ./data -schemas ./schemas\n" +
			"TABLEGEN_TOKEN=... tablegen verify -addr 127.0.0.1:8815",
		run: runVerify,
	})
}

func runVerify(args []string, stdout, stderr io.Writer) int {
	c := commands["verify"]
	proj, code, ok := openProject(c, stderr)
	if !ok {
		return code
	}
	var dbDir, schemas string
	var repair bool
	var remote remoteFlags
	fs := newFlags(c)
	fs.StringVar(&dbDir, "db", "", "check the database in `DIR` (required)")
	fs.StringVar(&schemas, "schemas", proj.schemas(), "read the tables from `DIR`/<namespace>/<table>.yaml")
	fs.BoolVar(&repair, "repair", false, "remove the dangling and stale index entries found (opens the database for writing)")
	remote.register(fs)
	if code, ok := parseFlags(c, fs, args, stdout, stderr); !ok {
		return code
	}
	switch {
	case dbDir == "" && remote.addr == "":
		return usageError(c, fs, stderr, "-db is required: the directory of the database to check (or -addr, a running service)")
	case dbDir != "" && remote.addr != "":
		return usageError(c, fs, stderr, "pass one of -db (a database no process has open) and -addr (a running service)")
	case repair && remote.addr != "":
		return usageError(c, fs, stderr, "-repair works on a database opened locally (-db), not through -addr")
	}
	where := dbDir
	var damaged int
	var err error
	if remote.addr != "" {
		where = remote.addr
		damaged, err = verifyRemote(&remote, stdout)
	} else {
		damaged, err = verify(dbDir, schemas, repair, stdout)
	}
	if err != nil {
		printErr(stderr, err)
		return 1
	}
	if damaged > 0 {
		fmt.Fprintf(stderr, "tablegen verify: %s: %d problem(s) found\n", where, damaged)
		return 1
	}
	return 0
}

// verifyRemote asks the endpoint at r.addr to verify and prints one line
// per problem to w; it returns the number of problems.
func verifyRemote(r *remoteFlags, w io.Writer) (int, error) {
	c, err := r.dial()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	problems, err := c.Verify(context.Background())
	if err != nil {
		return 0, fmt.Errorf("verify through %s: %w", r.addr, err)
	}
	for _, p := range problems {
		fmt.Fprintln(w, p)
	}
	fmt.Fprintf(w, "verified through %s: %d problem(s)\n", r.addr, len(problems))
	return len(problems), nil
}

// verify checks the database in dir and prints one line per problem to w;
// it returns the number of problems left.
func verify(dir, schemas string, repair bool, w io.Writer) (int, error) {
	s, err := schema.Load(schemas)
	if err != nil {
		return 0, err
	}
	db, err := store.Open(dir, &store.Options{ReadOnly: !repair, MustExist: true})
	if err != nil {
		return 0, fmt.Errorf("%w; pass the -db directory the service writes to", err)
	}
	defer db.Close()
	names := map[uint32]string{}
	for _, t := range s.Tables {
		names[uint32(t.ID)] = t.FullName()
	}
	damaged := 0
	files, err := db.VerifyFiles()
	if err != nil {
		return 0, err
	}
	for _, f := range files {
		fmt.Fprintf(w, "file %s: damaged (%s): %v\n", f.File, tablesIn(f, names), firstLine(f.Err))
		damaged++
	}
	for _, t := range s.Tables {
		n, err := verifyTable(db, t, repair, w)
		if err != nil {
			return damaged, err
		}
		damaged += n
	}
	fmt.Fprintf(w, "checked %d table(s) and every sstable: %d problem(s)\n", len(s.Tables), damaged)
	return damaged, nil
}

// verifyTable runs the store's Verify (or Repair) on one table, opened by
// its layout alone.
func verifyTable(db *store.DB, t *schema.Table, repair bool, w io.Writer) (int, error) {
	l := t.Layout()
	spec, err := scan.LayoutSpec(&l)
	if err != nil {
		return 0, err
	}
	tbl, err := store.NewTable(db, spec)
	var lm *store.LayoutMismatchError
	if errors.As(err, &lm) && lm.ReadOnly {
		// An older, compatible database opened read-only: verify the
		// rows as they were written.
		if spec, err = scan.LayoutSpec(&lm.Stored); err != nil {
			return 0, err
		}
		tbl, err = store.NewTable(db, spec)
	}
	if err != nil {
		var me *store.MetadataError
		var dc *store.CorruptError
		if errors.As(err, &me) || errors.As(err, &lm) || errors.As(err, &dc) {
			fmt.Fprintf(w, "%s: cannot be opened: %s\n", l.FullName(), firstLine(err))
			return 1, nil
		}
		if has, herr := db.HasRows(l.ID); herr == nil && !has {
			return 0, nil // declared, never written
		}
		return 0, err
	}
	var problems, removed []store.Problem
	if repair {
		removed, problems, err = tbl.Repair()
	} else {
		problems, err = tbl.Verify()
	}
	for _, p := range removed {
		fmt.Fprintf(w, "repaired: %s: removed\n", p)
	}
	for _, p := range problems {
		fmt.Fprintln(w, printable(p.String()))
	}
	n := len(problems)
	if err != nil {
		// Damaged files stop the table's check where the damage is; the
		// file is listed above.
		var dc *store.CorruptError
		if !errors.As(err, &dc) {
			return n, err
		}
		fmt.Fprintf(w, "%s: not every row could be read: %s\n", l.FullName(), dc.Summary())
		n++
	}
	return n, nil
}

// tablesIn names the tables whose keys a damaged file holds, from the table
// ids in its first and last keys (0x01..0x05 keyspace + big-endian id).
func tablesIn(f store.FileProblem, names map[uint32]string) string {
	var out []string
	for _, k := range [][]byte{f.Smallest, f.Largest} {
		if len(k) < 5 || k[0] < 0x01 || k[0] > 0x05 {
			continue
		}
		id := binary.BigEndian.Uint32(k[1:5])
		name, ok := names[id]
		if !ok {
			name = fmt.Sprintf("table id %d", id)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return "keys of no known table"
	}
	if len(out) == 1 {
		return "holds keys of " + out[0]
	}
	return "holds keys of " + out[0] + " to " + out[1]
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// printReadErr prints an error of a command that read a database: damaged
// database files as the one line "tablegen: TABLE: data corruption in
// FILE: ...; run tablegen verify --db DIR", anything else as printErr does.
func printReadErr(w io.Writer, err error, db string) {
	var dc *store.CorruptError
	if errors.As(err, &dc) {
		fmt.Fprintf(w, "tablegen: %s: %s; run tablegen verify --db %s\n", dc.Table, dc.Summary(), db)
		return
	}
	printErr(w, err)
}
