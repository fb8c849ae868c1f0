package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/generated/chat"
	"github.com/tablegen/tablegen/generated/system"
	"github.com/tablegen/tablegen/runtime/layout"
)

// demoNow is the data set's "now": every generated timestamp lies before it,
// so the same seed gives the same rows on any day. Scans filter against
// dates relative to it (created_at >= '2026-01-01T00:00:00Z').
var demoNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// The cast: users the steps look up by name. They exist in every data set,
// whatever -users and -seed say.
const (
	castSystem    = "system"
	castAssistant = "assistant"
	castDBA       = "ada.lovelace" // dba since 2024
	castNewDBA    = "grace.hopper" // dba created in January 2026, found by the provider scan
	castUser      = "alan.turing"  // an ordinary user; the owner whose messages the steps read
)

// dataset is every row the demo loads, generated from a seed. Messages are
// "logical": each is stored once per member of its conversation (chat.messages
// is a user table, and each member has a private copy), so the stored row
// count is rows, not len(messages).
type dataset struct {
	users         []system.User
	namespaces    []system.Namespace
	storages      []system.Storage
	tables        []system.Table
	jobs          []system.Job
	conversations []chat.Conversation
	members       [][]string // members[i]: user ids of conversations[i]
	messages      []chat.Message
	messageConv   []int // messageConv[i]: index in conversations of messages[i]
	rows          int   // stored chat.messages rows: the sum of members over messages
}

// generator draws the data set's values from one seeded source.
type generator struct {
	r   *rand.Rand
	out *dataset
}

// newDataset generates the data set for c. Row ids are left zero: they come
// from the row-id generator when the rows are loaded (see assignIDs).
func newDataset(c config, parquetDir string) *dataset {
	g := &generator{r: rand.New(rand.NewPCG(c.seed, 0x7461626c6567656e)), out: &dataset{}}
	g.users(c.users)
	g.catalog(parquetDir)
	g.jobs(max(40, c.users/2))
	g.conversations(max(8, c.users))
	g.messages(c.messages)
	return g.out
}

func (g *generator) between(lo, hi time.Time) time.Time {
	return lo.Add(time.Duration(g.r.Int64N(int64(hi.Sub(lo))))).Truncate(time.Microsecond)
}

func (g *generator) pick(words []string) string { return words[g.r.IntN(len(words))] }

func (g *generator) id(prefix string, n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	b := []byte(prefix)
	for range n {
		b = append(b, alphabet[g.r.IntN(len(alphabet))])
	}
	return string(b)
}

func ptr[T any](v T) *T { return &v }

var (
	firstNames = []string{"alex", "amara", "ben", "carla", "chen", "dana", "diego", "elif", "emma", "farah",
		"felix", "hana", "ivan", "jonas", "julia", "kai", "lara", "leon", "lina", "luca", "maya", "mei",
		"mila", "nadia", "noah", "omar", "priya", "rafael", "rosa", "sami", "sara", "theo", "tomas",
		"uma", "valentina", "wei", "yara", "yusuf", "zoe", "zeynep"}
	lastNames = []string{"abe", "adeyemi", "bauer", "costa", "dubois", "eriksen", "fischer", "garcia",
		"haddad", "ito", "jansen", "kowalski", "kumar", "larsen", "lopez", "moreau", "mueller", "nakamura",
		"novak", "okafor", "olsen", "park", "petrov", "quinn", "rossi", "santos", "schmidt", "silva",
		"singh", "tanaka", "varga", "wagner", "wang", "weber", "xu", "yilmaz", "young", "zhang", "ziegler", "zulu"}
	services = []string{"ingest", "notifier", "search-indexer", "billing-sync", "export", "webhook", "moderation", "metrics"}
)

