package store

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
)

// markTableID is the table id under which marks live in the metadata
// keyspace. Table ids start at 1, so id 0 never names a table's layout.
const markTableID = 0

// Mark is a durable int64 kept in the database's metadata keyspace, at
// 0x01 + BE uint32 0 + "rowid/" + name. It implements rowid.Mark, so a
// rowid.Generator's high-water mark lives, and is backed up and restored,
// with the rows whose ids it issued: ids never repeat after a restart of
// the same database. Get one from [DB.Mark].
type Mark struct {
	db   *DB
	name string
	key  []byte
}

// Mark returns the mark called name (for example "chat.messages/node-0").
// Use one name per generator: two generators saving the same mark would
// undo each other's leases.
func (db *DB) Mark(name string) (*Mark, error) {
	if name == "" {
		return nil, errors.New("store: mark name is empty; name it after the generator, e.g. \"chat.messages/node-0\"")
	}
	key := binary.BigEndian.AppendUint32([]byte{keyspaceMeta}, markTableID)
	key = append(append(key, "rowid/"...), name...)
	return &Mark{db: db, name: name, key: key}, nil
}

// Load returns the saved value, or 0 when nothing was saved yet.
func (m *Mark) Load() (int64, error) {
	if !m.db.life.enter() {
		return 0, ErrClosed
	}
	defer m.db.life.exit()
	val, closer, err := m.db.pdb.Get(m.key)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: mark %s: %w", m.name, err)
	}
	defer closer.Close()
	if len(val) != 8 {
		return 0, fmt.Errorf("store: mark %s: stored value is %d bytes, not 8; the metadata is damaged, restore it from a backup (never reset it: ids could repeat)", m.name, len(val))
	}
	return int64(binary.BigEndian.Uint64(val)), nil
}

// Save records v durably: it returns after the write-ahead log is fsynced,
// whatever the DB's Sync option, because a generator relies on the mark to
// never reissue an id after a crash.
func (m *Mark) Save(v int64) error {
	if !m.db.life.enter() {
		return ErrClosed
	}
	defer m.db.life.exit()
	if err := m.db.set(m.key, binary.BigEndian.AppendUint64(nil, uint64(v)), pebble.Sync); err != nil {
		return fmt.Errorf("store: mark %s: %w", m.name, err)
	}
	return nil
}
