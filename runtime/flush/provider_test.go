package flush_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/internal/fixture/chat"
	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// TestProviderScanReadsColdRows is issue 17's "provider scans see hot and
// cold as one table" and issue 19's "streams are hot + cold": once a flush
// moved rows, Provider.Scan and the guarded scan a Flight endpoint serves
// return them; Request.HotOnly skips them; and a DB with flushed rows but no
// executor attached refuses the scan rather than returning the hot rows
// alone.
func TestProviderScanReadsColdRows(t *testing.T) {
	dir, root := t.TempDir(), t.TempDir()
	db := openDB(t, dir)
	fillMessages(t, db, 10)
	p := messagesProvider(t, db)
	before := scanProvider(t, p, scan.Request{})
	e := newExecutor(t, db, root, nil)
	if got, err := flush.RecordedRoot(db); err != nil || got != root {
		t.Fatalf("RecordedRoot = %q, %v; want %q, the root New recorded", got, err, root)
	}
	if _, err := e.FlushOwner(context.Background(), p, "alice"); err != nil {
		t.Fatal(err)
	}
	if got := scanProvider(t, p, scan.Request{}); !slices.Equal(got, before) {
		t.Fatalf("Provider.Scan after the flush: %d rows, want the %d from before", len(got), len(before))
	}
	hot := scanProvider(t, p, scan.Request{HotOnly: true})
	if want := len(before) - 10; len(hot) != want {
		t.Fatalf("HotOnly scan: %d rows, want %d (alice's 10 are cold)", len(hot), want)
	}

	// The guarded scan: a user reads its own flushed rows.
	l := chat.MessageSpec().Layout
	g, err := scan.NewGuarded(p, access.PolicyOf(&l, ""))
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := g.Scan(context.Background(), scan.ActorRequest{Actor: access.Actor{UserID: "alice", Role: access.RoleUser}})
	if err != nil {
		t.Fatal(err)
	}
	mine := render(t, rdr)
	rdr.Release()
	want := scanProvider(t, p.WithScope(keyenc.AppendString(nil, "alice")), scan.Request{HotOnly: false})
	if len(mine) != 10 || !slices.Equal(mine, want) {
		t.Fatalf("guarded scan as alice: %d rows, want her 10 flushed rows", len(mine))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened without an executor: the flushed rows cannot be read, and
	// the scan says so instead of returning 50 of 60 rows.
	db = openDB(t, dir)
	p = messagesProvider(t, db)
	if _, err := p.Scan(context.Background(), scan.Request{}); !errors.Is(err, store.ErrNoColdReader) {
		t.Fatalf("Provider.Scan of a flushed table with no executor: %v, want ErrNoColdReader", err)
	}
	if got := scanProvider(t, p, scan.Request{HotOnly: true}); !slices.Equal(got, hot) {
		t.Fatalf("HotOnly scan with no executor: %d rows, want %d", len(got), len(hot))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Read-only (tablegen inspect): the executor reads, recovery writes
	// nothing (a leftover temporary file stays), and the union is the same.
	leftover := filepath.Join(e.TableDir(&l), flush.ManifestName+".tmp")
	if err := os.WriteFile(leftover, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	ro, err := store.Open(dir, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	p = messagesProvider(t, ro)
	re := newExecutor(t, ro, root, nil)
	if got := scanProvider(t, p, scan.Request{}); !slices.Equal(got, before) {
		t.Fatalf("read-only Provider.Scan: %d rows, want %d", len(got), len(before))
	}
	if _, err := re.Recover(p); err != nil {
		t.Fatalf("recovery on a read-only database: %v", err)
	}
	if _, err := os.Stat(leftover); err != nil {
		t.Fatalf("recovery on a read-only database changed the cold root: %v", err)
	}
}