// users generates n accounts: the cast, a few services, about 1% dbas and
// ordinary users, with the mix of authentication, emails, lockouts and soft
// deletes a real users table has.
func (g *generator) users(n int) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	taken := map[string]bool{}
	add := func(name string, role system.UserRole, created time.Time) *system.User {
		taken[name] = true
		u := system.User{
			UserID:    g.id("u_", 12),
			Username:  name,
			Role:      role,
			CreatedAt: created,
			UpdatedAt: created,
		}
		switch {
		case role == system.UserRoleSystem || role == system.UserRoleService:
			u.AuthType = system.UserAuthTypeInternal
			u.AuthData = json.RawMessage(fmt.Sprintf(`{"token_id":%q}`, g.id("tok_", 16)))
		case g.r.IntN(100) < 60:
			u.AuthType = system.UserAuthTypePassword
			salt := make([]byte, 16)
			hash := make([]byte, 32)
			for i := range salt {
				salt[i] = byte(g.r.UintN(256))
			}
			for i := range hash {
				hash[i] = byte(g.r.UintN(256))
			}
			enc := base64.RawStdEncoding
			u.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$" + enc.EncodeToString(salt) + "$" + enc.EncodeToString(hash)
		default:
			u.AuthType = system.UserAuthTypeOauth
			issuer := g.pick([]string{"https://accounts.google.com", "https://login.microsoftonline.com/common/v2.0", "https://github.com"})
			u.AuthData = json.RawMessage(fmt.Sprintf(`{"issuer":%q,"subject":%q}`, issuer, g.id("", 21)))
		}
		if role != system.UserRoleSystem && role != system.UserRoleService && g.r.IntN(100) < 90 {
			u.Email = ptr(name + "@example.com")
		}
		if role != system.UserRoleSystem {
			last := g.between(created, demoNow)
			u.LastSeen = ptr(last)
			if u.AuthType != system.UserAuthTypeInternal {
				u.LastLoginAt = ptr(last.Add(-time.Duration(g.r.IntN(3600)) * time.Second).Truncate(time.Microsecond))
				if u.LastLoginAt.Before(created) {
					u.LastLoginAt = ptr(created)
				}
			}
			u.UpdatedAt = last
		}
		if g.r.IntN(100) < 5 {
			u.StorageMode = system.UserStorageModeRegion
			u.StorageID = ptr("s3-eu")
		}
		if u.AuthType == system.UserAuthTypePassword && g.r.IntN(100) < 3 {
			u.FailedLoginAttempts = int32(5 + g.r.IntN(5))
			u.LockedUntil = ptr(demoNow.Add(time.Duration(g.r.IntN(30)) * time.Minute))
		}
		if role == system.UserRoleUser && g.r.IntN(100) < 2 {
			u.DeletedAt = ptr(g.between(created, demoNow))
		}
		g.out.users = append(g.out.users, u)
		return &g.out.users[len(g.out.users)-1]
	}
	add(castSystem, system.UserRoleSystem, start)
	add(castAssistant, system.UserRoleService, start.Add(time.Hour))
	for _, p := range []struct {
		name    string
		role    system.UserRole
		created time.Time
	}{
		{castDBA, system.UserRoleDba, time.Date(2024, 2, 12, 9, 30, 0, 0, time.UTC)},
		{castNewDBA, system.UserRoleDba, time.Date(2026, 1, 14, 16, 5, 0, 0, time.UTC)},
		{castUser, system.UserRoleUser, time.Date(2025, 6, 23, 11, 0, 0, 0, time.UTC)},
	} {
		// The people of the cast are active and have an email: the steps
		// look them up and read their messages.
		u := add(p.name, p.role, p.created)
		u.Email, u.DeletedAt = ptr(p.name+"@example.com"), nil
	}
	for i := len(g.out.users); i < n; i++ {
		role := system.UserRoleUser
		switch p := g.r.IntN(1000); {
		case p < 12:
			role = system.UserRoleDba
		case p < 50:
			role = system.UserRoleService
		}
		var name string
		if role == system.UserRoleService {
			name = fmt.Sprintf("%s-%d", g.pick(services), 1+g.r.IntN(99))
		} else {
			name = g.pick(firstNames) + "." + g.pick(lastNames)
		}
		for base, k := name, 2; taken[name]; k++ {
			name = fmt.Sprintf("%s%d", base, k)
		}
		add(name, role, g.between(start, demoNow.Add(-24*time.Hour)))
	}
}

// allLayouts are the layouts of every generated table: the catalog rows of
// system.tables describe them.
func allLayouts() []layout.Table {
	return []layout.Table{
		system.UserSpec().Layout, system.NamespaceSpec().Layout, system.TableSpec().Layout,
		system.StorageSpec().Layout, system.JobSpec().Layout, system.LiveQuerySpec().Layout,
		system.AuditEntrySpec().Layout, chat.ConversationSpec().Layout, chat.MessageSpec().Layout,
		chat.TypingEventSpec().Layout,
	}
}

