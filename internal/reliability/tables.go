package reliability

import (
	"bytes"
	"fmt"

	"github.com/tablegen/tablegen/runtime/keyenc"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// The fixture tables are hand-written in the shape generated code has, so
// the reliability suites exercise the store without depending on the
// generator or on generated/. Between them they have a unique index
// (accounts.by_name), composite indexes (accounts.by_status,
// events.by_kind), a unique sparse index (accounts.by_email), a non-unique
// sparse index (events.by_account) and a table without indexes (progress).
const (
	AccountsID = 101
	EventsID   = 102
	ProgressID = 103
)

// Index ids of the accounts table.
const (
	AccountsByName   = 1 // unique: name
	AccountsByStatus = 2 // composite: status, batch
	AccountsByEmail  = 3 // unique, sparse: email (nullable)
)

// Index ids of the events table.
const (
	EventsByKind    = 1 // composite: kind, at; covering (entries carry the row)
	EventsByAccount = 2 // sparse: account (nullable)
)

// AccountKey is the primary key of the accounts table: (org, id).
type AccountKey struct {
	Org string
	ID  int64
}

// String is how errors and problems name an account ("org/id").
func (k AccountKey) String() string { return fmt.Sprintf("%s/%d", k.Org, k.ID) }

// Account is a row of the accounts table. Batch is the sequence number of
// the batch that last wrote the row, which is what lets the crash test tell
// complete batches from partial ones.
type Account struct {
	Org     string
	ID      int64
	Name    string
	Status  int32 // enum: 0 new, 1 active, 2 closed
	Batch   int64
	Email   *string
	Payload []byte
}

// Key is the row's primary key.
func (a *Account) Key() AccountKey { return AccountKey{a.Org, a.ID} }

// Equal reports whether two rows have the same column values (nil and empty
// payloads are equal, as the codec does not distinguish them).
func (a *Account) Equal(b *Account) bool {
	return a.Org == b.Org && a.ID == b.ID && a.Name == b.Name && a.Status == b.Status &&
		a.Batch == b.Batch && equalStringPtr(a.Email, b.Email) && bytes.Equal(a.Payload, b.Payload)
}

func equalStringPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// AccountSpec returns the store spec of the accounts table.
func AccountSpec() store.Spec[AccountKey, Account] {
	return store.Spec[AccountKey, Account]{
		Layout: layout.Table{
			ID: AccountsID, Namespace: "reliability", Name: "accounts", Kind: "shared",
			Key: []layout.KeyColumn{{Name: "org", Type: "string"}, {Name: "id", Type: "int64"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "org", Type: "string"},
				{Tag: 2, Name: "id", Type: "int64"},
				{Tag: 3, Name: "name", Type: "string"},
				{Tag: 4, Name: "status", Type: "enum", Values: []string{"new", "active", "closed"}},
				{Tag: 5, Name: "batch", Type: "int64"},
				{Tag: 6, Name: "email", Type: "string", Nullable: true},
				{Tag: 7, Name: "payload", Type: "bytes"},
			},
			Indexes: []layout.Index{
				{ID: AccountsByName, Name: "by_name", Columns: []string{"name"}, Unique: true},
				{ID: AccountsByStatus, Name: "by_status", Columns: []string{"status", "batch"}},
				{ID: AccountsByEmail, Name: "by_email", Columns: []string{"email"}, Unique: true},
			},
		},
		AppendKey: AppendAccountKey,
		DecodeKey: DecodeAccountKey,
		KeyOf:     func(a *Account) AccountKey { return a.Key() },
		AppendRow: appendAccount,
		DecodeRow: decodeAccount,
		Indexes: []store.IndexSpec[Account]{
			{ID: AccountsByName, Name: "by_name", Unique: true, AppendValues: func(dst []byte, a *Account) ([]byte, bool) {
				return keyenc.AppendString(dst, a.Name), true
			}},
			{ID: AccountsByStatus, Name: "by_status", AppendValues: func(dst []byte, a *Account) ([]byte, bool) {
				return keyenc.AppendInt64(keyenc.AppendEnum(dst, a.Status), a.Batch), true
			}},
			{ID: AccountsByEmail, Name: "by_email", Unique: true, AppendValues: func(dst []byte, a *Account) ([]byte, bool) {
				if a.Email == nil {
					return dst, false
				}
				return keyenc.AppendString(dst, *a.Email), true
			}},
		},
	}
}

// AppendAccountKey appends the encoded key tuple of k.
func AppendAccountKey(dst []byte, k AccountKey) []byte {
	return keyenc.AppendInt64(keyenc.AppendString(dst, k.Org), k.ID)
}

// DecodeAccountKey is the inverse of AppendAccountKey; trailing bytes are an error.
func DecodeAccountKey(b []byte) (AccountKey, error) {
	var k AccountKey
	var err error
	if k.Org, b, err = keyenc.DecodeString(b); err != nil {
		return k, err
	}
	if k.ID, b, err = keyenc.DecodeInt64(b); err != nil {
		return k, err
	}
	return k, noTrailing(b)
}

func noTrailing(b []byte) error {
	if len(b) != 0 {
		return fmt.Errorf("%d trailing bytes after the key: %w", len(b), keyenc.ErrMalformed)
	}
	return nil
}

func appendAccount(dst []byte, a *Account) []byte {
	dst = rowenc.AppendString(dst, 1, a.Org)
	dst = rowenc.AppendInt64(dst, 2, a.ID)
	dst = rowenc.AppendString(dst, 3, a.Name)
	if a.Status != 0 {
		dst = rowenc.AppendEnum(dst, 4, a.Status)
	}
	dst = rowenc.AppendInt64(dst, 5, a.Batch)
	if a.Email != nil {
		dst = rowenc.AppendString(dst, 6, *a.Email)
	}
	if len(a.Payload) > 0 {
		dst = rowenc.AppendBytes(dst, 7, a.Payload)
	}
	return dst
}

func decodeAccount(b []byte, a *Account, _ *rowenc.Arena) error {
	*a = Account{}
	d := rowenc.NewDecoder(b)
	for d.Next() {
		switch d.Tag() {
		case 1:
			a.Org = d.String()
		case 2:
			a.ID = d.Int64()
		case 3:
			a.Name = d.String()
		case 4:
			a.Status = d.Enum()
		case 5:
			a.Batch = d.Int64()
		case 6:
			s := d.String()
			a.Email = &s
		case 7:
			a.Payload = d.Bytes()
		}
	}
	return d.Err()
}

// EventKey is the primary key of the events table: (batch, n).
type EventKey struct {
	Batch int64
	N     int32
}

// String is how errors and problems name an event ("batch.n").
func (k EventKey) String() string { return fmt.Sprintf("%d.%d", k.Batch, k.N) }

// Event is a row of the events table, an append-mostly log whose key starts
// with the batch that wrote it.
type Event struct {
	Batch   int64
	N       int32
	Kind    int32   // enum: 0 created, 1 updated, 2 deleted
	Account *string // the account the event is about, if any
	At      int64
}

// Key is the row's primary key.
func (e *Event) Key() EventKey { return EventKey{e.Batch, e.N} }

// Equal reports whether two rows have the same column values.
func (e *Event) Equal(f *Event) bool {
	return e.Batch == f.Batch && e.N == f.N && e.Kind == f.Kind && equalStringPtr(e.Account, f.Account) && e.At == f.At
}

// EventSpec returns the store spec of the events table.
func EventSpec() store.Spec[EventKey, Event] {
	return store.Spec[EventKey, Event]{
		Layout: layout.Table{
			ID: EventsID, Namespace: "reliability", Name: "events", Kind: "shared",
			Key: []layout.KeyColumn{{Name: "batch", Type: "int64"}, {Name: "n", Type: "int32"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "batch", Type: "int64"},
				{Tag: 2, Name: "n", Type: "int32"},
				{Tag: 3, Name: "kind", Type: "enum", Values: []string{"created", "updated", "deleted"}},
				{Tag: 4, Name: "account", Type: "string", Nullable: true},
				{Tag: 5, Name: "at", Type: "int64"},
			},
			Indexes: []layout.Index{
				{ID: EventsByKind, Name: "by_kind", Columns: []string{"kind", "at"}, Covering: true},
				{ID: EventsByAccount, Name: "by_account", Columns: []string{"account"}},
			},
		},
		AppendKey: func(dst []byte, k EventKey) []byte {
			return keyenc.AppendInt32(keyenc.AppendInt64(dst, k.Batch), k.N)
		},
		DecodeKey: func(b []byte) (EventKey, error) {
			var k EventKey
			var err error
			if k.Batch, b, err = keyenc.DecodeInt64(b); err != nil {
				return k, err
			}
			if k.N, b, err = keyenc.DecodeInt32(b); err != nil {
				return k, err
			}
			return k, noTrailing(b)
		},
		KeyOf: func(e *Event) EventKey { return e.Key() },
		AppendRow: func(dst []byte, e *Event) []byte {
			dst = rowenc.AppendInt64(dst, 1, e.Batch)
			dst = rowenc.AppendInt32(dst, 2, e.N)
			if e.Kind != 0 {
				dst = rowenc.AppendEnum(dst, 3, e.Kind)
			}
			if e.Account != nil {
				dst = rowenc.AppendString(dst, 4, *e.Account)
			}
			return rowenc.AppendInt64(dst, 5, e.At)
		},
		DecodeRow: func(b []byte, e *Event, _ *rowenc.Arena) error {
			*e = Event{}
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					e.Batch = d.Int64()
				case 2:
					e.N = d.Int32()
				case 3:
					e.Kind = d.Enum()
				case 4:
					s := d.String()
					e.Account = &s
				case 5:
					e.At = d.Int64()
				}
			}
			return d.Err()
		},
		Indexes: []store.IndexSpec[Event]{
			{ID: EventsByKind, Name: "by_kind", AppendValues: func(dst []byte, e *Event) ([]byte, bool) {
				return keyenc.AppendInt64(keyenc.AppendEnum(dst, e.Kind), e.At), true
			}},
			{ID: EventsByAccount, Name: "by_account", AppendValues: func(dst []byte, e *Event) ([]byte, bool) {
				if e.Account == nil {
					return dst, false
				}
				return keyenc.AppendString(dst, *e.Account), true
			}},
		},
	}
}

