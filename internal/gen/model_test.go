package gen

import (
	"fmt"
	"time"

	"github.com/tablegen/tablegen/internal/schema"
)

// This file builds schema models by hand, the way the loader would, so the
// generator can be tested on its own: every column type, every table kind,
// nullable variants, composite and descending keys, a key type shared by two
// tables, and unique, sparse and composite indexes.

// tb builds one table.
type tb struct{ t *schema.Table }

func table(ns, name string, id uint32, kind schema.Kind, entity string) *tb {
	file := fmt.Sprintf("schemas/%s/%s.yaml", ns, name)
	return &tb{t: &schema.Table{
		Pos: schema.Pos{File: file, Line: 1, Column: 1}, File: file,
		Namespace: ns, Name: name, ID: id, Kind: kind, Entity: entity,
	}}
}

func (b *tb) doc(d string) *tb { b.t.Doc = d; return b }

func (b *tb) col(name string, typ schema.Type, nullable bool, values ...string) *tb {
	b.t.Columns = append(b.t.Columns, &schema.Column{
		Pos:  schema.Pos{File: b.t.File, Line: 10 + len(b.t.Columns), Column: 5},
		Name: name, GoName: schema.GoName(name), Tag: int32(len(b.t.Columns) + 1),
		Type: typ, Nullable: nullable, Values: values,
	})
	return b
}

// dec adds a decimal(p,s) column.
func (b *tb) dec(name string, p, s int32, nullable bool) *tb {
	b.col(name, schema.TypeDecimal, nullable)
	c := b.t.Columns[len(b.t.Columns)-1]
	c.Precision, c.Scale = p, s
	return b
}

// key declares the key type; a column name prefixed by "-" sorts descending.
func (b *tb) key(name, goName string, cols ...string) *tb {
	k := &schema.KeyType{Pos: schema.Pos{File: b.t.File, Line: 5, Column: 6}, Name: name, GoName: goName}
	for _, c := range cols {
		desc := c[0] == '-'
		if desc {
			c = c[1:]
		}
		k.Columns = append(k.Columns, b.t.Column(c))
		k.Desc = append(k.Desc, desc)
	}
	b.t.Key = k
	return b
}

func (b *tb) index(name string, id uint32, unique bool, cols ...string) *tb {
	ix := &schema.Index{Pos: schema.Pos{File: b.t.File, Line: 40 + int(id), Column: 5}, Name: name, GoName: schema.GoName(name), ID: id, Unique: unique}
	for _, c := range cols {
		col := b.t.Column(c)
		ix.Columns = append(ix.Columns, col)
		ix.Sparse = ix.Sparse || col.Nullable
	}
	b.t.Indexes = append(b.t.Indexes, ix)
	return b
}

