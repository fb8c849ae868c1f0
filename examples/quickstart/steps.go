package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/generated/system"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
	"github.com/tablegen/tablegen/runtime/where"
)

// messageBatchRows is how many chat.messages rows go into one write batch:
// big enough that the per-commit fsync is amortized, small enough that a
// batch stays a few megabytes.
const messageBatchRows = 4096

func openStep(_ context.Context, d *demo, w io.Writer) error {
	load, note, err := prepare(&d.cfg)
	if err != nil {
		return err
	}
	d.load = load
	fmt.Fprintf(w, "  %s\n", note)
	if d.db, err = store.Open(d.cfg.dbDir(), store.DefaultOptions()); err != nil {
		return err
	}
	// Flushed rows stay rows: a flush executor attached to the DB lets every
	// typed read find the rows an earlier flush moved to Parquet (a -keep
	// run reuses them). The flush step's own executor takes over from it.
	if _, err := flush.New(d.db, d.cfg.parquetDir(), nil); err != nil {
		return err
	}
	// Opening a store records the table's layout in the database (or checks
	// it against the recorded one): a build that would misread the bytes
	// fails here, loudly, instead of returning wrong rows later.
	var errs []error
	open := func(err error) { errs = append(errs, err) }
	d.users, err = system.NewUserStore(d.db)
	open(err)
	d.namespaces, err = system.NewNamespaceStore(d.db)
	open(err)
	d.tables, err = system.NewTableStore(d.db)
	open(err)
	d.storages, err = system.NewStorageStore(d.db)
	open(err)
	d.jobs, err = system.NewJobStore(d.db)
	open(err)
	d.conversations, err = chat.NewConversationStore(d.db)
	open(err)
	d.messages, err = chat.NewMessageStore(d.db)
	open(err)
	d.typing, err = chat.NewTypingEventStore(d.db)
	open(err)
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(w, "  opened %s with 8 typed stores (system.users … chat.typing_events); their layouts are recorded in the database\n", d.cfg.dbDir())
	return nil
}

func loadSystemStep(_ context.Context, d *demo, w io.Writer) error {
	if d.load {
		d.data = newDataset(d.cfg, d.cfg.parquetDir())
		if err := assignIDs(d.data, d.cfg.markPath()); err != nil {
			return err
		}
		// One batch: every row and index entry of the five tables becomes
		// visible at once, or none does.
		b := d.db.NewBatch()
		for i := range d.data.namespaces {
			d.namespaces.PutIn(b, &d.data.namespaces[i])
		}
		for i := range d.data.storages {
			d.storages.PutIn(b, &d.data.storages[i])
		}
		for i := range d.data.tables {
			d.tables.PutIn(b, &d.data.tables[i])
		}
		for i := range d.data.users {
			d.users.PutIn(b, &d.data.users[i])
		}
		for i := range d.data.jobs {
			d.jobs.PutIn(b, &d.data.jobs[i])
		}
		fmt.Fprintf(w, "  one atomic batch of %s rows (seed %d)\n", thousands(b.Len()), d.cfg.seed)
		if err := b.Commit(); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(w, "  reused: nothing to load")
	}
	t := newTable(w, "table", "rows", "key", "secondary indexes")
	for _, r := range []struct {
		name, key, indexes string
		count              func() (int, error)
	}{
		{"system.namespaces", "namespace_id", "-", func() (int, error) { return d.namespaces.Count(d.namespaces.All()) }},
		{"system.storages", "storage_id", "-", func() (int, error) { return d.storages.Count(d.storages.All()) }},
		{"system.tables", "(namespace_id, table_name)", "by_storage", func() (int, error) { return d.tables.Count(d.tables.All()) }},
		{"system.users", "username", "by_user_id (unique), by_email (unique), by_role", func() (int, error) { return d.users.Count(d.users.All()) }},
		{"system.jobs", "job_id", "by_status, by_idempotency_key (unique), by_table", func() (int, error) { return d.jobs.Count(d.jobs.All()) }},
	} {
		n, err := r.count()
		if err != nil {
			return err
		}
		t.row(r.name, thousands(n), r.key, r.indexes)
	}
	return t.flush()
}

