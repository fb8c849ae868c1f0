package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The data directory holds everything a run writes:
//
//	DIR/demo.json   the marker: this directory belongs to the demo, and what was loaded
//	DIR/pebble/     the database
//	DIR/rowid.mark  the row-id generator's high-water mark
//	DIR/parquet/    flushed Parquet files
const markerName = "demo.json"

// marker records what a run loaded, so that -keep knows what it reuses and a
// reset knows the directory is the demo's to delete.
type marker struct {
	Program  string `json:"program"`
	Loaded   bool   `json:"loaded"` // false while loading: an interrupted load is never reused
	Seed     uint64 `json:"seed"`
	Users    int    `json:"users"`
	Messages int    `json:"messages"`
}

const markerProgram = "tablegen examples/quickstart"

func (c *config) dbDir() string      { return filepath.Join(c.dir, "pebble") }
func (c *config) markPath() string   { return filepath.Join(c.dir, "rowid.mark") }
func (c *config) parquetDir() string { return filepath.Join(c.dir, "parquet") }

// prepare makes c.dir ready and says what it did: it reuses a complete
// earlier load when -keep asks for it (and then adopts that load's sizes, so
// the steps pick their sample rows from what is there), and otherwise
// deletes the directory, but only when the demo's marker shows the demo
// created it. It reports whether the data set must be loaded.
func prepare(c *config) (load bool, note string, err error) {
	m, err := readMarker(c.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		empty, err := isEmptyOrMissing(c.dir)
		if err != nil {
			return false, "", err
		}
		if !empty {
			return false, "", fmt.Errorf("%s exists and was not created by the demo (it has no %s); move it away or pass -data with another directory", c.dir, markerName)
		}
		note = fmt.Sprintf("%s is new: creating it and loading the data set", c.dir)
	case err != nil:
		return false, "", err
	case c.keep && m.Loaded:
		c.seed, c.users, c.messages = m.Seed, m.Users, m.Messages
		return false, fmt.Sprintf("reusing %s (-keep): the data set of an earlier run (-seed %d -users %d -messages %d) is already loaded; skipping the load", c.dir, m.Seed, m.Users, m.Messages), nil
	case c.keep:
		note = fmt.Sprintf("%s holds an interrupted load, which -keep cannot reuse: resetting it", c.dir)
	default:
		note = fmt.Sprintf("resetting %s: deleting the data of an earlier run and loading again (pass -keep to reuse it)", c.dir)
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return false, "", fmt.Errorf("reset %s: %w", c.dir, err)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return false, "", fmt.Errorf("create %s: %w", c.dir, err)
	}
	if err := writeMarker(c, false); err != nil {
		return false, "", err
	}
	return true, note, nil
}

func readMarker(dir string) (marker, error) {
	var m marker
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Program != markerProgram {
		return m, fmt.Errorf("%s is not a marker of the demo (%v); move %s away or pass -data with another directory", filepath.Join(dir, markerName), err, dir)
	}
	return m, nil
}

// writeMarker records the run's sizes; loaded marks the load complete.
func writeMarker(c *config, loaded bool) error {
	b, err := json.MarshalIndent(marker{Program: markerProgram, Loaded: loaded, Seed: c.seed, Users: c.users, Messages: c.messages}, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(c.dir, markerName), append(b, '\n'), 0o644)
}

func isEmptyOrMissing(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", dir, err)
	}
	return len(entries) == 0, nil
}
