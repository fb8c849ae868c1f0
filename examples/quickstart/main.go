// Command quickstart is the newcomer's tour of tablegen, run by `make demo`.
//
// It opens an embedded Pebble database under ./data, fills the system tables
// (users, namespaces, tables, storages, jobs) and a chat data set (100,000
// chat.messages across more than 1,000 users by default, from a fixed seed), and then
// shows, one step at a time, what the generated code does with it, starting
// from the YAML file of chat.messages and the API generated from it: lookups by
// key and by unique index, index scans, Arrow provider scans with filters and
// projection, a flush to Parquet, and a DuckDB query of the flushed files
// when Node.js and @duckdb/node-api are installed (-duckdb says where; the
// step says so when they are not). Every step prints one header line
// saying what it shows and how long it took, then its result as an aligned
// table.
//
// Usage:
//
//	go run ./examples/quickstart [-data DIR] [-keep] [-users N] [-messages N] [-seed N] [-duckdb DIR]
//
// By default a second run deletes the ./data the first run wrote and loads it
// again (it says so); -keep reuses it and skips the load. The program refuses to
// delete a directory it did not create.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the flags select.
type config struct {
	dir      string // data directory: the database, the row-id mark, the Parquet files
	keep     bool   // reuse the data directory of an earlier run instead of resetting it
	users    int    // rows of system.users to generate
	messages int    // rows of chat.messages to generate (at least; see dataset.go)
	seed     uint64 // seed of the data set; the same seed gives the same rows
	duckdb   string // directory with node_modules/@duckdb/node-api; "" skips the DuckDB query
	progress io.Writer
}

// Limits of the flags: below minUsers the data set cannot give every role and
// every step a row to show.
const (
	minUsers    = 10
	minMessages = 100
)

// run is the program without its process: the test calls it with a
// temporary directory and small sizes. It returns the exit code: 0 on
// success, 1 when a step fails, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.dir, "data", "data", "data `directory`: the Pebble database, the row-id mark and the Parquet files")
	fs.BoolVar(&c.keep, "keep", false, "reuse the data directory of an earlier run and skip the load (default: reset it)")
	fs.IntVar(&c.users, "users", 1200, fmt.Sprintf("users to generate (at least %d)", minUsers))
	fs.IntVar(&c.messages, "messages", 100_000, fmt.Sprintf("chat messages to generate (at least %d)", minMessages))
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the generated data set; the same seed gives the same rows")
	fs.StringVar(&c.duckdb, "duckdb", defaultDuckDBDir(), "`directory` whose node_modules has "+duckdbPackage+", which the last step runs with Node.js to query the Parquet files (empty: skip the query)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: quickstart [-data DIR] [-keep] [-users N] [-messages N] [-seed N] [-duckdb DIR]")
		fmt.Fprintln(fs.Output(), "example: go run ./examples/quickstart -users 200 -messages 20000")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "quickstart: unexpected argument %q; every option is a flag\n", fs.Arg(0))
		fs.Usage()
		return 2
	case c.users < minUsers:
		fmt.Fprintf(stderr, "quickstart: -users %d is too few; use at least %d so every role has a user\n", c.users, minUsers)
		return 2
	case c.messages < minMessages:
		fmt.Fprintf(stderr, "quickstart: -messages %d is too few; use at least %d\n", c.messages, minMessages)
		return 2
	}
	c.progress = terminal(stderr)
	if err := tour(ctx, c, stdout); err != nil {
		fmt.Fprintf(stderr, "quickstart: %v\n", err)
		return 1
	}
	return 0
}