// catalog generates system.namespaces, system.storages and system.tables
// from the generated tables' own layouts, so the catalog describes the
// database it lives in.
func (g *generator) catalog(parquetDir string) {
	created := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	g.out.storages = []system.Storage{
		{StorageID: "local", StorageName: "Local disk", Description: ptr("Parquet files next to the database; the default."),
			StorageType: system.StorageStorageTypeFilesystem, BaseDirectory: parquetDir,
			SharedTablesTemplate: "{namespace}/{table}", UserTablesTemplate: "{namespace}/{table}/{user_id}",
			CreatedAt: created, UpdatedAt: created},
		{StorageID: "s3-eu", StorageName: "S3 eu-central-1", Description: ptr("Users pinned to the EU region."),
			StorageType: system.StorageStorageTypeS3, BaseDirectory: "s3://acme-chat-eu/tables",
			Credentials:          json.RawMessage(`{"role_arn":"arn:aws:iam::123456789012:role/tablegen-flush"}`),
			SharedTablesTemplate: "{namespace}/{table}", UserTablesTemplate: "{namespace}/{table}/{user_id}",
			CreatedAt: created.Add(40 * 24 * time.Hour), UpdatedAt: created.Add(90 * 24 * time.Hour)},
		{StorageID: "gcs-archive", StorageName: "GCS archive", Description: ptr("Cold copies of audit data."),
			StorageType: system.StorageStorageTypeGcs, BaseDirectory: "gs://acme-archive/tablegen",
			Credentials:          json.RawMessage(`{"service_account":"flush@acme.iam.gserviceaccount.com"}`),
			SharedTablesTemplate: "{namespace}/{table}", UserTablesTemplate: "{namespace}/{table}/{user_id}",
			CreatedAt: created.Add(200 * 24 * time.Hour), UpdatedAt: created.Add(200 * 24 * time.Hour)},
	}
	perNS := map[string]int32{}
	for _, l := range allLayouts() {
		cols, err := json.Marshal(l.Columns)
		if err != nil {
			cols = json.RawMessage(`[]`) // unreachable: a Layout is plain data
		}
		t := system.Table{
			NamespaceID: l.Namespace, TableName: l.Name, SchemaVersion: 1, Columns: cols,
			Options:   json.RawMessage(`{"flush_policy":{"rows":100000},"compression":"zstd"}`),
			CreatedAt: created, UpdatedAt: created,
		}
		switch l.Kind {
		case "shared":
			t.TableType = system.TableTableTypeShared
			t.AccessLevel = ptr(system.TableAccessLevelPublic)
			t.StorageID = ptr("local")
		case "user":
			t.TableType = system.TableTableTypeUser
		case "stream":
			t.TableType = system.TableTableTypeStream
			t.TTL = ptr(30 * time.Second)
		default:
			t.TableType = system.TableTableTypeSystem
		}
		if l.FullName() == "system.audit_log" {
			t.StorageID = ptr("gcs-archive")
		}
		g.out.tables = append(g.out.tables, t)
		perNS[l.Namespace]++
	}
	for _, ns := range []struct{ id, name string }{{"chat", "Chat"}, {"system", "System"}} {
		g.out.namespaces = append(g.out.namespaces, system.Namespace{
			NamespaceID: ns.id, DisplayName: ns.name, TableCount: perNS[ns.id],
			Options:   json.RawMessage(`{"default_storage":"local"}`),
			CreatedAt: created, UpdatedAt: created,
		})
	}
}