func loadChatStep(ctx context.Context, d *demo, w io.Writer) error {
	if d.load {
		if err := loadChat(ctx, d, w); err != nil {
			return err
		}
		if err := writeMarker(&d.cfg, true); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(w, "  reused: nothing to load; the rows an earlier run flushed to Parquet are no longer hot, so they are not counted here")
	}
	convs, err := d.conversations.Count(d.conversations.All())
	if err != nil {
		return err
	}
	msgs, err := d.messagesProvider()
	if err != nil {
		return err
	}
	// A scan that projects no column decodes nothing: it counts rows.
	rdr, err := msgs.Scan(ctx, scan.Request{Columns: []string{}})
	if err != nil {
		return err
	}
	defer rdr.Release()
	rows, err := countRecords(rdr)
	if err != nil {
		return err
	}
	// The cross-owner view seeks from one owner's key prefix to the next
	// instead of reading their rows.
	owners := 0
	for _, err := range d.messages.AllOwners().Owners() {
		if err != nil {
			return err
		}
		owners++
	}
	t := newTable(w, "table", "kind", "rows", "owners", "key")
	t.row("chat.conversations", "shared", thousands(convs), "-", "row_id")
	t.row("chat.messages", "user", thousands(rows), thousands(owners), "owner + row_id")
	return t.flush()
}

// loadChat writes the conversations and then every member's copy of every
// message, in the order they were sent, messageBatchRows rows per batch,
// with a progress bar on a terminal.
func loadChat(ctx context.Context, d *demo, w io.Writer) error {
	start := time.Now()
	b := d.db.NewBatch()
	for i := range d.data.conversations {
		d.conversations.PutIn(b, &d.data.conversations[i])
	}
	if err := b.Commit(); err != nil {
		return err
	}
	owners := map[string]*chat.MessageOwnerStore{}
	bar := newProgress(d.cfg.progress, d.data.rows, "chat.messages")
	batches := 0
	for i := range d.data.messages {
		m := &d.data.messages[i]
		for _, owner := range d.data.members[d.data.messageConv[i]] {
			s := owners[owner]
			if s == nil {
				var err error
				if s, err = d.messages.For(owner); err != nil {
					return err
				}
				owners[owner] = s
			}
			s.PutIn(b, m)
		}
		if b.Len() >= messageBatchRows || i == len(d.data.messages)-1 {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := b.Len()
			if err := b.Commit(); err != nil {
				return err
			}
			batches++
			bar.add(n)
		}
	}
	bar.finish()
	elapsed := time.Since(start)
	fmt.Fprintf(w, "  %s conversations, then %s messages stored once per member: %s rows owned by %s users\n",
		thousands(len(d.data.conversations)), thousands(len(d.data.messages)), thousands(d.data.rows), thousands(len(owners)))
	fmt.Fprintf(w, "  %d batches of up to %d rows, each row with its index entries; %s rows/s\n",
		batches, messageBatchRows, thousands(int(float64(d.data.rows)/elapsed.Seconds())))
	return nil
}

// messagesProvider is the Arrow scan provider of chat.messages.
func (d *demo) messagesProvider() (*scan.Provider, error) {
	return provider(d.db, chat.MessageSpec())
}

func userRow(t *table, u system.User) {
	t.row(u.Username, u.UserID, u.Role.String(), optString(u.Email), u.AuthType.String(), ts(u.CreatedAt), optTS(u.LastLoginAt))
}

func userHeader(w io.Writer) *table {
	return newTable(w, "username", "user_id", "role", "email", "auth_type", "created_at", "last_login_at")
}

func lookupKeyStep(_ context.Context, d *demo, w io.Writer) error {
	u, err := d.users.Get(castNewDBA)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  users.Get(%q):\n", castNewDBA)
	t := userHeader(w)
	userRow(t, u)
	if err := t.flush(); err != nil {
		return err
	}
	_, err = d.users.Get("no.such.user")
	if !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("users.Get of a missing user returned %v, want an error wrapping store.ErrNotFound", err)
	}
	fmt.Fprintf(w, "  users.Get(\"no.such.user\"): errors.Is(err, store.ErrNotFound) — %v\n", err)
	return nil
}

