package main

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/tablegen/tablegen/generated/system"
)

// TestDatasetInvariants checks, for any seed and size the flags accept, what
// the steps rely on and what would make the load fail: unique keys and
// unique index values, the cast, a row for every step to show, and messages
// that belong to their conversation.
func TestDatasetInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := config{
			seed:     rapid.Uint64().Draw(t, "seed"),
			users:    rapid.IntRange(minUsers, 300).Draw(t, "users"),
			messages: rapid.IntRange(minMessages, 3000).Draw(t, "messages"),
		}
		d := newDataset(c, "parquet")
		if len(d.users) != c.users {
			t.Fatalf("%d users, want %d", len(d.users), c.users)
		}
		if d.rows < c.messages {
			t.Fatalf("%d message rows, want at least %d", d.rows, c.messages)
		}
		names, ids, emails := map[string]bool{}, map[string]string{}, map[string]bool{}
		newDBA := false
		for _, u := range d.users {
			if names[u.Username] || ids[u.UserID] != "" {
				t.Fatalf("duplicate username %q or user id %q", u.Username, u.UserID)
			}
			names[u.Username], ids[u.UserID] = true, u.Username
			if u.Email != nil {
				if emails[*u.Email] {
					t.Fatalf("duplicate email %q", *u.Email)
				}
				emails[*u.Email] = true
			}
			if u.CreatedAt.After(demoNow) || (u.LastLoginAt != nil && u.LastLoginAt.Before(u.CreatedAt)) {
				t.Fatalf("user %s: times out of order: created %v, last login %v", u.Username, u.CreatedAt, u.LastLoginAt)
			}
			if u.Role == system.UserRoleDba && !u.CreatedAt.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
				newDBA = true
			}
		}
		for _, cast := range []string{castSystem, castAssistant, castDBA, castNewDBA, castUser} {
			if !names[cast] {
				t.Fatalf("the cast lacks %s", cast)
			}
		}
		if !emails[castUser+"@example.com"] || !newDBA {
			t.Fatalf("no email for %s, or no dba created in 2026 (the provider scan step's rows)", castUser)
		}
		running := 0
		for _, j := range d.jobs {
			if j.Status == system.JobStatusRunning {
				running++
			}
		}
		if running == 0 {
			t.Fatal("no running job for the index scan step")
		}
		rows := 0
		for i, m := range d.messages {
			ci := d.messageConv[i]
			members := d.members[ci]
			rows += len(members)
			if i > 0 && m.SentAt.Before(d.messages[i-1].SentAt) {
				t.Fatalf("messages %d and %d are not in the order they were sent", i-1, i)
			}
			if m.SentAt.Before(d.conversations[ci].CreatedAt) || m.SentAt.After(demoNow) {
				t.Fatalf("message %d sent at %v, outside its conversation's life", i, m.SentAt)
			}
			if ids[m.SenderID] == castSystem {
				continue
			}
			if !slices.Contains(members, m.SenderID) {
				t.Fatalf("message %d is from %s, who is not a member of conversation %d", i, m.SenderID, ci)
			}
		}
		if rows != d.rows {
			t.Fatalf("rows = %d, but the messages have %d copies", d.rows, rows)
		}
	})
}

// TestAssignIDsFollowsEventTime checks that row ids are unique and sort as
// their rows' event times do, which is what lets a reverse key scan read the
// newest rows first.
func TestAssignIDsFollowsEventTime(t *testing.T) {
	d := newDataset(config{seed: 7, users: 40, messages: 1500}, "parquet")
	if err := assignIDs(d, filepath.Join(t.TempDir(), "rowid.mark")); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for i, m := range d.messages {
		if seen[m.RowID] || m.RowID <= 0 {
			t.Fatalf("message %d: row id %d is zero or repeated", i, m.RowID)
		}
		seen[m.RowID] = true
		if i > 0 && m.RowID <= d.messages[i-1].RowID {
			t.Fatalf("message %d (sent %v) has id %d, not above its predecessor's %d (sent %v)", i, m.SentAt, m.RowID, d.messages[i-1].RowID, d.messages[i-1].SentAt)
		}
		if want := d.conversations[d.messageConv[i]].RowID; m.ConversationID != want {
			t.Fatalf("message %d points at conversation %d, want %d", i, m.ConversationID, want)
		}
	}
	for i := 1; i < len(d.jobs); i++ {
		if d.jobs[i].JobID <= d.jobs[i-1].JobID {
			t.Fatalf("job ids %q and %q are not in creation order", d.jobs[i-1].JobID, d.jobs[i].JobID)
		}
	}
}