// jobs generates n background jobs over the last 30 days: mostly completed,
// some failed or cancelled, and the newest few running, queued or new.
func (g *generator) jobs(n int) {
	tables := g.out.tables
	stream := tables[0]
	for _, t := range tables {
		if t.TableType == system.TableTableTypeStream {
			stream = t // stream_eviction jobs work on the stream table
		}
	}
	nodes := []string{"node-1", "node-2", "node-3"}
	for i := range n {
		created := g.between(demoNow.Add(-30*24*time.Hour), demoNow.Add(-3*time.Hour))
		status := system.JobStatusCompleted
		switch p := g.r.IntN(100); {
		case i < 4 || (i < n/20 && p < 50): // a few always running, started in the last two hours
			status = system.JobStatusRunning
			created = g.between(demoNow.Add(-2*time.Hour), demoNow.Add(-time.Minute))
		case i < n/10 && p < 60:
			status = system.JobStatusQueued
			created = g.between(demoNow.Add(-30*time.Minute), demoNow)
		case i < n/10:
			status = system.JobStatusNew
			created = g.between(demoNow.Add(-5*time.Minute), demoNow)
		case p < 6:
			status = system.JobStatusFailed
		case p < 8:
			status = system.JobStatusCancelled
		}
		j := system.Job{Status: status, CreatedAt: created, MaxRetries: 3}
		t := tables[g.r.IntN(len(tables))]
		switch p := g.r.IntN(100); {
		case p < 55:
			j.JobType = system.JobJobTypeFlush
			j.Parameters = json.RawMessage(fmt.Sprintf(`{"max_rows":%d}`, 100000))
		case p < 75:
			j.JobType = system.JobJobTypeCompact
		case p < 85:
			j.JobType = system.JobJobTypeCleanup
		case p < 92:
			j.JobType = system.JobJobTypeRetention
			j.Parameters = json.RawMessage(`{"keep_days":90}`)
		case p < 97:
			j.JobType = system.JobJobTypeStreamEviction
			t = stream
		default:
			j.JobType = system.JobJobTypeBackup
			j.Parameters = json.RawMessage(`{"target":"gcs-archive"}`)
		}
		if j.JobType != system.JobJobTypeBackup {
			j.NamespaceID, j.TableName = ptr(t.NamespaceID), ptr(t.TableName)
		}
		if g.r.IntN(100) < 30 {
			j.IdempotencyKey = ptr(g.id("idem-", 20))
		}
		if status != system.JobStatusNew && status != system.JobStatusQueued {
			started := created.Add(time.Duration(g.r.IntN(60_000)) * time.Millisecond)
			j.StartedAt = ptr(started)
			j.NodeID = ptr(g.pick(nodes))
			if status != system.JobStatusRunning {
				j.FinishedAt = ptr(started.Add(time.Duration(200+g.r.IntN(120_000)) * time.Millisecond))
			}
		}
		switch status {
		case system.JobStatusCompleted:
			j.Result = json.RawMessage(fmt.Sprintf(`{"rows":%d,"files":%d}`, g.r.IntN(200_000), 1+g.r.IntN(8)))
		case system.JobStatusFailed:
			j.RetryCount = 3
			j.ErrorMessage = ptr(g.pick([]string{
				"write s3://acme-chat-eu/tables: RequestTimeout: your socket connection to the server was not read from or written to within the timeout period",
				"disk full: /var/lib/tablegen/parquet: no space left on device",
				"context deadline exceeded after 10m0s",
			}))
		}
		g.out.jobs = append(g.out.jobs, j)
	}
	slices.SortStableFunc(g.out.jobs, func(a, b system.Job) int { return a.CreatedAt.Compare(b.CreatedAt) })
}

var (
	topics = []string{"launch plan", "on-call handover", "Q2 roadmap", "design review", "incident 4711",
		"hiring loop", "customer escalation", "release 2.3", "pricing page", "data retention", "offsite",
		"schema migration", "load test", "SDK feedback", "search relevance", "mobile beta"}
	words = strings.Fields(`the a we it this that table index key row scan flush parquet batch query
		latency p99 deploy rollback migration schema column owner user service node cluster disk
		memory cache compaction write read snapshot replica region backup restore ticket customer
		release branch review test bench fuzz build ci green red today tomorrow monday friday
		should could will can needs looks seems works broke fixed merged shipped blocked waiting
		quick small big slow fast stable flaky new old next last first please thanks agreed`)
	openers = []string{"Sure,", "Good point:", "Here is a summary:", "Short answer:", "I checked:", "Based on the logs,"}
)