func lookupUniqueStep(_ context.Context, d *demo, w io.Writer) error {
	grace, err := d.users.Get(castNewDBA)
	if err != nil {
		return err
	}
	byID, err := d.users.GetByUserID(grace.UserID)
	if err != nil {
		return err
	}
	email := castUser + "@example.com"
	byEmail, err := d.users.GetByEmail(email)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  users.GetByUserID(%q) and users.GetByEmail(%q):\n", grace.UserID, email)
	t := userHeader(w)
	userRow(t, byID)
	userRow(t, byEmail)
	if err := t.flush(); err != nil {
		return err
	}
	// A unique index refuses a second row with the same value, and the
	// refused Put writes nothing.
	dup := system.User{UserID: "u_duplicate", Username: "alan.impostor", Email: &email, CreatedAt: demoNow}
	err = d.users.Put(&dup)
	var uv *store.UniqueViolationError
	if !errors.As(err, &uv) {
		return fmt.Errorf("a second user with email %s was not refused (err = %v); the unique index by_email should refuse it", email, err)
	}
	fmt.Fprintf(w, "  users.Put of a second user with that email: *store.UniqueViolationError — %v\n", err)
	return nil
}

func runningJobsStep(_ context.Context, d *demo, w io.Writer) error {
	fmt.Fprintln(w, "  jobs.ScanByStatus(system.JobStatusRunning, store.ScanOptions{Reverse: true, Limit: 10}):")
	t := newTable(w, "job_id", "job_type", "table", "node_id", "created_at", "started_at")
	for j, err := range d.jobs.ScanByStatus(system.JobStatusRunning, store.ScanOptions{Reverse: true, Limit: 10}) {
		if err != nil {
			return err
		}
		table := "-"
		if j.NamespaceID != nil && j.TableName != nil {
			table = *j.NamespaceID + "." + *j.TableName
		}
		t.row(j.JobID, j.JobType.String(), table, optString(j.NodeID), ts(j.CreatedAt), optTS(j.StartedAt))
	}
	return t.flush()
}

func conversationStep(_ context.Context, d *demo, w io.Writer) error {
	alan, err := d.users.Get(castUser)
	if err != nil {
		return err
	}
	mine, err := d.messages.For(alan.UserID)
	if err != nil {
		return err
	}
	total, err := mine.Count(mine.All())
	if err != nil {
		return err
	}
	// Row ids are time-ordered, so a reverse key scan starts at the newest row.
	var latest chat.Message
	found := false
	for m, err := range mine.Scan(mine.All(), store.ScanOptions{Reverse: true, Limit: 1}) {
		if err != nil {
			return err
		}
		latest, found = m, true
	}
	switch {
	case !found && d.load:
		return fmt.Errorf("the load wrote no message of %s; the data set always gives the cast messages", castUser)
	case !found:
		fmt.Fprintf(w, "  %s has no hot messages: the run that loaded them flushed them to Parquet (step %q reads them)\n", castUser, "Flush chat.messages")
		return nil
	}
	conv, err := d.conversations.Get(chat.RowID(latest.ConversationID))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %s (%s) owns %s rows of chat.messages; the newest is in %q (conversation %d, %d members)\n",
		castUser, alan.UserID, thousands(total), conv.Title, conv.RowID, conv.MemberCount)
	fmt.Fprintf(w, "  messages.For(%q).ScanByConversation(%d, store.ScanOptions{Reverse: true, Limit: 8}):\n", alan.UserID, conv.RowID)
	names := map[string]string{}
	t := newTable(w, "sent_at", "sender", "role", "content")
	for m, err := range mine.ScanByConversation(conv.RowID, store.ScanOptions{Reverse: true, Limit: 8}) {
		if err != nil {
			return err
		}
		name, ok := names[m.SenderID]
		if !ok {
			u, err := d.users.GetByUserID(m.SenderID)
			if err != nil {
				return fmt.Errorf("sender %s of message %d: %w", m.SenderID, m.RowID, err)
			}
			name, names[m.SenderID] = u.Username, u.Username
		}
		t.row(ts(m.SentAt), name, m.Role.String(), m.Content)
	}
	return t.flush()
}

