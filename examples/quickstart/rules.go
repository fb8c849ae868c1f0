package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/generated/system"
	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// accessStep scans through the generated guards: each scan names its actor,
// the table's policy (from its YAML kind and access level) decides what the
// actor may read, and a refusal is an error, never an empty result.
func accessStep(ctx context.Context, d *demo, w io.Writer) error {
	actor := func(username string, role access.Role) (access.Actor, error) {
		u, err := d.users.Get(system.UserName(username))
		return access.Actor{UserID: u.UserID, Role: role}, err
	}
	alan, err := actor(castUser, access.RoleUser)
	if err != nil {
		return err
	}
	ada, err := actor(castDBA, access.RoleDBA)
	if err != nil {
		return err
	}
	mp, err := provider(d.db, chat.MessageSpec())
	if err != nil {
		return err
	}
	messages, err := guarded(mp, chat.MessageSpec())
	if err != nil {
		return err
	}
	up, err := provider(d.db, system.UserSpec())
	if err != nil {
		return err
	}
	users, err := guarded(up, system.UserSpec())
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  actor\ttable\trequest\tresult")
	for _, c := range []struct {
		who     string
		actor   access.Actor
		table   string
		g       *scan.Guarded
		all     bool
		allowed bool
	}{
		{castUser + " (user)", alan, "chat.messages", messages, false, true},
		{castUser + " (user)", alan, "chat.messages", messages, true, false},
		{castDBA + " (dba)", ada, "chat.messages", messages, true, true},
		{castUser + " (user)", alan, "system.users", users, false, false},
		{castDBA + " (dba)", ada, "system.users", users, false, true},
	} {
		request := "own rows"
		if c.all {
			request = "AllOwners"
		}
		if c.table == "system.users" {
			request = "every row"
		}
		rdr, err := c.g.Scan(ctx, scan.ActorRequest{Actor: c.actor, AllOwners: c.all, Request: scan.Request{Columns: []string{}}})
		var denied *access.DeniedError
		switch {
		case err == nil && c.allowed:
			n, err := countRecords(rdr)
			rdr.Release()
			if err != nil {
				return err
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s rows\n", c.who, c.table, request, thousands(n))
		case errors.As(err, &denied) && !c.allowed:
			fmt.Fprintf(tw, "  %s\t%s\t%s\trefused: %s\n", c.who, c.table, request, denied.Reason)
		default:
			if rdr != nil {
				rdr.Release()
			}
			return fmt.Errorf("%s scanning %s (%s): got err = %v, want allowed = %t", c.who, c.table, request, err, c.allowed)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = messages.Scan(ctx, scan.ActorRequest{Actor: alan, AllOwners: true, Request: scan.Request{Columns: []string{}}})
	fmt.Fprintf(w, "  the refusal is an error to check with errors.As(err, new(*access.DeniedError)):\n  %v\n", err)
	return nil
}

// Typing events of the expiry step: one every typingEvery over typingSpan,
// from typingUsers users.
const (
	typingSpan  = 90 * time.Second
	typingEvery = 250 * time.Millisecond
	typingUsers = 36
)

// expiryStep writes a burst of chat.typing_events (a stream table with a 30 s
// TTL) and runs its clock forward: reads hide rows past their TTL at once,
// and Expire deletes them, one range deletion per owner.
func expiryStep(ctx context.Context, d *demo, w io.Writer) error {
	now := demoNow
	events := d.typing.WithClock(func() time.Time { return now })
	var owners []system.User
	for u, err := range d.users.ScanByRole(system.UserRoleUser, store.ScanOptions{Limit: typingUsers}) {
		if err != nil {
			return err
		}
		owners = append(owners, u)
	}
	var convs []int64
	for c, err := range d.conversations.Scan(d.conversations.All(), store.ScanOptions{Limit: 8}) {
		if err != nil {
			return err
		}
		convs = append(convs, c.RowID)
	}
	if len(owners) == 0 || len(convs) == 0 {
		return errors.New("no users or conversations to type in; the data set was not loaded")
	}
	b := d.db.NewBatch()
	n := int(typingSpan / typingEvery)
	for i := range n {
		u := owners[i%len(owners)]
		s, err := events.For(u.UserID)
		if err != nil {
			return err
		}
		ev := chat.TypingEvent{
			OccurredAt:     now.Add(-typingSpan + time.Duration(i)*typingEvery),
			ConversationID: convs[i%len(convs)],
			UserID:         u.UserID,
			State:          chat.TypingEventState(i / len(owners) % 2),
		}
		s.PutIn(b, &ev)
	}
	if err := b.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(w, "  wrote %d chat.typing_events of %d users, one every %s in the %s before %s; TTL %s\n",
		n, len(owners), typingEvery, typingSpan, ts(now), chat.TypingEventTTL)
	// Every read path hides expired rows. A view whose clock stands at the
	// zero time has nothing expired yet, so it counts what is stored; the
	// demo's clock counts what is alive.
	everything := d.typing.WithClock(func() time.Time { return time.Time{} })
	count := func(s *chat.TypingEventStore) (int, error) {
		n := 0
		for _, err := range s.AllOwners().Scan(store.ScanOptions{}) {
			if err != nil {
				return 0, err
			}
			n++
		}
		return n, nil
	}
	stored := func() (int, error) { return count(everything) }
	live := func() (int, error) { return count(events) }
	t := newTable(w, "clock", "stored rows", "rows reads return", "Expire(clock) removed")
	row := func(removed string) error {
		s, err := stored()
		if err != nil {
			return err
		}
		l, err := live()
		if err != nil {
			return err
		}
		t.row(ts(now), thousands(s), thousands(l), removed)
		return nil
	}
	for _, advance := range []time.Duration{0, 20 * time.Second} {
		now = now.Add(advance)
		if err := row("not run yet"); err != nil {
			return err
		}
		removed, err := events.Expire(now)
		if err != nil {
			return err
		}
		if err := row(thousands(removed)); err != nil {
			return err
		}
	}
	return t.flush()
}
