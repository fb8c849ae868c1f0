package flush

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tablegen/tablegen/runtime/layout"
)

// tableDir finds the directory of table l's files by its id, never by
// its name alone: flushed segments must survive a table rename (same id,
// new name), which `tablegen breaking` accepts. The directory is
// <root>/<namespace>/<table> of the name the table had at its first
// flush; every manifest records the table id, so after a rename the old
// directory is found by looking for the manifest with l's id. A
// directory of the current name that holds another table's manifest is
// an error (two tables cannot share files).
func (e *Executor) tableDir(l *layout.Table) (string, error) {
	e.mu.Lock()
	dir, ok := e.dirs[l.ID]
	e.mu.Unlock()
	if ok {
		return dir, nil
	}
	named := filepath.Join(e.root, l.Namespace, l.Name)
	id, found, err := manifestID(named)
	if err != nil {
		return "", err
	}
	if found && id == l.ID {
		e.remember(l.ID, named)
		return named, nil
	}
	matches, err := filepath.Glob(filepath.Join(e.root, "*", "*", ManifestName))
	if err != nil {
		return "", fmt.Errorf("flush: %s: find the table's directory: %w", l.FullName(), err)
	}
	for _, m := range matches {
		d := filepath.Dir(m)
		if d == named {
			continue
		}
		id, ok, err := manifestID(d)
		if err != nil || !ok || id != l.ID {
			continue // another table's, or damaged: not ours to judge here
		}
		e.remember(l.ID, d)
		return d, nil
	}
	if found {
		return "", fmt.Errorf("flush: %s (id %d): %s holds the files of table id %d; a table name that once belonged to another table cannot reuse its directory; move or remove that directory", l.FullName(), l.ID, named, id)
	}
	return named, nil
}

func (e *Executor) remember(id uint32, dir string) {
	e.mu.Lock()
	e.dirs[id] = dir
	e.mu.Unlock()
}

// manifestID reads the table id a directory's manifest records.
func manifestID(dir string) (uint32, bool, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("flush: read %s: %w", filepath.Join(dir, ManifestName), err)
	}
	var m struct {
		TableID uint32 `json:"table_id"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return 0, false, fmt.Errorf("flush: %s: %w: %v", filepath.Join(dir, ManifestName), ErrCorruptManifest, err)
	}
	return m.TableID, true, nil
}