// fullSchema exercises everything the generator emits.
func fullSchema() *schema.Schema {
	jobs := table("demo", "jobs", 5, schema.KindSystem, "Job").
		doc("Background jobs and their state.\n\nA job runs once per idempotency key.").
		col("job_id", schema.TypeString, false).
		col("status", schema.TypeEnum, false, "new", "queued", "running", "completed", "failed").
		col("parameters", schema.TypeJSON, true).
		col("created_at", schema.TypeTimestamp, false).
		col("idempotency_key", schema.TypeString, true).
		col("retry_count", schema.TypeInt32, false).
		col("priority", schema.TypeInt64, true).
		col("weight", schema.TypeFloat64, false).
		col("ratio", schema.TypeFloat64, true).
		col("flags", schema.TypeUint64, false).
		col("timeout", schema.TypeDuration, true).
		col("elapsed", schema.TypeDuration, false).
		col("enabled", schema.TypeBool, false).
		col("cancelled", schema.TypeBool, true).
		col("payload", schema.TypeBytes, false).
		col("result", schema.TypeBytes, true).
		col("trace_id", schema.TypeUUID, true).
		col("worker_id", schema.TypeUUID, false).
		col("attempt", schema.TypeInt32, true).
		col("budget", schema.TypeUint64, true).
		col("finished_at", schema.TypeTimestamp, true).
		col("outcome", schema.TypeEnum, true, "ok", "error", "api_timeout").
		col("config", schema.TypeJSON, false).
		col("name", schema.TypeString, false).
		col("label", schema.TypeInt64, false).
		key("JobId", "JobID", "job_id").
		index("by_status", 1, false, "status", "created_at").
		index("by_idempotency_key", 2, true, "idempotency_key").
		index("by_worker", 3, false, "worker_id", "attempt", "enabled")
	jobs.t.Columns[0].Doc = "Unique id of the job."

	tables := table("demo", "tables", 6, schema.KindShared, "Table").
		col("namespace_id", schema.TypeString, false).
		col("table_name", schema.TypeString, false).
		col("schema_version", schema.TypeInt32, false).
		col("options", schema.TypeJSON, true).
		key("TableId", "TableID", "namespace_id", "table_name").
		index("by_version", 1, false, "schema_version")
	stats := table("demo", "table_stats", 7, schema.KindShared, "TableStat").
		col("namespace_id", schema.TypeString, false).
		col("table_name", schema.TypeString, false).
		col("rows", schema.TypeUint64, false).
		key("TableId", "TableID", "namespace_id", "table_name")

	messages := table("demo", "messages", 8, schema.KindUser, "Message").
		doc("Chat messages, partitioned by owner.").
		col("conversation_id", schema.TypeUUID, false).
		col("sent_at", schema.TypeTimestamp, false).
		col("seq", schema.TypeInt64, false).
		col("sender", schema.TypeString, false).
		col("body", schema.TypeString, false).
		col("client_id", schema.TypeString, true).
		col("kind", schema.TypeEnum, false, "text", "image", "system").
		key("MessageKey", "MessageKey", "conversation_id", "-sent_at", "seq").
		index("by_client_id", 1, true, "client_id").
		index("by_sender", 2, false, "sender", "sent_at").
		index("by_sender_kind", 3, true, "sender", "kind", "seq")

	typing := table("demo", "typing_events", 9, schema.KindStream, "TypingEvent").
		col("at", schema.TypeTimestamp, false).
		col("event_id", schema.TypeBytes, false).
		col("user_id", schema.TypeString, false).
		key("EventId", "EventID", "at", "event_id")
	typing.t.TTL = 30 * time.Second
	typing.t.OwnerType = schema.TypeUUID // typed owners compile and run (TestCompile)

	counters := table("demo", "counters", 10, schema.KindShared, "Counter").
		col("kind", schema.TypeEnum, false, "hits", "misses").
		col("active", schema.TypeBool, false).
		col("n", schema.TypeUint64, false).
		col("d", schema.TypeDuration, false).
		col("i", schema.TypeInt32, false).
		col("value", schema.TypeInt64, false).
		key("CounterKey", "CounterKey", "kind", "-active", "-n", "d", "-i")
	ticks := table("demo", "ticks", 11, schema.KindStream, "Tick").
		col("at", schema.TypeTimestamp, false).
		col("count", schema.TypeInt64, false).
		key("TickAt", "TickAt", "at")
	ticks.t.TTL = 90 * time.Minute
	ticks.t.MaxRowsPerOwner = 5
	ticks.t.OwnerType = schema.TypeInt64
	sessions := table("demo", "sessions", 12, schema.KindSystem, "Session").
		col("session_id", schema.TypeUUID, false).
		col("user_id", schema.TypeString, false).
		col("kind", schema.TypeEnum, false, "web", "cli").
		key("SessionId", "SessionID", "session_id").
		index("by_user", 1, false, "user_id", "kind")
	seqs := table("demo", "sequences", 13, schema.KindSystem, "Sequence").
		col("n", schema.TypeInt64, false).
		col("state", schema.TypeEnum, false, "a", "b").
		key("SequenceNo", "SequenceNo", "n")
	states := table("demo", "states", 14, schema.KindSystem, "State").
		col("state", schema.TypeEnum, false, "on", "off").
		col("flag", schema.TypeBool, false).
		key("StateKey", "StateKey", "state")

	prices := table("demo", "prices", 15, schema.KindShared, "Price").
		col("sku", schema.TypeString, false).
		dec("amount", 12, 2, false).
		dec("discount", 5, 4, true).
		dec("total", 38, 0, false).
		key("PriceKey", "PriceKey", "sku", "-amount").
		index("by_total", 1, false, "total", "sku").
		index("by_discount", 2, true, "discount")
	rates := table("demo", "rates", 16, schema.KindSystem, "Rate").
		dec("rate", 38, 10, false).
		col("name", schema.TypeString, false).
		key("RateValue", "RateValue", "rate")

	other := table("other", "items", 1, schema.KindSystem, "Item").
		col("item_id", schema.TypeInt64, false).
		col("name", schema.TypeString, false).
		key("ItemId", "ItemID", "item_id").
		index("by_name", 1, true, "name")

	var s schema.Schema
	for _, b := range []*tb{counters, jobs, messages, prices, rates, seqs, sessions, states, stats, tables, ticks, typing, other} {
		s.Tables = append(s.Tables, b.t)
	}
	return &s
}
