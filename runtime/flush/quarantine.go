package flush

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tablegen/tablegen/internal/rawpebble"
	"github.com/tablegen/tablegen/runtime/internal/coldtier"
	"github.com/tablegen/tablegen/runtime/internal/kv"
	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
)

// stepQuarantined: a damaged row's quarantine file is durable; the row is
// not deleted yet.
const stepQuarantined step = "quarantined"

// Quarantined is one row a flush moved aside (see Options.Quarantine): the
// JSON of its quarantine file.
type Quarantined struct {
	Table   string `json:"table"`
	TableID uint32 `json:"table_id"`
	// Key is the row's Pebble key, Value its stored bytes, exactly.
	Key    []byte    `json:"key"`
	Value  []byte    `json:"value"`
	Reason string    `json:"reason"`
	Time   time.Time `json:"time"`
}

// damagedRowError carries, out of a flush over a snapshot, the row whose
// value did not decode and the bytes the snapshot held.
type damagedRowError struct {
	key, value []byte // key below the row prefix
	err        error
}

func (e *damagedRowError) Error() string { return e.err.Error() }
func (e *damagedRowError) Unwrap() error { return e.err }

// damagedRow returns the row key (below the row prefix) of err when err is
// a row of table l whose stored bytes do not decode; damage to database
// files (Pebble's checksums) and keys that are not rows are not.
func damagedRow(err error, l *layout.Table) ([]byte, bool) {
	var ce *store.CorruptError
	if !errors.As(err, &ce) || ce.Table != l.FullName() || ce.File != "" {
		return nil, false
	}
	if _, files := kv.Damaged(ce.Err); files {
		return nil, false
	}
	h, ok := bytes.CutPrefix([]byte(ce.Key), []byte("0x"))
	if !ok {
		return nil, false
	}
	key, herr := hex.DecodeString(string(h))
	prefix := store.RowPrefix(l.ID)
	if herr != nil || len(key) <= len(prefix) || !bytes.HasPrefix(key, prefix) {
		return nil, false
	}
	return key[len(prefix):], true
}

// asDamaged turns err into a *damagedRowError with the row's bytes from
// snap when the executor quarantines and err names a damaged row of l.
func (e *Executor) asDamaged(err error, snap *store.Snapshot, l *layout.Table) error {
	if e.o.Quarantine == "" {
		return err
	}
	key, ok := damagedRow(err, l)
	if !ok {
		return err
	}
	v, closer, gerr := rawpebble.Snapshot(snap).Get(append(store.RowPrefix(l.ID), key...))
	if gerr != nil {
		return err
	}
	defer closer.Close()
	return &damagedRowError{key: key, value: bytes.Clone(v), err: err}
}

// flushQuarantining runs flush; with Options.Quarantine, each time it stops
// at a damaged row it moves the row aside (quarantine), removes what the
// stopped attempt wrote (recover: no manifest lists it) and flushes
// again from a new snapshot. Each retry rereads the table, so n damaged
// rows cost n extra reads of it: the option is for repairs, not routine.
func (e *Executor) flushQuarantining(ctx context.Context, p *scan.Provider, l *layout.Table, pl plan) (*Result, error) {
	var moved []string
	for {
		res, err := e.flush(ctx, p, l, pl)
		var dr *damagedRowError
		if !errors.As(err, &dr) {
			if res != nil {
				res.Quarantined = moved
			}
			return res, err
		}
		file, err := e.quarantine(l, dr)
		if err != nil {
			return nil, err
		}
		if file != "" {
			moved = append(moved, file)
		}
		if _, err := e.recover(l); err != nil {
			return nil, err
		}
	}
}

// quarantine writes the damaged row to its quarantine file, durably, and
// only then deletes it from the hot store (with its index entries),
// through the store, while its value is still the one written. The file is
// named by a hash of key and value, so a flush that crashes between the
// two steps writes the same file again. It returns "" when the row
// changed since the snapshot (the next attempt sees its new value).
func (e *Executor) quarantine(l *layout.Table, dr *damagedRowError) (string, error) {
	key := append(store.RowPrefix(l.ID), dr.key...)
	sum := sha256.Sum256(append(append(bytes.Clone(key), 0), dr.value...))
	dir := e.quarantineDir(l)
	file := filepath.Join(dir, hex.EncodeToString(sum[:quarantineHashLen])+quarantineExt)
	save := func(value []byte) error {
		if err := mkdirDurable(dir); err != nil {
			return err
		}
		q := Quarantined{Table: l.FullName(), TableID: l.ID, Key: key, Value: value, Reason: dr.err.Error(), Time: e.o.Now().UTC()}
		data, err := json.MarshalIndent(q, "", "  ")
		if err != nil {
			return fmt.Errorf("flush: %s: encode quarantine record: %w", l.FullName(), err)
		}
		if err := writeDurable(file, e.o.fault, func(w io.Writer) error {
			_, err := w.Write(append(data, '\n'))
			return err
		}); err != nil {
			return fmt.Errorf("flush: %s: quarantine row 0x%x: %w", l.FullName(), key, err)
		}
		return e.o.fault(stepQuarantined)
	}
	deleted, err := coldtier.DeleteDamaged(e.db, l, dr.key, dr.value, save)
	if err != nil {
		return "", fmt.Errorf("flush: %s: quarantine row 0x%x: %w", l.FullName(), key, err)
	}
	if !deleted {
		return "", nil
	}
	return file, nil
}

// A quarantine file is named by the first quarantineHashLen bytes of a
// hash of the row's key and value, in hex, + quarantineExt.
const (
	quarantineHashLen = 16
	quarantineExt     = ".json"
)

// quarantineDir is where table l's quarantine files go.
func (e *Executor) quarantineDir(l *layout.Table) string {
	return filepath.Join(e.o.Quarantine, l.Namespace, l.Name)
}

// removeQuarantineTemps deletes the temporary files of quarantine writes
// that were interrupted (a crash, a full disk) in table l's quarantine
// directory. The next attempt at the same row rewrites its own file (the
// name is a hash of the row), but a row repaired or deleted in between is
// never attempted again, and its temporary file would stay forever. Only
// names a quarantine write makes (its file name + tmpSuffix) are touched. It runs under the table's lock, as every quarantine write does,
// so no write of this executor is under way.
func (e *Executor) removeQuarantineTemps(l *layout.Table, rec *Recovery) error {
	if e.o.Quarantine == "" {
		return nil
	}
	dir := e.quarantineDir(l)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("flush: recover %s: read quarantine directory %s: %w", l.FullName(), dir, err)
	}
	changed := false
	for _, de := range entries {
		name, ok := strings.CutSuffix(de.Name(), quarantineExt+tmpSuffix)
		if !ok || de.IsDir() || len(name) != 2*quarantineHashLen {
			continue
		}
		if _, err := hex.DecodeString(name); err != nil {
			continue
		}
		changed = e.removeLeftover(filepath.Join(dir, de.Name()), rec) || changed
	}
	if changed {
		return syncDir(dir)
	}
	return nil
}
