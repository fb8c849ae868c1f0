// Command todo shows tablegen used from a module of its own: the table is
// declared in schemas/todo/items.yaml, the code in internal/db/todo is
// generated from it by the go:generate line below (tablegen is a tool
// dependency in go.mod, so `go generate ./...` needs nothing installed), and
// this program uses the generated typed store.
//
// Usage:
//
//	go run . [-db DIR]
//
// Each run adds the same few items to the groceries list, ticks off the oldest
// open one and prints the list's open items, oldest first.
package main

//go:generate go tool tablegen generate

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"example.com/todo/internal/db/todo"

	"github.com/tablegen/tablegen/runtime/rowid"
	"github.com/tablegen/tablegen/runtime/store"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program without its process, so the test can call it. It
// returns the exit code: 0, 1 on failure, 2 on a usage error.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("todo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("db", "todo-data", "database `directory` (created when missing)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "todo: unexpected argument %q; usage: todo [-db DIR]\n", fs.Arg(0))
		return 2
	}
	if err := groceries(*dir, stdout, time.Now); err != nil {
		fmt.Fprintf(stderr, "todo: %v\n", err)
		return 1
	}
	return 0
}

// groceries adds the shopping, ticks off the oldest open item and prints
// what is left to buy.
func groceries(dir string, w io.Writer, now func() time.Time) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	db, err := store.Open(filepath.Join(dir, "pebble"), nil)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	items, err := todo.NewItemStore(db)
	if err != nil {
		return err
	}
	// Row ids are time-ordered and never repeat, also across restarts: the
	// generator keeps a high-water mark next to the database.
	ids, err := rowid.New(rowid.Options{Mark: rowid.FileMark(filepath.Join(dir, "rowid.mark")), Now: now})
	if err != nil {
		return err
	}

	// Add the shopping in one atomic batch: the rows and their index
	// entries become visible together.
	b := db.NewBatch()
	b.SetSync(true) // durable when Commit returns, whatever the DB's default
	for _, it := range []struct {
		title    string
		priority todo.ItemPriority
		due      *time.Time
	}{
		{"oat milk", todo.ItemPriorityHigh, nil},
		{"coffee beans", todo.ItemPriorityNormal, nil},
		{"birthday candles", todo.ItemPriorityLow, ptr(now().Add(72 * time.Hour))},
	} {
		id, err := ids.Next()
		if err != nil {
			return err
		}
		items.PutIn(b, &todo.Item{
			ItemID: int64(id), List: "groceries", Title: it.title, Priority: it.priority,
			Due: it.due, CreatedAt: id.Time(),
		})
	}
	if err := b.Commit(); err != nil {
		return err
	}

	// Tick off the oldest open item: the by_list index keeps a list's
	// open items in creation order, so it is the first one.
	for it, err := range items.ScanByListDone("groceries", false, store.ScanOptions{Limit: 1}) {
		if err != nil {
			return err
		}
		it.Done = true
		if err := items.Put(&it); err != nil {
			return err
		}
		fmt.Fprintf(w, "ticked off %q\n", it.Title)
	}

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "open\tpriority\tdue\tadded")
	open := 0
	for it, err := range items.ScanByListDone("groceries", false, store.ScanOptions{}) {
		if err != nil {
			return err
		}
		due := "-"
		if it.Due != nil {
			due = it.Due.Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", it.Title, it.Priority, due, it.CreatedAt.Format(time.RFC3339))
		open++
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	all, err := items.Count(items.All())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d open of %d items\n", open, all)
	return nil
}

func ptr[T any](v T) *T { return &v }