func (g *generator) sentence(lo, hi int) string {
	n := lo + g.r.IntN(hi-lo+1)
	var b strings.Builder
	for i := range n {
		w := g.pick(words)
		if i == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	b.WriteByte(g.pick([]string{".", ".", ".", "?", "!"})[0])
	return b.String()
}

// conversations generates n conversations of 2 to 8 members, about a third
// of them with the assistant. The first one always holds the cast; the others
// start with the ordinary users and dbas in turn, so every one of them is a
// member of some conversation.
func (g *generator) conversations(n int) {
	byName := map[string]string{}
	var people []string // user ids of ordinary users and dbas
	for _, u := range g.out.users {
		byName[u.Username] = u.UserID
		if (u.Role == system.UserRoleUser || u.Role == system.UserRoleDba) && u.DeletedAt == nil {
			people = append(people, u.UserID)
		}
	}
	lo, hi := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), demoNow.Add(-14*24*time.Hour)
	for i := range n {
		var members []string
		if i == 0 {
			members = []string{byName[castDBA], byName[castNewDBA], byName[castUser], byName[castAssistant]}
		} else {
			k := min(2+g.r.IntN(7), len(people))
			// The first member cycles through everyone, so with at least as
			// many conversations as people every user owns messages.
			members = append(members, people[(i-1)%len(people)])
			for len(members) < k {
				id := people[g.r.IntN(len(people))]
				if !slices.Contains(members, id) {
					members = append(members, id)
				}
			}
			if g.r.IntN(3) == 0 {
				members = append(members, byName[castAssistant])
			}
		}
		created := g.between(lo, hi)
		topic := g.pick(topics)
		c := chat.Conversation{
			Title:       strings.ToUpper(topic[:1]) + topic[1:],
			CreatedBy:   members[0],
			Archived:    g.r.IntN(10) == 0,
			MemberCount: int32(len(members)),
			CreatedAt:   created,
			UpdatedAt:   created,
		}
		if i == 0 {
			c.Title, c.Archived = "Launch plan", false
		}
		if g.r.IntN(4) == 0 {
			c.Settings = json.RawMessage(fmt.Sprintf(`{"notify":%q,"pinned":%t}`, g.pick([]string{"all", "mentions", "none"}), g.r.IntN(2) == 0))
		}
		if g.r.IntN(10) == 0 {
			// A tiny PNG: the signature and an IHDR chunk of a 1x1 image.
			c.Avatar = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
		}
		g.out.conversations = append(g.out.conversations, c)
		g.out.members = append(g.out.members, members)
	}
}

// messages generates logical messages until their stored copies (one per
// member) reach at least rows. Activity is skewed: a few conversations are
// busy, most are quiet, as in any chat system.
func (g *generator) messages(rows int) {
	assistant := g.out.users[1].UserID
	system := g.out.users[0].UserID
	weights := make([]float64, len(g.out.conversations))
	total := 0.0
	for i := range weights {
		w := g.r.ExpFloat64()
		if i == 0 {
			w = 3
		}
		total += w
		weights[i] = total
	}
	for g.out.rows < rows {
		ci, _ := slices.BinarySearch(weights, g.r.Float64()*total)
		ci = min(ci, len(weights)-1)
		conv, members := &g.out.conversations[ci], g.out.members[ci]
		sent := g.between(conv.CreatedAt, demoNow)
		m := chat.Message{SentAt: sent}
		hasAssistant := slices.Contains(members, assistant)
		switch p := g.r.IntN(100); {
		case p < 2:
			m.Role, m.SenderID = chat.MessageRoleSystem, system
			m.Content = fmt.Sprintf("%s renamed the conversation to %q.", g.pick(firstNames), g.pick(topics))
		case hasAssistant && p < 35:
			m.Role, m.SenderID = chat.MessageRoleAssistant, assistant
			m.Content = g.pick(openers) + " " + lowerFirst(g.sentence(6, 14)) + "\n\n- " + g.sentence(4, 8) + "\n- " + g.sentence(4, 8)
		default:
			for m.SenderID = assistant; m.SenderID == assistant; {
				m.SenderID = members[g.r.IntN(len(members))]
			}
			m.Role = chat.MessageRoleUser
			m.Content = g.sentence(3, 16)
			var id uuid.UUID
			for i := range id {
				id[i] = byte(g.r.UintN(256))
			}
			id[6] = id[6]&0x0f | 0x40 // version 4
			id[8] = id[8]&0x3f | 0x80 // RFC 4122 variant
			m.ClientMessageID = &id
			if g.r.IntN(100) < 5 {
				m.Attachments = json.RawMessage(fmt.Sprintf(`[{"name":"%s.pdf","url":"https://files.example.com/%s","size":%d}]`,
					strings.ReplaceAll(g.pick(topics), " ", "-"), g.id("", 16), 10_000+g.r.IntN(5_000_000)))
			}
			if g.r.IntN(100) < 3 {
				m.EditedAt = ptr(sent.Add(time.Duration(1+g.r.IntN(600)) * time.Second))
			}
		}
		if sent.After(conv.UpdatedAt) {
			conv.UpdatedAt = sent
		}
		g.out.messages = append(g.out.messages, m)
		g.out.messageConv = append(g.out.messageConv, ci)
		g.out.rows += len(members)
	}
	// Sort in the order they were sent, as a live system would have written them.
	order := make([]int, len(g.out.messages))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return g.out.messages[a].SentAt.Compare(g.out.messages[b].SentAt)
	})
	msgs, convs := make([]chat.Message, len(order)), make([]int, len(order))
	for i, j := range order {
		msgs[i], convs[i] = g.out.messages[j], g.out.messageConv[j]
	}
	g.out.messages, g.out.messageConv = msgs, convs
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }
