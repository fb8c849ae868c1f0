package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/generated/system"
	"github.com/tablegen/tablegen/runtime/store"
)

// demo is the state the steps share: the open database and its typed stores.
type demo struct {
	cfg  config
	load bool     // the data set must be loaded (false when -keep reuses one)
	data *dataset // the generated rows; nil when reused
	db   *store.DB

	users         *system.UserStore
	namespaces    *system.NamespaceStore
	tables        *system.TableStore
	storages      *system.StorageStore
	jobs          *system.JobStore
	conversations *chat.ConversationStore
	messages      *chat.MessageStore
	typing        *chat.TypingEventStore

	// flushedSystem is the number of role = 'system' rows of chat.messages
	// the executor read over hot rows and files after the flush, which
	// DuckDB must find in the files too; -1 until the flush step ran.
	flushedSystem int
}

// step is one stop of the tour. title says what it shows; run writes the
// result to w. Steps run in order and share the demo.
type step struct {
	title string
	run   func(ctx context.Context, d *demo, w io.Writer) error
}

// steps is the tour, in order. Each is a small function in steps.go or in
// the file named after it (fromyaml.go, rules.go, flush.go, duckdb.go).
func steps() []step {
	return []step{
		{"From YAML to Go: the schema file of chat.messages and the typed API generated from it", yamlStep},
		{"Open the database: an embedded Pebble DB, one typed store per generated table", openStep},
		{"Load the system tables: users, namespaces, tables, storages, jobs", loadSystemStep},
		{"Load the chat data set: conversations and per-owner messages, in batches", loadChatStep},
		{"Lookup by primary key: system.users by username", lookupKeyStep},
		{"Lookup by unique index: system.users by user_id and by email", lookupUniqueStep},
		{"Index scan: system.jobs with status = running, newest first (index by_status)", runningJobsStep},
		{"Index scan in one owner's partition: a conversation's messages (index by_conversation)", conversationStep},
		{"Provider scan with filter and projection: system.users as Arrow batches", usersProviderStep},
		{"Provider scans of a user table: all owners in full, one owner through an index", messagesProviderStep},
		{"Access rules: actors scan through generated guards; a user cannot read across owners", accessStep},
		{"Expiry of a stream table: chat.typing_events past their 30 s TTL", expiryStep},
		{"Flush chat.messages to Parquet, then read hot and flushed rows as one table", flushStep},
		{"Query the Parquet files with DuckDB", duckDBStep},
	}
}

// tour runs every step, printing each one's header (what it shows, how long
// it took) and then its output. It stops at the first failing step.
func tour(ctx context.Context, c config, stdout io.Writer) (err error) {
	d := &demo{cfg: c, flushedSystem: -1}
	defer func() {
		if d.db != nil {
			err = errors.Join(err, d.db.Close())
		}
	}()
	all := steps()
	for i, s := range all {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("interrupted before step %d: %w", i+1, err)
		}
		var body bytes.Buffer
		start := time.Now()
		err := s.run(ctx, d, &body)
		fmt.Fprintf(stdout, "\n== %d/%d %s [%s]\n", i+1, len(all), s.title, formatElapsed(time.Since(start)))
		if _, werr := stdout.Write(body.Bytes()); werr != nil {
			return werr
		}
		if err != nil {
			return fmt.Errorf("step %d/%d (%s): %w", i+1, len(all), s.title, err)
		}
	}
	fmt.Fprintf(stdout, "\nDone. Look around with the CLI, which reads the YAML instead of generated code:\n"+
		"  go run ./cmd/tablegen inspect -db %s system.jobs -columns job_id,job_type,status,created_at -where \"status = 'failed'\" -limit 5\n", c.dbDir())
	return nil
}