// Progress is the single row of the progress table: the number of the last
// batch applied. It is written in every batch, so reading it after a crash
// tells which prefix of the batches survived.
type Progress struct {
	Name  string
	Batch int64
	Ops   int64 // operations in that batch
}

// ProgressSpec returns the store spec of the progress table (no indexes).
func ProgressSpec() store.Spec[string, Progress] {
	return store.Spec[string, Progress]{
		Layout: layout.Table{
			ID: ProgressID, Namespace: "reliability", Name: "progress", Kind: "system",
			Key: []layout.KeyColumn{{Name: "name", Type: "string"}},
			Columns: []layout.Column{
				{Tag: 1, Name: "name", Type: "string"},
				{Tag: 2, Name: "batch", Type: "int64"},
				{Tag: 3, Name: "ops", Type: "int64"},
			},
		},
		AppendKey: keyenc.AppendString,
		DecodeKey: func(b []byte) (string, error) {
			s, rest, err := keyenc.DecodeString(b)
			if err != nil {
				return s, err
			}
			return s, noTrailing(rest)
		},
		KeyOf: func(p *Progress) string { return p.Name },
		AppendRow: func(dst []byte, p *Progress) []byte {
			dst = rowenc.AppendString(dst, 1, p.Name)
			dst = rowenc.AppendInt64(dst, 2, p.Batch)
			return rowenc.AppendInt64(dst, 3, p.Ops)
		},
		DecodeRow: func(b []byte, p *Progress, _ *rowenc.Arena) error {
			*p = Progress{}
			d := rowenc.NewDecoder(b)
			for d.Next() {
				switch d.Tag() {
				case 1:
					p.Name = d.String()
				case 2:
					p.Batch = d.Int64()
				case 3:
					p.Ops = d.Int64()
				}
			}
			return d.Err()
		},
	}
}

// Tables are the three fixture tables registered on one DB.
type Tables struct {
	Accounts *store.Table[AccountKey, Account]
	Events   *store.Table[EventKey, Event]
	Progress *store.Table[string, Progress]
}

// OpenTables registers the fixture tables on db.
func OpenTables(db *store.DB) (*Tables, error) {
	a, err := store.NewTable(db, AccountSpec())
	if err != nil {
		return nil, err
	}
	e, err := store.NewTable(db, EventSpec())
	if err != nil {
		return nil, err
	}
	p, err := store.NewTable(db, ProgressSpec())
	if err != nil {
		return nil, err
	}
	return &Tables{Accounts: a, Events: e, Progress: p}, nil
}

// Verify runs store.Table.Verify on every fixture table and returns every
// problem found.
func (ts *Tables) Verify() ([]store.Problem, error) {
	var all []store.Problem
	for _, verify := range []func() ([]store.Problem, error){ts.Accounts.Verify, ts.Events.Verify, ts.Progress.Verify} {
		p, err := verify()
		all = append(all, p...)
		if err != nil {
			return all, err
		}
	}
	return all, nil
}
