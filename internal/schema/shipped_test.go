package schema_test

import (
	"testing"

	"github.com/tablegen/tablegen/internal/schema"
)

// TestShippedSchemas loads schemas/ (what the project generates from) and
// pins the properties the rest of the project relies on: it loads without
// errors, table ids are stable, the reference design's six key types exist
// and are used, every kind appears, and everything is documented.
func TestShippedSchemas(t *testing.T) {
	s, err := schema.Load("../../schemas")
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, s)
	wantIDs := map[string]uint32{
		"system.users": 1, "system.namespaces": 2, "system.tables": 3, "system.storages": 4,
		"system.jobs": 5, "system.live_queries": 6, "system.audit_log": 7,
		"chat.conversations": 8, "chat.messages": 9, "chat.typing_events": 10,
	}
	if len(s.Tables) != len(wantIDs) {
		t.Errorf("%d tables, want %d", len(s.Tables), len(wantIDs))
	}
	keyTypes := map[string]int{}
	kinds := map[schema.Kind]int{}
	for _, tb := range s.Tables {
		if id, ok := wantIDs[tb.FullName()]; !ok || id != tb.ID {
			t.Errorf("%s has id %d, want %d (table ids never change)", tb.FullName(), tb.ID, id)
		}
		keyTypes[tb.Key.Name]++
		kinds[tb.Kind]++
		if tb.Doc == "" {
			t.Errorf("%s has no doc", tb.FullName())
		}
		for _, c := range tb.Columns {
			if c.Doc == "" {
				t.Errorf("%s.%s has no doc", tb.FullName(), c.Name)
			}
		}
		for _, x := range tb.Indexes {
			if x.Doc == "" {
				t.Errorf("%s index %s has no doc", tb.FullName(), x.Name)
			}
		}
	}
	for _, k := range []string{"RowId", "UserRowId", "TableId", "JobId", "LiveQueryId", "UserName"} {
		if keyTypes[k] == 0 {
			t.Errorf("key type %s is not used by any table", k)
		}
	}
	for _, k := range []schema.Kind{schema.KindSystem, schema.KindShared, schema.KindUser, schema.KindStream} {
		if kinds[k] == 0 {
			t.Errorf("no %s table", k)
		}
	}
	tables := find(t, s, "system", "tables")
	if got := tables.Key.Columns; len(got) != 2 || got[0].Name != "namespace_id" || got[1].Name != "table_name" {
		t.Errorf("system.tables key = %v, want TableId(namespace_id, table_name)", got)
	}
	lq := find(t, s, "system", "live_queries")
	if got := lq.Key.Columns; len(got) != 3 || got[0].Name != "user_id" || got[1].Name != "connection_id" || got[2].Name != "subscription_id" {
		t.Errorf("system.live_queries key = %v, want LiveQueryId(user_id, connection_id, subscription_id)", got)
	}
	if te := find(t, s, "chat", "typing_events"); te.TTL.String() != "30s" {
		t.Errorf("chat.typing_events ttl = %s, want 30s", te.TTL)
	}
}

func find(t *testing.T, s *schema.Schema, ns, name string) *schema.Table {
	t.Helper()
	for _, tb := range s.Tables {
		if tb.Namespace == ns && tb.Name == name {
			return tb
		}
	}
	t.Fatalf("no table %s.%s", ns, name)
	return nil
}