// scanTo runs one provider scan, compiling the SQL-style filter src with
// runtime/where against the provider's table, and prints its plan and rows.
func scanTo(ctx context.Context, w io.Writer, p *scan.Provider, src string, req scan.Request) error {
	l := p.Layout()
	var err error
	if req.Filter, err = where.Compile(src, &l); err != nil {
		return err
	}
	plan, err := p.Plan(req.Filter)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  WHERE %s\n", src)
	fmt.Fprintf(w, "  filter pushdown: %s\n", p.SupportsFilters([]scan.Expr{req.Filter})[0])
	printPlan(w, plan)
	rdr, err := p.Scan(ctx, req)
	if err != nil {
		return err
	}
	defer rdr.Release()
	n, err := printRecords(w, rdr)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  %d rows (limit %d)\n", n, req.Limit)
	return nil
}

func usersProviderStep(ctx context.Context, d *demo, w io.Writer) error {
	p, err := provider(d.db, system.UserSpec())
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  the provider of system.users: an Arrow schema of %d columns; projecting 4 of them\n", p.Schema().NumFields())
	return scanTo(ctx, w, p, "role = 'dba' AND created_at >= '2026-01-01T00:00:00Z'", scan.Request{
		Columns: []string{"username", "role", "email", "created_at"},
		Limit:   20,
	})
}

// printPlan says how a scan reads: which key range or index, which
// predicates the range implements, and what is still checked per row.
func printPlan(w io.Writer, plan *scan.Plan) {
	how := plan.Access.String()
	if plan.Index != "" {
		how += " " + plan.Index
	}
	fmt.Fprintf(w, "  plan: %s\n", how)
	for _, u := range plan.Used {
		fmt.Fprintf(w, "    range implements: %s\n", u)
	}
	if plan.Residual != nil {
		fmt.Fprintf(w, "    checked per row:  %s\n", plan.Residual)
	}
}

func messagesProviderStep(ctx context.Context, d *demo, w io.Writer) error {
	p, err := d.messagesProvider()
	if err != nil {
		return err
	}
	l := p.Layout()
	fmt.Fprintln(w, "  every owner's rows (no scope, what an administrative export reads), projecting no column to count:")
	t := newTable(w, "filter", "plan", "rows")
	for _, src := range []string{"role = 'user'", "role = 'assistant'", "role = 'system'", "attachments IS NOT NULL"} {
		f, err := where.Compile(src, &l)
		if err != nil {
			return err
		}
		plan, err := p.Plan(f)
		if err != nil {
			return err
		}
		rdr, err := p.Scan(ctx, scan.Request{Columns: []string{}, Filter: f})
		if err != nil {
			return err
		}
		n, err := countRecords(rdr)
		rdr.Release()
		if err != nil {
			return err
		}
		t.row(src, plan.Access.String(), thousands(n))
	}
	if err := t.flush(); err != nil {
		return err
	}
	alan, err := d.users.Get(castUser)
	if err != nil {
		return err
	}
	mine, err := d.messages.For(alan.UserID)
	if err != nil {
		return err
	}
	var conv int64
	for m, err := range mine.Scan(mine.All(), store.ScanOptions{Reverse: true, Limit: 1}) {
		if err != nil {
			return err
		}
		conv = m.ConversationID
	}
	fmt.Fprintf(w, "\n  one owner's rows (%s): the filter on conversation_id becomes a range of index by_conversation\n", castUser)
	// The owner's provider reads only the keys prefixed by the owner's
	// encoded user id: its rows and its index entries.
	all, err := provider(d.db, chat.MessageSpec())
	if err != nil {
		return err
	}
	scope, err := store.OwnerScope(alan.UserID)
	if err != nil {
		return err
	}
	scoped := all.WithScope(scope)
	return scanTo(ctx, w, scoped, "conversation_id = "+strconv.FormatInt(conv, 10)+" AND role = 'user' AND sent_at >= '2026-01-01T00:00:00Z'",
		scan.Request{Columns: []string{"sent_at", "sender_id", "content"}, Limit: 5})
}
